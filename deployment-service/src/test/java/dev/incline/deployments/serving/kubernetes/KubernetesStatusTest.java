package dev.incline.deployments.serving.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.compute.kubernetes.serving.ServingStatus;
import dev.incline.compute.kubernetes.serving.ServingStatus.ReplicaStatus;
import dev.incline.deployments.deployment.DeploymentStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class KubernetesStatusTest {

  private static ReplicaStatus ready(String name, int revision) {
    return new ReplicaStatus(name, true, "Running", null, revision);
  }

  private static ReplicaStatus stuck(String name, int revision, String reason) {
    return new ReplicaStatus(name, false, "Pending", reason, revision);
  }

  private static KubernetesStatus.Next next(DeploymentStatus current, ServingStatus st, boolean overdue) {
    return KubernetesStatus.next(current, false, 2, 1, st, overdue, null);
  }

  @Test
  void nothingOnTheClusterYetIsPendingThenDeployingWhileNoReplicaIsReady() {
    assertThat(next(DeploymentStatus.PENDING, ServingStatus.notFound(), false).status()).isEqualTo(DeploymentStatus.PENDING);
    ServingStatus starting = new ServingStatus(1, 0, 1, 2, List.of(stuck("p1", 2, "fetching the model")), "fetching the model");
    assertThat(next(DeploymentStatus.PENDING, starting, false))
        .isEqualTo(new KubernetesStatus.Next(DeploymentStatus.DEPLOYING, "fetching the model"));
  }

  @Test
  void theRolledOutRevisionIsReady() {
    ServingStatus up = new ServingStatus(1, 1, 1, 2, List.of(ready("p1", 2)), null);
    assertThat(next(DeploymentStatus.DEPLOYING, up, false)).isEqualTo(new KubernetesStatus.Next(DeploymentStatus.READY, null));
    // the autoscaler adding a replica is no roll
    ServingStatus scaling = new ServingStatus(2, 1, 2, 2, List.of(ready("p1", 2), stuck("p2", 2, "not ready yet")), "not ready yet");
    assertThat(next(DeploymentStatus.READY, scaling, false).status()).isEqualTo(DeploymentStatus.READY);
    // its pods ready before the Deployment controller reported: they are all there is
    ServingStatus early = new ServingStatus(1, 0, 0, null, List.of(ready("p1", 2)), "0 of 1 replicas ready");
    assertThat(next(DeploymentStatus.DEPLOYING, early, false).status()).isEqualTo(DeploymentStatus.READY);
  }

  @Test
  void aReadyDeploymentThatLosesReplicasIsUpdatingAndAFirstOneShortOfItsMinimumDeploying() {
    ServingStatus one = new ServingStatus(2, 1, 2, 2, List.of(ready("p1", 2), stuck("p2", 2, "CrashLoopBackOff: x")),
        "CrashLoopBackOff: x");
    assertThat(KubernetesStatus.next(DeploymentStatus.READY, false, 2, 2, one, false, null))
        .isEqualTo(new KubernetesStatus.Next(DeploymentStatus.UPDATING, "1 of 2 replica(s) ready; CrashLoopBackOff: x"));
    assertThat(KubernetesStatus.next(DeploymentStatus.DEPLOYING, false, 2, 2, one, false, null))
        .isEqualTo(new KubernetesStatus.Next(DeploymentStatus.DEPLOYING, "CrashLoopBackOff: x"));
  }

  @Test
  void aNewRevisionIsUpdatingWhileTheEarlierOneServes() {
    ServingStatus rolling = new ServingStatus(1, 1, 0, 2, List.of(ready("old", 1), stuck("new", 2, "fetching the model")),
        "fetching the model");
    KubernetesStatus.Next n = next(DeploymentStatus.READY, rolling, false);
    assertThat(n.status()).isEqualTo(DeploymentStatus.UPDATING);
    assertThat(n.reason()).isEqualTo("rolling to revision 2: 0 of 1 ready; fetching the model");
    // the controller has not seen revision 2 yet: still the earlier one, Updating
    ServingStatus before = new ServingStatus(1, 1, 1, 1, List.of(ready("old", 1)), null);
    assertThat(next(DeploymentStatus.READY, before, false).status()).isEqualTo(DeploymentStatus.UPDATING);
  }

  @Test
  void aRevisionThatCannotStartFailsOnceOverdueWhileTheEarlierOneStillServes() {
    ServingStatus pull = new ServingStatus(1, 1, 0, 2, List.of(ready("old", 1),
        stuck("new", 2, "ImagePullBackOff: image x cannot be pulled")), "ImagePullBackOff: image x cannot be pulled");
    assertThat(next(DeploymentStatus.UPDATING, pull, false).status()).isEqualTo(DeploymentStatus.UPDATING);
    KubernetesStatus.Next failed = next(DeploymentStatus.UPDATING, pull, true);
    assertThat(failed.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(failed.reason()).isEqualTo("revision 2 did not become ready: ImagePullBackOff: image x cannot be pulled; "
        + "1 replica(s) of an earlier revision still serve");
    // slow is not failed: a large model may load for minutes
    ServingStatus slow = new ServingStatus(1, 1, 0, 2, List.of(ready("old", 1), stuck("new", 2, "fetching the model")),
        "fetching the model");
    assertThat(next(DeploymentStatus.UPDATING, slow, true).status()).isEqualTo(DeploymentStatus.UPDATING);
    ServingStatus none = new ServingStatus(1, 0, 0, 2, List.of(), "0 of 1 replicas ready");
    assertThat(next(DeploymentStatus.DEPLOYING, none, true).status()).isEqualTo(DeploymentStatus.DEPLOYING);
    // and recovers by itself once the cluster does
    ServingStatus up = new ServingStatus(1, 1, 1, 2, List.of(ready("new", 2)), null);
    assertThat(next(DeploymentStatus.FAILED, up, true).status()).isEqualTo(DeploymentStatus.READY);
  }

  @Test
  void aProblemApplyingShowsUntilTheClusterServesTheRevision() {
    KubernetesStatus.Next n = KubernetesStatus.next(DeploymentStatus.PENDING, false, 1, 1, ServingStatus.notFound(), false,
        "cannot apply revision 1 on the cluster: forbidden");
    assertThat(n).isEqualTo(new KubernetesStatus.Next(DeploymentStatus.PENDING, "cannot apply revision 1 on the cluster: forbidden"));
    assertThat(KubernetesStatus.next(DeploymentStatus.PENDING, false, 1, 1, ServingStatus.notFound(), true, "forbidden").status())
        .isEqualTo(DeploymentStatus.FAILED);
    ServingStatus up = new ServingStatus(1, 1, 1, 1, List.of(ready("p", 1)), null);
    assertThat(KubernetesStatus.next(DeploymentStatus.READY, false, 1, 1, up, true, "job-service is down").status())
        .isEqualTo(DeploymentStatus.READY);
  }

  @Test
  void stoppingLastsUntilTheObjectsAreGone() {
    ServingStatus left = new ServingStatus(1, 1, 1, 2, List.of(ready("p", 2)), null);
    assertThat(KubernetesStatus.next(DeploymentStatus.READY, true, 2, 1, left, false, null))
        .isEqualTo(new KubernetesStatus.Next(DeploymentStatus.UPDATING, "stopping 1 replica(s)"));
    assertThat(KubernetesStatus.next(DeploymentStatus.UPDATING, true, 2, 1, ServingStatus.notFound(), false, null))
        .isEqualTo(new KubernetesStatus.Next(DeploymentStatus.STOPPED, null));
  }
}
