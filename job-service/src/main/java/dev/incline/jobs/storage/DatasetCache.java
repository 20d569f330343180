package dev.incline.jobs.storage;

import dev.incline.jobs.config.JobsProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;

/**
 * Dataset versions on the machine of the local runtimes: {@code <cache>/<team>/<versionId>/}, read-only,
 * downloaded once by presigned URL and checked against each file's SHA-256, then shared by every job of
 * the team that reads the version. A version is immutable, so a complete directory never goes stale; a
 * download is made under a temporary name and renamed when complete, so a crash leaves no half version.
 */
@Component
public class DatasetCache {

  public static final String METRIC = "incline.datasets.cache";

  private final Path root;
  private final StorageClient storage;
  private final MeterRegistry registry;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
      .followRedirects(HttpClient.Redirect.NEVER).build();
  // ReentrantLock, not synchronized: a download takes long and runs on a virtual thread, which a
  // monitor would pin to its carrier on Java 21
  private final Map<String, java.util.concurrent.locks.ReentrantLock> locks = new ConcurrentHashMap<>();

  DatasetCache(JobsProperties properties, StorageClient storage, MeterRegistry registry) {
    this.root = properties.datasetCache();
    this.storage = storage;
    this.registry = registry;
  }

  /** The version's directory, downloaded first when this machine does not hold it yet. */
  public Path materialise(String teamId, String versionId) {
    Path dir = root.resolve(teamId).resolve(versionId);
    var lock = locks.computeIfAbsent(teamId + "/" + versionId, k -> new java.util.concurrent.locks.ReentrantLock());
    lock.lock();
    try {
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        Counter.builder(METRIC).tag("result", "hit").register(registry).increment();
        return dir;
      }
      Counter.builder(METRIC).tag("result", "miss").register(registry).increment();
      StorageClient.Manifest manifest = storage.manifest(teamId, versionId);
      Path partial = root.resolve(teamId).resolve(".partial-" + versionId + "-" + UUID.randomUUID());
      try {
        Files.createDirectories(partial);
        for (StorageClient.ManifestFile f : manifest.files()) {
          download(f, partial);
        }
        readOnly(partial);
        try {
          Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(partial, dir);
        }
        return dir;
      } catch (IOException e) {
        deleteQuietly(partial);
        throw new UncheckedIOException("could not fetch dataset version " + manifest.ref() + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        deleteQuietly(partial);
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  private void download(StorageClient.ManifestFile f, Path into) throws IOException {
    // paths were normalised by storage-service; checked again because they become file names here
    Path target = into.resolve(f.path()).normalize();
    if (!target.startsWith(into) || f.path().startsWith("/")) {
      throw new IOException("refusing a dataset file outside its version: " + f.path());
    }
    Files.createDirectories(target.getParent());
    HttpResponse<InputStream> r;
    try {
      r = http.send(HttpRequest.newBuilder(URI.create(f.url())).timeout(Duration.ofHours(1)).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    MessageDigest sha = sha256();
    try (InputStream in = r.body(); OutputStream out = new DigestOutputStream(Files.newOutputStream(target), sha)) {
      if (r.statusCode() != 200) {
        throw new IOException("download of " + f.path() + " answered " + r.statusCode());
      }
      in.transferTo(out);
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (f.sha256() != null && !f.sha256().equals(actual)) {
      throw new IOException(f.path() + " arrived with SHA-256 " + actual + ", not " + f.sha256());
    }
  }

  /** Files 0444, directories 0555: a job cannot change what the next job reads. */
  private static void readOnly(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "r-xr-xr-x" : "r--r--r--"));
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        if (Files.isDirectory(p)) {
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
      }
    } catch (IOException | UncheckedIOException ignored) {
      // nothing there
    }
    try {
      dev.incline.compute.host.HostRunDirectory.deleteTree(dir);
    } catch (UncheckedIOException ignored) {
      // best effort: a leftover .partial directory is never read
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
