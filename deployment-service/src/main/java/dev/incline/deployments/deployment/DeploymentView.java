package dev.incline.deployments.deployment;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * A deployment as the API shows it.
 *
 * @param endpoint where inference goes through the gateway, {@code /deployments/<id>}
 * @param replicas min/max as asked, desired (what the autoscaler wants now) and ready
 * @param replicaStatus each replica's revision, state and health; on Kubernetes each pod, by its name
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeploymentView(String id, String projectId, String name, String model, ModelView modelVersion, String image,
    String command, Integer port, String healthPath, String machineType, ReplicasView replicas, AutoscalingView autoscaling,
    int revision, String status, String reason, String endpoint, List<ReplicaView> replicaStatus, String createdBy,
    Instant createdAt, Instant updatedAt) {

  /** The version served: {@code ref} names it exactly ({@code digits:3}). */
  public record ModelView(String modelId, String name, String versionId, int version, String ref) {}

  public record ReplicasView(int min, int max, int desired, int ready) {}

  public record AutoscalingView(int targetConcurrency) {}

  /**
   * @param status {@code Starting}, {@code Ready}, {@code Unhealthy} or {@code Draining}
   * @param ready whether it is in the routing table now (on Kubernetes: in the deployment's Service)
   * @param reason why it does not serve, e.g. {@code ImagePullBackOff: ...} on Kubernetes
   * @param createdAt when it was started (null for a pod)
   */
  public record ReplicaView(String id, int revision, String status, boolean ready, String reason, Instant createdAt,
      Instant readyAt) {}
}
