package dev.incline.compute.process;

import dev.incline.platform.archive.SafeArchive;
import java.nio.file.Path;

/**
 * @param workRoot one directory per workload under {@code <team>/<kind>/<id>}
 * @param storageRoot team persistent storage, {@code <storageRoot>/<team>}
 * @param path the PATH workloads run with; the platform's own environment is not passed on
 * @param archiveLimits bounds for workspace archives
 */
public record ProcessRuntimeSettings(Path workRoot, Path storageRoot, String path, SafeArchive.Limits archiveLimits) {}
