package dev.incline.deployments.deployment;

import java.util.List;

/**
 * Where a deployment's replicas are read from when there is another source than this service's own
 * replica records: on Kubernetes the cluster runs them, and they are its pods. Without one, the
 * view shows the records the reconciler keeps for the local runtimes.
 */
public interface ReplicaSource {

  /** The deployment's replicas now, oldest first. */
  List<DeploymentView.ReplicaView> replicas(Deployment d);
}
