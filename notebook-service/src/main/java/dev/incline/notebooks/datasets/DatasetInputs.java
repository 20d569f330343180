package dev.incline.notebooks.datasets;

import dev.incline.compute.datasets.DatasetVersionFetcher;
import dev.incline.notebooks.config.NotebooksProperties;
import dev.incline.platform.service.ServiceCalls;
import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.InvalidRequestException.FieldError;
import dev.incline.platform.security.Caller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Dataset versions notebooks read, through storage-service: resolved and marked as used when a notebook is
 * created (so they cannot be deleted under it), released when it is deleted, and on this machine for the
 * local runtimes {@code <cache>/<team>/<versionId>/}: the layout job-service uses, so a version either of
 * them fetched is fetched once.
 */
@Component
public class DatasetInputs {

  private final URI storage;
  private final ServiceCalls calls;
  private final Path cache;
  private final DatasetVersionFetcher fetcher = new DatasetVersionFetcher();
  // ReentrantLock, not synchronized: a download is long and runs on a virtual thread
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  DatasetInputs(NotebooksProperties properties, ServiceCalls calls) {
    this.storage = properties.services().storage();
    this.calls = calls;
    this.cache = properties.datasetCache();
  }

  /** A resolved version: its id and {@code name:number}. */
  public record Version(String id, String ref) {}

  /**
   * Resolves {@code refs} to committed versions and records {@code usedBy} as their user, all or none.
   * Errors name {@code inputs[i].dataset}.
   */
  public List<Version> use(Caller caller, List<String> refs, String usedBy) {
    if (refs.isEmpty()) {
      return List.of();
    }
    ServiceCalls.Answer a = calls.call("storage-service", caller, "POST", storage.resolve("/internal/v1/dataset-refs/use"),
        Map.of("refs", refs, "usedBy", usedBy));
    if (!a.ok()) {
      JsonNode problem = a.body();
      if (a.status() == 422 && problem != null && problem.has("errors")) {
        List<FieldError> errors = new ArrayList<>();
        problem.get("errors").forEach(e -> errors.add(new FieldError(
            e.get("field").asString().replaceFirst("^refs\\[(\\d+)]", "inputs[$1].dataset"), e.get("message").asString())));
        throw new InvalidRequestException(errors);
      }
      throw ApiExceptions.unavailable("dataset inputs cannot be resolved now (storage-service answered " + a.status() + "); try again");
    }
    List<Version> out = new ArrayList<>();
    a.body().get("versions").forEach(v -> out.add(new Version(v.get("id").asString(), v.get("dataset").asString() + ":" + v.get("version").asInt())));
    return out;
  }

  /** Lets the versions {@code usedBy} read be deleted again; false when storage-service could not be told. */
  public boolean release(String teamId, String usedBy) {
    try {
      return calls.call("storage-service", calls.caller(teamId), "DELETE",
          storage.resolve("/internal/v1/dataset-usages/" + URLEncoder.encode(usedBy, StandardCharsets.UTF_8)), null).ok();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** One file of a version, with a fresh presigned URL. */
  public record ManifestFile(String path, long size, String sha256, URI url) {}

  /** The version's files, as storage-service lists them for a team's workloads. */
  public List<ManifestFile> manifest(String teamId, String versionId) {
    ServiceCalls.Answer a = calls.call("storage-service", calls.caller(teamId), "GET",
        storage.resolve("/internal/v1/dataset-versions/" + URLEncoder.encode(versionId, StandardCharsets.UTF_8) + "/manifest"), null);
    if (!a.ok() || a.body() == null) {
      throw new IllegalStateException("dataset version " + versionId + " cannot be read (storage-service answered " + a.status() + ")");
    }
    List<ManifestFile> files = new ArrayList<>();
    a.body().get("files").forEach(f -> files.add(new ManifestFile(f.get("path").asString(), f.get("size").asLong(),
        f.path("sha256").isNull() ? null : f.path("sha256").asString(null), URI.create(f.get("url").asString()))));
    return files;
  }

  /** The version's directory on this machine, downloaded first when it is not here yet. */
  public Path materialise(String teamId, String versionId) {
    Path teamCache = cache.resolve(teamId);
    ReentrantLock lock = locks.computeIfAbsent(teamId + "/" + versionId, k -> new ReentrantLock());
    lock.lock();
    try {
      Path dir = teamCache.resolve(versionId);
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        return dir;
      }
      List<DatasetVersionFetcher.File> files = manifest(teamId, versionId).stream()
          .map(f -> new DatasetVersionFetcher.File(f.path(), f.size(), f.sha256(), f.url())).toList();
      return fetcher.fetch(teamCache, versionId, files).dir();
    } catch (IOException e) {
      throw new UncheckedIOException("could not fetch dataset version " + versionId + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }
}
