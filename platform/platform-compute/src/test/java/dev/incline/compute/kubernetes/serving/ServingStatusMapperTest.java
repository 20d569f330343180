package dev.incline.compute.kubernetes.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a Deployment and its pods say, mapped on objects alone. */
class ServingStatusMapperTest {

  private static Deployment deployment(int revision, int replicas, Integer ready, Integer updated, Long generation,
      Long observed) {
    return new DeploymentBuilder(ServingManifests.deployment(ServingManifestsTest.SETTINGS,
        ServingManifestsTest.model(revision, ServingManifestsTest.C5, 1, 4)))
        .editMetadata().withGeneration(generation).endMetadata()
        .editSpec().withReplicas(replicas).endSpec()
        .withNewStatus().withReplicas(replicas).withReadyReplicas(ready).withUpdatedReplicas(updated)
          .withObservedGeneration(observed).endStatus()
        .build();
  }

  private static PodBuilder pod(String name, int revision, String created) {
    return new PodBuilder().withNewMetadata().withName(name).withCreationTimestamp(created)
        .withAnnotations(Map.of("incline.dev/revision", Integer.toString(revision))).endMetadata();
  }

  private static Pod ready(String name, int revision, String created) {
    return pod(name, revision, created).withNewStatus().withPhase("Running")
        .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
        .withContainerStatuses(main(new ContainerStateBuilder().withNewRunning().endRunning().build(), 0))
        .endStatus().build();
  }

  private static ContainerStatus main(io.fabric8.kubernetes.api.model.ContainerState state, int restarts) {
    return new ContainerStatusBuilder().withName("main").withImage("incline/incline-model-server:0.1.0").withState(state)
        .withRestartCount(restarts).build();
  }

  @Test
  void noDeploymentIsNotFound() {
    ServingStatus status = ServingStatusMapper.status(null, List.of());
    assertThat(status.found()).isFalse();
    assertThat(status.reason()).isEqualTo("not found");
    assertThat(ServingStatusMapper.status(deployment(1, 1, 1, 1, 1L, 1L), List.of()).found()).isTrue();
  }

  @Test
  void aRolledOutDeploymentCountsItsReadyReplicasAndHasNoReason() {
    ServingStatus status = ServingStatusMapper.status(deployment(3, 2, 2, 2, 4L, 4L),
        List.of(ready("b", 3, "2026-01-01T00:00:02Z"), ready("a", 3, "2026-01-01T00:00:01Z")));
    assertThat(status.desired()).isEqualTo(2);
    assertThat(status.ready()).isEqualTo(2);
    assertThat(status.updated()).isEqualTo(2);
    assertThat(status.observedRevision()).isEqualTo(3);
    assertThat(status.reason()).isNull();
    assertThat(status.replicas()).extracting(ServingStatus.ReplicaStatus::name).containsExactly("a", "b");
    assertThat(status.replicas()).allSatisfy(r -> {
      assertThat(r.ready()).isTrue();
      assertThat(r.phase()).isEqualTo("Running");
      assertThat(r.reason()).isNull();
      assertThat(r.revision()).isEqualTo(3);
    });
    assertThat(status.rolledOut(3)).isTrue();
    assertThat(status.rolledOut(4)).isFalse();
  }

  @Test
  void theRevisionIsObservedOnlyOnceTheControllerSawTheLatestGeneration() {
    assertThat(ServingStatusMapper.status(deployment(4, 1, 1, 0, 5L, 4L), List.of()).observedRevision()).isNull();
    assertThat(ServingStatusMapper.status(deployment(4, 1, 1, 0, 5L, null), List.of()).observedRevision()).isNull();
    assertThat(ServingStatusMapper.status(deployment(4, 1, 1, 1, 5L, 5L), List.of()).observedRevision()).isEqualTo(4);
  }

  @Test
  void aRollInProgressHasReplicasOfBothRevisions() {
    Pod old = ready("old", 3, "2026-01-01T00:00:01Z");
    Pod fresh = pod("new", 4, "2026-01-01T00:01:00Z").withNewStatus().withPhase("Pending")
        .withInitContainerStatuses(new ContainerStatusBuilder().withName("model")
            .withState(new ContainerStateBuilder().withNewRunning().endRunning().build()).build())
        .endStatus().build();
    ServingStatus status = ServingStatusMapper.status(deployment(4, 1, 1, 0, 2L, 2L), List.of(old, fresh));
    assertThat(status.replicas()).extracting(r -> r.name() + ":" + r.revision() + ":" + r.ready() + ":" + r.reason())
        .containsExactly("old:3:true:null", "new:4:false:fetching the model");
    assertThat(status.reason()).isEqualTo("fetching the model");
    assertThat(status.rolledOut(4)).isFalse();
  }

  @Test
  void imagesThatCannotBePulledAreNamed() {
    Pod pod = pod("p", 1, "t").withNewStatus().withPhase("Pending").withContainerStatuses(main(new ContainerStateBuilder()
        .withNewWaiting().withReason("ImagePullBackOff").withMessage("Back-off pulling image").endWaiting().build(), 0))
        .endStatus().build();
    ServingStatus status = ServingStatusMapper.status(deployment(1, 1, 0, 1, 1L, 1L), List.of(pod));
    assertThat(status.reason())
        .isEqualTo("ImagePullBackOff: image incline/incline-model-server:0.1.0 cannot be pulled: Back-off pulling image");
    assertThat(status.replicas().getFirst().phase()).isEqualTo("Pending");
  }

