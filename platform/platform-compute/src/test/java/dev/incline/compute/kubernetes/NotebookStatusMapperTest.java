package dev.incline.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadStatus;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A notebook Pod's states to phases and reasons, on objects alone. */
class NotebookStatusMapperTest {

  private static final String T0 = "2026-11-21T09:00:00Z";
  private static final String T1 = "2026-11-21T09:05:00Z";

  private static PodBuilder pod() {
    return new PodBuilder(NotebookManifest.pod(NotebookManifestTest.SETTINGS,
        NotebookManifestTest.spec(KubernetesManifestsTest.C5)));
  }

  private static ContainerStatusBuilder main() {
    return new ContainerStatusBuilder().withName("main").withImage("jupyter").withRestartCount(0);
  }

  private static ContainerStatus running() {
    return main().withReady(true)
        .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(T0).endRunning().build()).build();
  }

  private static ContainerStatus terminated(int exit, String reason) {
    return main().withState(new ContainerStateBuilder().withNewTerminated().withExitCode(exit).withReason(reason)
        .withStartedAt(T0).withFinishedAt(T1).endTerminated().build()).build();
  }

  private static ContainerStatus backingOff(int exit, String reason, int restarts) {
    return main().withRestartCount(restarts)
        .withState(new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().build())
        .withLastState(new ContainerStateBuilder().withNewTerminated().withExitCode(exit).withReason(reason)
            .withStartedAt(T0).withFinishedAt(T1).endTerminated().build())
        .build();
  }

  private static WorkloadStatus status(PodBuilder pod) {
    return NotebookStatusMapper.status(pod.build());
  }

  private static WorkloadStatus withMain(String podPhase, ContainerStatus main) {
    return status(pod().withNewStatus().withPhase(podPhase).withContainerStatuses(main).endStatus());
  }

  @Test
  void noPodIsNotFound() {
    assertThat(NotebookStatusMapper.status(null)).isEqualTo(WorkloadStatus.notFound());
  }

  @Test
  void aRunningContainerIsRunningWithAnEndpointPerPort() {
    WorkloadStatus status = withMain("Running", running());
    assertThat(status.phase()).isEqualTo(Phase.RUNNING);
    assertThat(status.startedAt()).hasToString(T0);
    assertThat(status.reason()).isNull();
    assertThat(status.endpoints())
        .containsExactlyEntriesOf(Map.of(8888, URI.create("http://notebook-nb-01xyz.incline-team-01abc.svc:8888")));
  }

  @Test
  void withAReadinessProbeItIsRunningOnlyOnceReady() {
    PodBuilder probed = pod();
    probed.editSpec().editMatchingContainer(c -> c.getName().equals("main"))
        .withNewReadinessProbe().withNewTcpSocket().withNewPort(8888).endTcpSocket().endReadinessProbe()
        .endContainer().endSpec();
    ContainerStatus notReady = new ContainerStatusBuilder(running()).withReady(false).build();
    WorkloadStatus waiting = status(new PodBuilder(probed.build()).withNewStatus().withPhase("Running")
        .withContainerStatuses(notReady).endStatus());
    assertThat(waiting.phase()).isEqualTo(Phase.PENDING);
    assertThat(waiting.reason()).isEqualTo(NotebookStatusMapper.NOT_READY);
    assertThat(status(new PodBuilder(probed.build()).withNewStatus().withPhase("Running")
        .withContainerStatuses(running()).endStatus()).phase()).isEqualTo(Phase.RUNNING);
  }

  @Test
  void waitingPodsSayWhyAsForJobs() {
    assertThat(status(pod()).reason()).isEqualTo("starting");
    WorkloadStatus unschedulable = status(pod().withNewStatus().withPhase("Pending").withConditions(new PodConditionBuilder()
        .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
        .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.").build()).endStatus());
    assertThat(unschedulable.phase()).isEqualTo(Phase.PENDING);
    assertThat(unschedulable.reason()).isEqualTo("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
    WorkloadStatus pull = withMain("Pending", main().withState(new ContainerStateBuilder().withNewWaiting()
        .withReason("ImagePullBackOff").withMessage("Back-off pulling image \"jupyter\"").endWaiting().build()).build());
    assertThat(pull.phase()).isEqualTo(Phase.PENDING);
    assertThat(pull.reason()).isEqualTo("image jupyter cannot be pulled: Back-off pulling image \"jupyter\"");
    WorkloadStatus fetching = status(pod().withNewStatus().withPhase("Pending").withInitContainerStatuses(
        new ContainerStatusBuilder().withName("workspace").withState(new ContainerStateBuilder().withNewTerminated()
            .withExitCode(0).endTerminated().build()).build(),
        new ContainerStatusBuilder().withName("datasets").withState(new ContainerStateBuilder().withNewRunning()
            .withStartedAt(T0).endRunning().build()).build()).endStatus());
    assertThat(fetching.reason()).isEqualTo("fetching the datasets");
  }

  @Test
  void aCrashIsAFailureWithTheExitCodeAndTheBackOff() {
    WorkloadStatus crashed = withMain("Running", terminated(1, "Error"));
    assertThat(crashed.phase()).isEqualTo(Phase.FAILED);
    assertThat(crashed.exitCode()).isEqualTo(1);
    assertThat(crashed.reason()).isEqualTo("exited with code 1");
    assertThat(crashed.finishedAt()).hasToString(T1);

    WorkloadStatus looping = withMain("Running", backingOff(137, "OOMKilled", 3));
    assertThat(looping.phase()).isEqualTo(Phase.FAILED);
    assertThat(looping.exitCode()).isEqualTo(137);
    assertThat(looping.reason()).isEqualTo("out of memory (OOMKilled); CrashLoopBackOff, restarted 3 times");
    assertThat(withMain("Running", backingOff(127, "Error", 1)).reason())
        .isEqualTo("exited with code 127 (command not found); CrashLoopBackOff, restarted once");
  }

  @Test
  void aServerThatShutDownByItselfSucceededAndComesBackWhenRestarted() {
    WorkloadStatus quit = withMain("Running", backingOff(0, "Completed", 1));
    assertThat(quit.phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(quit.exitCode()).isZero();
    // restartPolicy Always: the kubelet starts it again, and so does the phase
    ContainerStatus restarted = new ContainerStatusBuilder(running()).withRestartCount(1)
        .withLastState(backingOff(0, "Completed", 1).getLastState()).build();
    assertThat(withMain("Running", restarted).phase()).isEqualTo(Phase.RUNNING);
  }

  @Test
  void aFailedFetchFailsTheNotebook() {
    WorkloadStatus status = status(pod().withNewStatus().withPhase("Pending").withInitContainerStatuses(
        new ContainerStatusBuilder().withName("workspace").withState(new ContainerStateBuilder().withNewTerminated()
            .withExitCode(0).endTerminated().build()).build(),
        new ContainerStatusBuilder().withName("datasets").withRestartCount(2)
            .withState(new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().build())
            .withLastState(new ContainerStateBuilder().withNewTerminated().withExitCode(1).endTerminated().build())
            .build()).endStatus());
    assertThat(status.phase()).isEqualTo(Phase.FAILED);
    assertThat(status.reason()).isEqualTo("fetching the datasets failed (exited with code 1)");
  }

  @Test
  void theDeadlineAndEvictionsFailThePod() {
    WorkloadStatus deadline = status(pod().withNewStatus().withPhase("Failed").withReason("DeadlineExceeded")
        .withMessage("Pod was active on the node longer than the specified deadline")
        .withContainerStatuses(terminated(143, "Error")).endStatus());
    assertThat(deadline.phase()).isEqualTo(Phase.FAILED);
    assertThat(deadline.reason()).isEqualTo("exceeded maxRuntimeSeconds");
    assertThat(deadline.exitCode()).isEqualTo(143);
    WorkloadStatus evicted = status(pod().withNewStatus().withPhase("Failed").withReason("Evicted")
        .withMessage("The node was low on resource: memory.").endStatus());
    assertThat(evicted.reason()).isEqualTo("Evicted: The node was low on resource: memory.");
  }

  @Test
  void aPodStoppedOnRequestHasSucceededWhileItTerminates() {
    PodBuilder stopping = pod();
    stopping.editMetadata().withDeletionTimestamp(T1)
        .addToAnnotations(KubernetesResources.ANNOTATION_STOP_REQUESTED, T0).endMetadata()
        .withNewStatus().withPhase("Running").withContainerStatuses(running()).endStatus();
    WorkloadStatus status = status(stopping);
    assertThat(status.phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(status.reason()).isEqualTo("stopped on request");
    assertThat(status.endpoints()).isEmpty();
    // SIGTERM ended it within the grace period: still a stop, not a crash
    PodBuilder ended = new PodBuilder(stopping.build());
    ended.withNewStatus().withPhase("Running").withContainerStatuses(terminated(143, "Error")).endStatus();
    assertThat(status(ended).phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(status(ended).exitCode()).isEqualTo(143);
  }

  @Test
  void aPodDeletedByOthersIsAFailureThatSaysSo() {
    PodBuilder drained = pod();
    drained.editMetadata().withDeletionTimestamp(T1).endMetadata().withNewStatus().withPhase("Running")
        .withContainerStatuses(running()).withConditions(new PodConditionBuilder().withType("DisruptionTarget")
            .withStatus("True").withReason("EvictionByEvictionAPI").withMessage("Eviction API: evicting").build())
        .endStatus();
    WorkloadStatus status = status(drained);
    assertThat(status.phase()).isEqualTo(Phase.FAILED);
    assertThat(status.reason()).isEqualTo("the notebook's pod was deleted: Eviction API: evicting");
    PodBuilder byHand = pod();
    byHand.editMetadata().withDeletionTimestamp(T1).endMetadata();
    assertThat(status(byHand).reason()).isEqualTo("the notebook's pod was deleted, not by a stop");
  }
}
