package dev.incline.jobs.job;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import dev.incline.jobs.machine.MachineType;
import dev.incline.jobs.machine.MachineTypeCatalog;
import dev.incline.platform.id.PublicId;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Pure functions from a job record to what a runtime runs. */
public final class JobSpecs {

  private JobSpecs() {}

  /**
   * The workload of one attempt. Attempts after the first get their own workload id, so that a retry
   * never finds the previous attempt's container or directory and takes it for itself.
   */
  public static WorkloadRef ref(Job job) {
    String id = PublicId.encode(JobView.PREFIX, job.getId());
    return new WorkloadRef(job.getTeamId(), WorkloadRef.Kind.JOB, job.getAttempt() == 0 ? id : id + "-" + job.getAttempt());
  }

  /** Past the service's own deadline, so that it is only a backstop. */
  static final Duration ENGINE_DEADLINE_SLACK = Duration.ofMinutes(5);

  /**
   * The deadline the engine enforces, should this service be down when the job's time is up. The
   * service's own deadline counts from the container's start and stops the job properly; an engine
   * counts from the workload's creation (a Kubernetes Job's start includes scheduling and the image
   * pull), so the engine's is later by a margin and never the one that normally ends a job.
   */
  static Duration engineDeadline(Job job) {
    return Duration.ofSeconds(job.getMaxRuntimeSeconds()).plus(ENGINE_DEADLINE_SLACK);
  }

  public static WorkloadSpec workload(Job job, Map<String, String> env, List<Integer> ports, MachineType machine,
      WorkloadSpec.Workspace workspace) {
    return workload(job, env, ports, machine, workspace, Map.of());
  }

  /** @param secretEnv secret variables (the agent's job token): passed to the workload, never logged */
  public static WorkloadSpec workload(Job job, Map<String, String> env, List<Integer> ports, MachineType machine,
      WorkloadSpec.Workspace workspace, Map<String, String> secretEnv) {
    Map<String, String> allEnv = new java.util.LinkedHashMap<>(env);
    // The id the job sees is the job's, whatever the attempt.
    allEnv.put("INCLINE_JOB_ID", PublicId.encode(JobView.PREFIX, job.getId()));
    allEnv.put("INCLINE_JOB_ATTEMPT", Integer.toString(job.getAttempt()));
    return new WorkloadSpec(
        ref(job),
        PublicId.encode("prj", job.getProjectId()),
        job.getImage(),
        List.of("/bin/sh", "-c", job.getCommand()),
        allEnv,
        secretEnv,
        MachineTypeCatalog.resources(machine),
        ports,
        Map.of("incline.dev/job", PublicId.encode(JobView.PREFIX, job.getId())),
        workspace,
        engineDeadline(job));
  }
}
