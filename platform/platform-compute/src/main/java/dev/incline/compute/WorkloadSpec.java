package dev.incline.compute;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a runtime needs to start a workload. Built by services from their records; pure data.
 *
 * @param ref which workload
 * @param projectId the project it belongs to (a label, and {@code INCLINE_PROJECT_ID})
 * @param image container image (ignored by the process runtime)
 * @param command argv; services pass {@code ["/bin/sh", "-c", "<user command>"]}
 * @param env environment variables
 * @param secretEnv secret environment variables: passed to the workload, never logged or labelled
 * @param resources what the machine type grants
 * @param ports container ports to expose
 * @param labels extra labels
 * @param workspace where the code comes from, or null for none
 * @param maxRuntime how long it may run before the engine ends it, or null for no engine-side limit
 *     (services enforce their own limit as well; this lets the engine end it without them)
 * @param datasets dataset versions the workload reads, each at {@code /datasets/<mountAs>}, read-only
 * @param outputs workspace directories that become dataset versions when the workload succeeds; local
 *     runtimes leave them in the workspace for the service, on Kubernetes the agent uploads them
 */
public record WorkloadSpec(
    WorkloadRef ref,
    String projectId,
    String image,
    List<String> command,
    Map<String, String> env,
    Map<String, String> secretEnv,
    Resources resources,
    List<Integer> ports,
    Map<String, String> labels,
    Workspace workspace,
    Duration maxRuntime,
    List<DatasetMount> datasets,
    List<DatasetOutput> outputs) {

  public WorkloadSpec(WorkloadRef ref, String projectId, String image, List<String> command, Map<String, String> env,
      Map<String, String> secretEnv, Resources resources, List<Integer> ports, Map<String, String> labels,
      Workspace workspace, Duration maxRuntime) {
    this(ref, projectId, image, command, env, secretEnv, resources, ports, labels, workspace, maxRuntime, List.of(), List.of());
  }

  public WorkloadSpec(WorkloadRef ref, String projectId, String image, List<String> command, Map<String, String> env,
      Map<String, String> secretEnv, Resources resources, List<Integer> ports, Map<String, String> labels,
      Workspace workspace) {
    this(ref, projectId, image, command, env, secretEnv, resources, ports, labels, workspace, null);
  }

  public WorkloadSpec {
    Objects.requireNonNull(ref, "ref");
    command = List.copyOf(command);
    env = Map.copyOf(env);
    secretEnv = Map.copyOf(secretEnv);
    ports = List.copyOf(ports);
    labels = Map.copyOf(labels);
    datasets = datasets == null ? List.of() : List.copyOf(datasets);
    outputs = outputs == null ? List.of() : List.copyOf(outputs);
    if (command.isEmpty()) {
      throw new IllegalArgumentException("a workload needs a command");
    }
    if (maxRuntime != null && (maxRuntime.isNegative() || maxRuntime.isZero())) {
      throw new IllegalArgumentException("maxRuntime must be positive: " + maxRuntime);
    }
  }

  /** What the machine type grants: cpu cores, memory, GPUs and where they are. */
  public record Resources(String machineType, double cpu, long memoryBytes, int gpuCount, String gpuModel,
      Map<String, String> nodeSelector) {
    public static Resources none() {
      return new Resources("none", 0, 0, 0, null, Map.of());
    }
  }

  /** The workload's code. */
  public sealed interface Workspace {
    /** A zip or tar.gz archive at a (presigned) URL, unpacked into the workspace directory. */
    record Archive(URI url, String fileName) implements Workspace {}

    /** A git repository at a ref. */
    record Git(String url, String ref) implements Workspace {}
  }

  /** The same workload, reading these dataset versions. */
  public WorkloadSpec withDatasets(List<DatasetMount> mounts) {
    return new WorkloadSpec(ref, projectId, image, command, env, secretEnv, resources, ports, labels, workspace, maxRuntime,
        mounts, outputs);
  }

  /** The same workload, leaving these directories as new dataset versions. */
  public WorkloadSpec withOutputs(List<DatasetOutput> dirs) {
    return new WorkloadSpec(ref, projectId, image, command, env, secretEnv, resources, ports, labels, workspace, maxRuntime,
        datasets, dirs);
  }

  /** A directory of the workspace ({@code from}, relative, normalised) that becomes a version of {@code dataset}. */
  public record DatasetOutput(String dataset, String from) {
    public DatasetOutput {
      if (dataset == null || !dataset.matches("[a-z0-9][a-z0-9._-]{0,62}")) {
        throw new IllegalArgumentException("not a dataset name: " + dataset);
      }
      if (from == null || from.isBlank() || from.startsWith("/") || List.of(from.split("/")).contains("..")) {
        throw new IllegalArgumentException("not a directory inside the workspace: " + from);
      }
    }
  }

  /**
   * A dataset version shown to the workload read-only at {@code /datasets/<mountAs>}. Local runtimes
   * get it already on the machine ({@code hostPath}); on Kubernetes {@code hostPath} is null and the
   * agent fetches the version into the team's volume before the workload starts.
   */
  public record DatasetMount(String mountAs, String versionId, java.nio.file.Path hostPath) {
    public DatasetMount {
      if (mountAs == null || !mountAs.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
        throw new IllegalArgumentException("mountAs must be a plain directory name: " + mountAs);
      }
      if (versionId == null || !versionId.matches("[A-Za-z0-9_-]{1,100}")) {
        throw new IllegalArgumentException("not a version id: " + versionId);
      }
    }
  }

  public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
}
