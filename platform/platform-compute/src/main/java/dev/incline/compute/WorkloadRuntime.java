package dev.incline.compute;

import java.time.Duration;
import java.util.List;

/**
 * Runs workloads (jobs, notebooks, deployments) on an engine: local processes, a Docker host or a
 * Kubernetes cluster. Services own the records and call this SPI from level-triggered reconcilers,
 * so every method may be called again for the same workload and must converge, not duplicate.
 * Every method takes the team first (inside {@link WorkloadRef}): a runtime never touches a
 * workload of another team than the one it was asked about.
 */
public interface WorkloadRuntime {

  /** Short name used in configuration and logs: {@code process}, {@code docker}, {@code kubernetes}. */
  String name();

  /** Creates the workload, or does nothing when it already exists. */
  ApplyResult apply(WorkloadSpec spec);

  /** What the engine says about the workload now; {@link Phase#NOT_FOUND} when it has no trace of it. */
  WorkloadStatus observe(WorkloadRef ref);

  /**
   * Follows the workload's output from a position returned with an earlier {@link LogLine} (or from
   * the start when {@code since} is null) until the workload ends and all its output has been read.
   */
  LogStream logs(WorkloadRef ref, String since);

  /** Asks the workload to stop (SIGTERM), and kills it after {@code grace}. Idempotent. */
  void stop(WorkloadRef ref, Duration grace);

  /** Removes the workload and what the engine keeps of it (files, containers). Idempotent. */
  void delete(WorkloadRef ref);

  /** Files the workload left under its artifacts directory; empty when it has none. */
  List<ArtifactFile> artifacts(WorkloadRef ref);

  /**
   * Regular files under a directory of the workload's workspace ({@code dir} relative to it, already
   * normalised), for turning a job's output into a dataset version; empty when the directory does not
   * exist. Runtimes whose workspace is not on this machine (kubernetes) throw
   * {@link UnsupportedOperationException}.
   */
  default List<ArtifactFile> workspaceFiles(WorkloadRef ref, String dir) {
    throw new UnsupportedOperationException("the " + name() + " runtime cannot read a workload's workspace");
  }

  /** Every workload this runtime manages, of all teams: what a reconciler re-adopts after a restart. */
  List<WorkloadRef> list();

  enum ApplyResult {
    CREATED,
    UNCHANGED
  }
}
