package dev.incline.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import dev.incline.jobs.machine.MachineType;
import dev.incline.platform.id.PublicId;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobSpecsTest {

  private final Job job = new Job(PublicId.newUuid(), "team_a", PublicId.newUuid(), "train", "python:3.11",
      "python train.py --epochs 3", "A100", "{}", "[]", 3600, 2, "process", "usr_a", Instant.EPOCH);
  private final MachineType a100 = new MachineType("A100", 12, 90, new MachineType.Gpu(1, "A100-SXM4-40GB"),
      Map.of("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"));

  @Test
  void buildsTheWorkloadOfAJob() {
    var workspace = new WorkloadSpec.Workspace.Archive(URI.create("http://s3/ws.zip"), "ws.zip");
    WorkloadSpec spec = JobSpecs.workload(job, Map.of("LR", "0.01"), List.of(6006), a100, workspace);
    String jobId = PublicId.encode("job", job.getId());
    assertThat(spec.ref()).isEqualTo(new WorkloadRef("team_a", WorkloadRef.Kind.JOB, jobId));
    assertThat(spec.command()).containsExactly("/bin/sh", "-c", "python train.py --epochs 3");
    assertThat(spec.image()).isEqualTo("python:3.11");
    assertThat(spec.env()).containsEntry("LR", "0.01").containsEntry("INCLINE_JOB_ID", jobId).containsEntry("INCLINE_JOB_ATTEMPT", "0");
    assertThat(spec.resources().cpu()).isEqualTo(12);
    assertThat(spec.resources().memoryBytes()).isEqualTo(90L << 30);
    assertThat(spec.resources().gpuCount()).isEqualTo(1);
    assertThat(spec.resources().nodeSelector()).containsEntry("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB");
    assertThat(spec.ports()).containsExactly(6006);
    assertThat(spec.projectId()).startsWith("prj_");
    assertThat(spec.labels()).containsEntry("incline.dev/job", jobId);
    assertThat(spec.workspace()).isEqualTo(workspace);
  }

  @Test
  void secretsGoToSecretEnvOnly() {
    WorkloadSpec spec = JobSpecs.workload(job, Map.of(), List.of(), a100, null, Map.of("INCLINE_AGENT_TOKEN", "t0ken"));
    assertThat(spec.secretEnv()).containsExactly(Map.entry("INCLINE_AGENT_TOKEN", "t0ken"));
    assertThat(spec.env()).doesNotContainKey("INCLINE_AGENT_TOKEN");
    assertThat(JobSpecs.workload(job, Map.of(), List.of(), a100, null).secretEnv()).isEmpty();
  }

  @Test
  void retriesGetTheirOwnWorkloadButKeepTheJobId() {
    job.retry(Instant.EPOCH);
    WorkloadSpec spec = JobSpecs.workload(job, Map.of(), List.of(), a100, null);
    String jobId = PublicId.encode("job", job.getId());
    assertThat(spec.ref().id()).isEqualTo(jobId + "-1");
    assertThat(spec.env()).containsEntry("INCLINE_JOB_ID", jobId).containsEntry("INCLINE_JOB_ATTEMPT", "1");
    assertThat(job.getStatus()).isEqualTo(JobStatus.PENDING);
  }

  @Test
  void statusTransitionsRecordTimesOnce() {
    assertThat(job.transition(JobStatus.RUNNING, null, Instant.ofEpochSecond(10))).isTrue();
    assertThat(job.transition(JobStatus.RUNNING, null, Instant.ofEpochSecond(20))).isFalse();
    assertThat(job.getStartedAt()).isEqualTo(Instant.ofEpochSecond(10));
    assertThat(job.transition(JobStatus.SUCCEEDED, null, Instant.ofEpochSecond(30))).isTrue();
    assertThat(job.getFinishedAt()).isEqualTo(Instant.ofEpochSecond(30));
    assertThat(JobStatus.SUCCEEDED.terminal()).isTrue();
    assertThat(JobStatus.PROVISIONING.terminal()).isFalse();
  }

  @Test
  void defaultNamesComeFromTheProgram() {
    assertThat(JobService.defaultName("python3 train.py --epochs 3")).isEqualTo("python3");
    assertThat(JobService.defaultName("  /usr/bin/env   x")).isEqualTo("env");
    assertThat(JobService.defaultName("$(weird)")).isEqualTo("weird");
    assertThat(JobService.defaultName("!!!")).isEqualTo("job");
  }

  @Test
  void theEngineDeadlineIsABackstopAfterTheServicesOwn() {
    WorkloadSpec spec = JobSpecs.workload(job, Map.of(), List.of(), a100, null);
    assertThat(spec.maxRuntime()).isEqualTo(java.time.Duration.ofSeconds(job.getMaxRuntimeSeconds()).plusMinutes(5));
  }
}
