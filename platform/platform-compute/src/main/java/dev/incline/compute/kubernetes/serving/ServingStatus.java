package dev.incline.compute.kubernetes.serving;

import java.util.List;

/**
 * What the cluster says about one deployment now.
 *
 * @param desired replicas the Deployment asks for now (the autoscaler's choice when it has one)
 * @param ready replicas ready to serve (in the Service)
 * @param updated replicas of the current pod template, i.e. of the latest revision
 * @param observedRevision the revision the Deployment controller has seen (once it has acted on the
 *     latest spec); null while it has not, or when there is no Deployment
 * @param replicas the pods, oldest first
 * @param reason why the deployment is not fully ready, in words, with Kubernetes' reason first
 *     ({@code ImagePullBackOff: ...}, {@code CrashLoopBackOff: ...}, {@code Unschedulable: ...},
 *     {@code ReplicaFailure: ...} for a pod the quota refused); null when it is
 */
public record ServingStatus(int desired, int ready, int updated, Integer observedRevision, List<ReplicaStatus> replicas,
    String reason) {

  /** The reason of a deployment the cluster has no Deployment for. */
  public static final String NOT_FOUND = "not found";

  public ServingStatus {
    replicas = replicas == null ? List.of() : List.copyOf(replicas);
  }

  /** No Deployment: never applied, deleted, or its namespace is gone. */
  public static ServingStatus notFound() {
    return new ServingStatus(0, 0, 0, null, List.of(), NOT_FOUND);
  }

  /** Whether the cluster has a Deployment for it. */
  public boolean found() {
    return !(NOT_FOUND.equals(reason) && observedRevision == null && replicas.isEmpty() && desired == 0);
  }

  /**
   * Whether {@code revision} is what serves: the controller has seen it, every desired replica is of
   * it and ready, and no replica of another revision is left but those terminating.
   */
  public boolean rolledOut(int revision) {
    return observedRevision != null && observedRevision == revision && updated >= desired && ready >= desired
        && replicas.stream().allMatch(r -> ServingStatusMapper.TERMINATING.equals(r.phase())
            || r.revision() != null && r.revision() == revision);
  }

  /**
   * One pod of the deployment.
   *
   * @param name the pod's name
   * @param ready whether it is in the Service
   * @param phase the pod's phase ({@code Pending}, {@code Running}, ...), or {@code Terminating}
   * @param reason why it is not ready, in words with Kubernetes' reason first; null when it is
   * @param revision the revision its template had; null when unknown
   */
  public record ReplicaStatus(String name, boolean ready, String phase, String reason, Integer revision) {}
}
