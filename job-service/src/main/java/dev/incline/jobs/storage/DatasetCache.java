package dev.incline.jobs.storage;

import dev.incline.compute.datasets.DatasetVersionFetcher;
import dev.incline.jobs.config.JobsProperties;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Dataset versions on the machine of the local runtimes: {@code <cache>/<team>/<versionId>/}, fetched
 * once ({@link DatasetVersionFetcher}: checked, read-only, renamed into place when complete) and
 * shared by every job of the team that reads the version.
 */
@Component
public class DatasetCache {

  public static final String METRIC = "incline.datasets.cache";

  private final Path root;
  private final StorageClient storage;
  private final MeterRegistry registry;
  private final DatasetVersionFetcher fetcher = new DatasetVersionFetcher();
  // ReentrantLock, not synchronized: a download takes long and runs on a virtual thread, which a
  // monitor would pin to its carrier on Java 21
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  DatasetCache(JobsProperties properties, StorageClient storage, MeterRegistry registry) {
    this.root = properties.datasetCache();
    this.storage = storage;
    this.registry = registry;
  }

  /** The version's directory, downloaded first when this machine does not hold it yet. */
  public Path materialise(String teamId, String versionId) {
    Path teamCache = root.resolve(teamId);
    ReentrantLock lock = locks.computeIfAbsent(teamId + "/" + versionId, k -> new ReentrantLock());
    lock.lock();
    try {
      Path dir = teamCache.resolve(versionId);
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        Counter.builder(METRIC).tag("result", "hit").register(registry).increment();
        return dir;
      }
      Counter.builder(METRIC).tag("result", "miss").register(registry).increment();
      StorageClient.Manifest manifest = storage.manifest(teamId, versionId);
      try {
        return fetcher.fetch(teamCache, versionId, files(manifest)).dir();
      } catch (IOException e) {
        throw new UncheckedIOException("could not fetch dataset version " + manifest.ref() + ": " + e.getMessage(), e);
      }
    } finally {
      lock.unlock();
    }
  }

  static List<DatasetVersionFetcher.File> files(StorageClient.Manifest manifest) {
    return manifest.files().stream()
        .map(f -> new DatasetVersionFetcher.File(f.path(), f.size(), f.sha256(), URI.create(f.url()))).toList();
  }
}
