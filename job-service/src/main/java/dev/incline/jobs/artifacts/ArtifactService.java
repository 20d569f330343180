package dev.incline.jobs.artifacts;

import dev.incline.platform.s3.BucketLayout;
import dev.incline.compute.ArtifactFile;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.jobs.config.JobsProperties;
import dev.incline.jobs.job.Job;
import dev.incline.jobs.job.JobService;
import dev.incline.jobs.logs.LogRecord;
import dev.incline.jobs.logs.LogStore;
import dev.incline.platform.s3.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * A finished attempt's artifacts and full log, copied to the installation bucket under
 * {@code teams/<team>/jobs/<job>/}. Copying is idempotent (same keys, same rows), so a reconciler
 * that dies halfway simply copies again.
 */
@Service
public class ArtifactService {

  public record Artifact(String path, long size) {}

  private final ObjectStore store;
  private final WorkloadRuntime runtime;
  private final LogStore logs;
  private final JdbcClient jdbc;
  private final JobsProperties properties;

  ArtifactService(ObjectStore store, WorkloadRuntime runtime, LogStore logs, JdbcClient jdbc, JobsProperties properties) {
    this.store = store;
    this.runtime = runtime;
    this.logs = logs;
    this.jdbc = jdbc;
    this.properties = properties;
  }

  static String prefix(Job job) {
    return BucketLayout.job(job.getTeamId(), JobService.publicId(job.getId()));
  }

  /**
   * Uploads what the workload left in its artifacts directory, and the job's log so far. Runtimes
   * whose agent uploads artifacts itself (kubernetes) hold none here; the rows {@link #recordUpload}
   * wrote are their listing, and this never deletes a row. A file both sent by an agent and still in
   * the directory has one key, so the copy here is its final version.
   */
  public void collect(Job job, WorkloadRef ref) {
    for (ArtifactFile file : runtime.artifacts(ref)) {
      String key = artifactKey(job, file.path());
      try (InputStream in = file.open()) {
        store.put(key, in, file.size(), "application/octet-stream");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      upsert(job, file.path(), file.size(), key);
    }
    uploadLog(job);
  }

  /** Where one artifact lives: {@code teams/<team>/jobs/<job>/artifacts/<path>}. */
  static String artifactKey(Job job, String path) {
    return prefix(job) + "artifacts/" + path;
  }

  /** A presigned PUT for an artifact an agent is about to send, and its key. */
  public record Upload(URL url, String key) {}

  /**
   * Records an artifact that an agent uploads straight to S3 and answers where to PUT it. The row is
   * written first, so that the listing shows every file the agent announced; {@code path} is already
   * validated and normalized.
   */
  public Upload recordUpload(Job job, String path, long size, Duration ttl) {
    String key = artifactKey(job, path);
    upsert(job, path, size, key);
    return new Upload(store.presignPut(key, ttl), key);
  }

  private void upsert(Job job, String path, long size, String key) {
    jdbc.sql("""
            INSERT INTO artifact (job_id, path, size_bytes, object_key) VALUES (?, ?, ?, ?)
            ON CONFLICT (job_id, path) DO UPDATE SET size_bytes = EXCLUDED.size_bytes, object_key = EXCLUDED.object_key""")
        .params(job.getId(), path, size, key).update();
  }

  private void uploadLog(Job job) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile("incline-log-", ".txt");
      long after = 0;
      try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        List<LogRecord> page;
        do {
          page = logs.logsAfter(job.getId(), after, 10_000);
          for (LogRecord l : page) {
            out.write(l.line());
            out.write('\n');
            after = l.seq();
          }
        } while (page.size() == 10_000);
      }
      store.put(prefix(job) + "logs/job.log", tmp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (tmp != null) {
        tmp.toFile().delete();
      }
    }
  }

  public List<Artifact> list(UUID jobId) {
    return jdbc.sql("SELECT path, size_bytes FROM artifact WHERE job_id = ? ORDER BY path")
        .param(jobId).query((rs, n) -> new Artifact(rs.getString(1), rs.getLong(2))).list();
  }

  public Optional<String> key(UUID jobId, String path) {
    return jdbc.sql("SELECT object_key FROM artifact WHERE job_id = ? AND path = ?")
        .params(jobId, path).query(String.class).optional();
  }

  public URL link(String key, String path) {
    return store.presignGet(key, properties.artifactLinkTtl(), path.substring(path.lastIndexOf('/') + 1));
  }

  public InputStream open(String key) {
    return store.open(key);
  }

  /** Removes a deleted job's objects, rows and workloads. */
  public void deleteAll(Job job) {
    store.deletePrefix(prefix(job));
    jdbc.sql("DELETE FROM artifact WHERE job_id = ?").param(job.getId()).update();
  }
}
