package dev.incline.compute.docker;

import dev.incline.platform.archive.SafeArchive;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * @param dockerHost the engine's API address: {@code unix:///var/run/docker.sock} or {@code tcp://host:2375}
 * @param workRoot one directory per workload under {@code <team>/<kind>/<id>}, bind-mounted into its
 *     container; it must be a path on the Docker host, so the control plane runs on that host
 * @param storageRoot team persistent storage, {@code <storageRoot>/<team>}, mounted at {@code /storage}
 * @param archiveLimits bounds for workspace archives
 */
public record DockerRuntimeSettings(URI dockerHost, Path workRoot, Path storageRoot, SafeArchive.Limits archiveLimits) {

  public static final URI DEFAULT_HOST = URI.create("unix:///var/run/docker.sock");

  public DockerRuntimeSettings {
    dockerHost = dockerHost == null ? DEFAULT_HOST : dockerHost;
    Objects.requireNonNull(workRoot, "workRoot");
    Objects.requireNonNull(storageRoot, "storageRoot");
    // Bind mounts are resolved by the engine, not relative to this JVM's working directory.
    workRoot = workRoot.toAbsolutePath().normalize();
    storageRoot = storageRoot.toAbsolutePath().normalize();
    archiveLimits = archiveLimits == null ? SafeArchive.Limits.defaults() : archiveLimits;
  }

  public static DockerRuntimeSettings of(Path workRoot, Path storageRoot) {
    return new DockerRuntimeSettings(DEFAULT_HOST, workRoot, storageRoot, SafeArchive.Limits.defaults());
  }
}
