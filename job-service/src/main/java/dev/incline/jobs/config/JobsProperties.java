package dev.incline.jobs.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Job service configuration.
 *
 * @param defaultImage image of a job that names none
 * @param defaultMachineType machine type of a job that names none
 * @param maxRuntime the longest {@code maxRuntimeSeconds} a job may ask for, and the default
 * @param defaultMaxRuntime {@code maxRuntimeSeconds} of a job that sets none
 * @param maxRetries the most retries a job may ask for
 * @param replicaId this replica's name in job leases; stable across restarts so that a restarted
 *     replica takes its jobs back at once instead of waiting for its old leases to expire
 * @param leaseDuration how long a replica owns a job without renewing
 * @param reconcileInterval how often every active job is compared with the runtime
 * @param stopGrace time between SIGTERM and SIGKILL when a job is stopped
 * @param workspace workspace upload limits
 * @param logs log and metric pipeline tuning
 * @param streams server-sent event streams
 * @param artifactLinkTtl lifetime of presigned artifact download links
 * @param agentUrl where agents inside workloads reach this service (the kubernetes runtime's artifacts
 *     sidecar), e.g. {@code http://incline-job-service.incline.svc:8081}; unset: no sidecar
 * @param storageUrl storage-service base URL: datasets, secrets and outputs of jobs
 * @param datasetCache where local runtimes keep dataset versions, one read-only directory per
 *     version and team, shared by every job that reads it
 */
@ConfigurationProperties("incline.jobs")
public record JobsProperties(
    @DefaultValue("python:3.11") String defaultImage,
    @DefaultValue("C3") String defaultMachineType,
    @DefaultValue("30d") Duration maxRuntime,
    @DefaultValue("1d") Duration defaultMaxRuntime,
    @DefaultValue("10") int maxRetries,
    @DefaultValue("job-service") String replicaId,
    @DefaultValue("30s") Duration leaseDuration,
    @DefaultValue("500ms") Duration reconcileInterval,
    @DefaultValue("10s") Duration stopGrace,
    @DefaultValue Workspace workspace,
    @DefaultValue Logs logs,
    @DefaultValue Streams streams,
    @DefaultValue("15m") Duration artifactLinkTtl,
    URI agentUrl,
    @DefaultValue("http://127.0.0.1:8082") URI storageUrl,
    Path datasetCache) {

  // Default in code: Spring does not resolve ${user.home} inside @DefaultValue.
  public JobsProperties {
    datasetCache = datasetCache != null ? datasetCache : Path.of(System.getProperty("user.home"), ".incline", "datasets");
  }

  /**
   * @param maxArchiveSize largest upload accepted
   * @param maxUnpackedSize largest size an archive may unpack to (compression bombs stop here)
   * @param maxEntries most files and folders in one archive
   */
  public record Workspace(
      @DefaultValue("512MB") DataSize maxArchiveSize,
      @DefaultValue("2GB") DataSize maxUnpackedSize,
      @DefaultValue("100000") int maxEntries) {}

  /**
   * @param flushInterval longest a read line waits before it is stored and published
   * @param batchSize lines stored in one batch at most
   */
  public record Logs(
      @DefaultValue("25ms") Duration flushInterval,
      @DefaultValue("20000") int batchSize) {}

  /**
   * @param heartbeat interval of SSE comment heartbeats that keep proxies from closing idle streams
   * @param poll how often a stream checks storage for what another replica wrote
   * @param timeout longest life of one SSE connection; clients resume with Last-Event-ID
   */
  public record Streams(
      @DefaultValue("15s") Duration heartbeat,
      @DefaultValue("1s") Duration poll,
      @DefaultValue("1h") Duration timeout) {}
}
