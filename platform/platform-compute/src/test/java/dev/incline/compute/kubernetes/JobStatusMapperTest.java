package dev.incline.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadStatus;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Job and pod states to phases and reasons, on objects alone. */
class JobStatusMapperTest {

  private static Job job(boolean suspended, String condition, String reason, Map<String, String> annotations) {
    JobBuilder b = new JobBuilder(JobManifest.job(KubernetesManifestsTest.SETTINGS,
        KubernetesManifestsTest.spec(KubernetesManifestsTest.C5)));
    b.editMetadata().withAnnotations(annotations).endMetadata().editSpec().withSuspend(suspended).endSpec();
    if (condition != null) {
      b.withNewStatus().withConditions(new JobConditionBuilder().withType(condition).withStatus("True")
          .withReason(reason).withLastTransitionTime("2026-11-21T09:00:00Z").build()).endStatus();
    }
    return b.build();
  }

  private static Pod pod(String workspaceState, Integer workspaceExit) {
    var state = new ContainerStateBuilder();
    if ("running".equals(workspaceState)) {
      state.withNewRunning().withStartedAt("2026-11-21T09:00:00Z").endRunning();
    } else {
      state.withNewTerminated().withExitCode(workspaceExit).endTerminated();
    }
    return new PodBuilder().withNewMetadata().withName("p").withCreationTimestamp("2026-11-21T09:00:00Z").endMetadata()
        .withNewStatus().withPhase("Pending").withInitContainerStatuses(new ContainerStatusBuilder()
            .withName("workspace").withState(state.build()).build()).endStatus()
        .build();
  }

  @Test
  void noJobIsNotFound() {
    assertThat(JobStatusMapper.status(null, List.of(), false).phase()).isEqualTo(Phase.NOT_FOUND);
  }

  @Test
  void fetchingTheWorkspaceIsPendingAndItsFailureFailsTheJob() {
    assertThat(JobStatusMapper.status(job(false, null, null, Map.of()), List.of(pod("running", null)), false).reason())
        .isEqualTo("fetching the workspace");
    WorkloadStatus failed = JobStatusMapper.status(job(false, null, null, Map.of()), List.of(pod("terminated", 2)), false);
    assertThat(failed.phase()).isEqualTo(Phase.FAILED);
    assertThat(failed.reason()).isEqualTo("fetching the workspace failed (exited with code 2)");
  }

  @Test
  void theJobsConditionsDecideWhenThePodIsGone() {
    assertThat(JobStatusMapper.status(job(false, "Complete", null, Map.of()), List.of(), false).phase())
        .isEqualTo(Phase.SUCCEEDED);
    WorkloadStatus deadline = JobStatusMapper.status(job(false, "Failed", "DeadlineExceeded", Map.of()), List.of(), false);
    assertThat(deadline.reason()).isEqualTo("exceeded maxRuntimeSeconds");
    assertThat(deadline.finishedAt()).isNotNull();
    WorkloadStatus stopped = JobStatusMapper.status(job(false, "Failed", "BackoffLimitExceeded",
        Map.of(KubernetesResources.ANNOTATION_STOP_REQUESTED, "now")), List.of(), false);
    assertThat(stopped.reason()).isEqualTo("stopped on request");
  }

  @Test
  void suspendedJobsWaitForKueueUnlessStopped() {
    assertThat(JobStatusMapper.status(job(true, null, null, Map.of()), List.of(), true).reason())
        .isEqualTo("waiting for Kueue admission");
    WorkloadStatus stopped = JobStatusMapper.status(job(true, null, null,
        Map.of(KubernetesResources.ANNOTATION_STOP_REQUESTED, "now")), List.of(), true);
    assertThat(stopped.phase()).isEqualTo(Phase.FAILED);
    assertThat(stopped.reason()).isEqualTo("stopped before it started");
  }

  @Test
  void anEvictedPodSaysWhy() {
    Pod evicted = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewStatus().withPhase("Failed")
        .withReason("Evicted").withMessage("The node was low on resource: memory.").endStatus().build();
    WorkloadStatus status = JobStatusMapper.status(job(false, "Failed", "BackoffLimitExceeded", Map.of()), List.of(evicted),
        false);
    assertThat(status.phase()).isEqualTo(Phase.FAILED);
    assertThat(status.reason()).isEqualTo("Evicted: The node was low on resource: memory.");
    assertThat(JobStatusMapper.status(job(false, null, null, Map.of()), List.of(evicted), false).reason())
        .isEqualTo("Evicted: The node was low on resource: memory.");
  }
}