  @Test
  void aCrashingServerSaysHowItLastEnded() {
    Pod pod = pod("p", 1, "t").withNewStatus().withPhase("Running")
        .withContainerStatuses(new ContainerStatusBuilder(main(new ContainerStateBuilder().withNewWaiting()
                .withReason("CrashLoopBackOff").withMessage("back-off 40s restarting failed container").endWaiting().build(), 3))
            .withNewLastState().withNewTerminated().withExitCode(137).withReason("OOMKilled").endTerminated().endLastState()
            .build())
        .endStatus().build();
    assertThat(ServingStatusMapper.status(deployment(1, 1, 0, 1, 1L, 1L), List.of(pod)).reason()).isEqualTo(
        "CrashLoopBackOff: the server failed (OOMKilled, killed by SIGKILL (exit code 137)): back-off 40s restarting failed container");
  }

  @Test
  void aFailedModelFetchIsSaidSo() {
    Pod pod = pod("p", 1, "t").withNewStatus().withPhase("Pending")
        .withInitContainerStatuses(new ContainerStatusBuilder().withName("model").withRestartCount(2)
            .withState(new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().build())
            .withNewLastState().withNewTerminated().withExitCode(1).withReason("Error").endTerminated().endLastState()
            .build())
        .endStatus().build();
    assertThat(ServingStatusMapper.status(deployment(1, 1, 0, 1, 1L, 1L), List.of(pod)).reason())
        .isEqualTo("CrashLoopBackOff: fetching the model failed (exited with code 1)");
  }

  @Test
  void unschedulableReplicasCarryTheSchedulersMessage() {
    Pod pod = pod("p", 1, "t").withNewStatus().withPhase("Pending").withConditions(new PodConditionBuilder()
        .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
        .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.").build()).endStatus().build();
    ServingStatus status = ServingStatusMapper.status(deployment(1, 1, 0, 1, 1L, 1L), List.of(pod));
    assertThat(status.reason()).isEqualTo("Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
    assertThat(status.replicas().getFirst().reason()).isEqualTo(status.reason());
  }

  @Test
  void aRunningServerThatIsNotReadyYetSaysSo() {
    Pod pod = pod("p", 1, "t").withNewStatus().withPhase("Running")
        .withConditions(new PodConditionBuilder().withType("Ready").withStatus("False").build())
        .withContainerStatuses(main(new ContainerStateBuilder().withNewRunning().endRunning().build(), 0)).endStatus().build();
    assertThat(ServingStatusMapper.status(deployment(1, 1, 0, 1, 1L, 1L), List.of(pod)).reason()).isEqualTo("not ready yet");
  }

  @Test
  void podsTheQuotaRefusedShowOnTheDeployment() {
    Deployment d = new DeploymentBuilder(deployment(1, 2, 1, 1, 1L, 1L)).editStatus()
        .withConditions(new DeploymentConditionBuilder().withType("ReplicaFailure").withStatus("True")
            .withReason("FailedCreate").withMessage("pods \"x\" is forbidden: exceeded quota: incline-quota").build())
        .endStatus().build();
    assertThat(ServingStatusMapper.status(d, List.of(ready("a", 1, "t"))).reason())
        .isEqualTo("ReplicaFailure: pods \"x\" is forbidden: exceeded quota: incline-quota");
  }

  @Test
  void aStalledRollNamesTheDeadlineAndTheReplicasReason() {
    Deployment d = new DeploymentBuilder(deployment(2, 1, 0, 0, 1L, 1L)).editStatus()
        .withConditions(new DeploymentConditionBuilder().withType("Progressing").withStatus("False")
            .withReason("ProgressDeadlineExceeded").withMessage("ReplicaSet \"x\" has timed out progressing.").build())
        .endStatus().build();
    Pod pod = pod("p", 2, "t").withNewStatus().withPhase("Pending").withContainerStatuses(main(new ContainerStateBuilder()
        .withNewWaiting().withReason("ErrImagePull").endWaiting().build(), 0)).endStatus().build();
    assertThat(ServingStatusMapper.status(d, List.of(pod)).reason()).isEqualTo("ProgressDeadlineExceeded: ReplicaSet \"x\" "
        + "has timed out progressing. (ErrImagePull: image incline/incline-model-server:0.1.0 cannot be pulled)");
    assertThat(ServingStatusMapper.status(d, List.of()).reason()).startsWith("ProgressDeadlineExceeded: ");
  }

  @Test
  void terminatingReplicasAreListedButNeverTheReason() {
    Pod going = new PodBuilder(ready("old", 1, "2026-01-01T00:00:00Z")).editMetadata()
        .withDeletionTimestamp("2026-01-01T00:05:00Z").endMetadata().build();
    ServingStatus status = ServingStatusMapper.status(deployment(2, 1, 1, 1, 1L, 1L),
        List.of(going, ready("new", 2, "2026-01-01T00:04:00Z")));
    assertThat(status.replicas()).extracting(r -> r.name() + ":" + r.phase() + ":" + r.ready())
        .containsExactly("old:Terminating:false", "new:Running:true");
    assertThat(status.reason()).isNull();
    assertThat(status.rolledOut(2)).isTrue();
  }

  @Test
  void missingReplicasWithoutAnyWordAreCounted() {
    assertThat(ServingStatusMapper.status(deployment(1, 3, 1, 3, 1L, 1L), List.of(ready("a", 1, "t"))).reason())
        .isEqualTo("1 of 3 replicas ready");
  }

  @Test
  void anEvictedReplicaSaysWhy() {
    Pod pod = pod("p", 1, "t").withNewStatus().withPhase("Failed").withReason("Evicted")
        .withMessage("The node was low on resource: ephemeral-storage.").endStatus().build();
    assertThat(ServingStatusMapper.replica(pod).reason()).isEqualTo("Evicted: The node was low on resource: ephemeral-storage.");
  }
}
