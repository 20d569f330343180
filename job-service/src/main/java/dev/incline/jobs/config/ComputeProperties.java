package dev.incline.jobs.config;

import java.net.URI;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which engine runs workloads.
 *
 * @param runtime {@code process} (local child processes) or {@code docker}
 * @param workRoot where local runtimes keep one directory per workload
 * @param storageRoot team persistent storage for local runtimes
 * @param processPath PATH of process-runtime workloads; the service's own environment is not passed on
 * @param dockerHost Docker engine address
 */
@ConfigurationProperties("incline.compute")
public record ComputeProperties(
    @DefaultValue("process") String runtime,
    Path workRoot,
    Path storageRoot,
    @DefaultValue("/usr/local/bin:/usr/bin:/bin") String processPath,
    @DefaultValue("unix:///var/run/docker.sock") URI dockerHost) {

  // Defaults in code: Spring does not resolve ${user.home} inside @DefaultValue.
  public ComputeProperties {
    Path home = Path.of(System.getProperty("user.home"), ".incline");
    workRoot = workRoot != null ? workRoot : home.resolve("runs");
    storageRoot = storageRoot != null ? storageRoot : home.resolve("storage");
  }
}
