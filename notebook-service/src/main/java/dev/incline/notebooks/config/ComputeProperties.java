package dev.incline.notebooks.config;

import java.net.URI;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which engine runs notebooks; the same keys as job-service's, so one installation names its engine once.
 *
 * @param runtime {@code process}, {@code docker} or {@code kubernetes}
 * @param workRoot where local runtimes keep one directory per run of a notebook
 * @param storageRoot team persistent storage for local runtimes
 * @param processPath PATH of process-runtime notebooks (where {@code jupyter-notebook} or {@code jupyter-lab} is looked up)
 * @param dockerHost Docker engine address
 */
@ConfigurationProperties("incline.compute")
public record ComputeProperties(
    @DefaultValue("process") String runtime,
    Path workRoot,
    Path storageRoot,
    @DefaultValue("/usr/local/bin:/usr/bin:/bin") String processPath,
    @DefaultValue("unix:///var/run/docker.sock") URI dockerHost) {

  public ComputeProperties {
    Path home = Path.of(System.getProperty("user.home"), ".incline");
    workRoot = workRoot != null ? workRoot : home.resolve("runs");
    storageRoot = storageRoot != null ? storageRoot : home.resolve("storage");
  }
}
