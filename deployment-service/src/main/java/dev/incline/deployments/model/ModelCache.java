package dev.incline.deployments.model;

import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.deployments.model.ModelRegistryClient.ModelFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;

/**
 * Model versions on this machine for process and docker replicas: {@code <cache>/<team>/<versionId>/},
 * downloaded once, checked against the registry's SHA-256, made read-only and moved into place in one
 * rename, so a replica never sees half a model and every replica of every deployment of the version
 * shares the one copy.
 */
@Component
public class ModelCache {

  private final Path root;
  private final ModelRegistryClient registry;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
      .followRedirects(HttpClient.Redirect.NORMAL).build();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  ModelCache(DeploymentsProperties properties, ModelRegistryClient registry) {
    this.root = properties.modelCache().toAbsolutePath().normalize();
    this.registry = registry;
  }

  /** Where the version is, once every file is there and checked; downloads what is missing. */
  public Path ensure(String teamId, String modelId, String versionId, List<ModelFile> files) {
    Path dir = root.resolve(teamId).resolve(versionId);
    if (Files.isDirectory(dir)) {
      return dir;
    }
    synchronized (locks.computeIfAbsent(teamId + "/" + versionId, k -> new Object())) {
      if (Files.isDirectory(dir)) {
        return dir;
      }
      Path partial = root.resolve(teamId).resolve(".partial-" + versionId + "-" + UUID.randomUUID());
      try {
        Files.createDirectories(partial);
        for (ModelFile f : files) {
          Path target = partial.resolve(f.path()).normalize();
          if (!target.startsWith(partial)) {
            throw new IllegalStateException("model file path escapes its version: " + f.path());
          }
          Files.createDirectories(target.getParent());
          download(registry.fileUrl(teamId, modelId, versionId, f.path()), target, f);
          target.toFile().setWritable(false, false);
        }
        try {
          Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
          if (!Files.isDirectory(dir)) {
            throw e;
          }
        }
        return dir;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot fetch model version " + versionId + ": " + e.getMessage(), e);
      } finally {
        deleteQuietly(partial);
      }
    }
  }

  private void download(URI url, Path target, ModelFile f) throws IOException {
    HttpResponse<InputStream> r;
    try {
      r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofHours(1)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = r.body(); OutputStream out = new DigestOutputStream(Files.newOutputStream(target), sha)) {
      if (r.statusCode() != 200) {
        throw new IOException("download of " + f.path() + " answered " + r.statusCode());
      }
      in.transferTo(out);
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equalsIgnoreCase(f.sha256())) {
      throw new IOException(f.path() + " does not match its checksum (" + actual + " != " + f.sha256() + ")");
    }
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        p.toFile().setWritable(true);
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: a leftover partial directory is never used
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
