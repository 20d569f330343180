package dev.incline.compute.kubernetes;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How the kubernetes runtime maps Incline onto a cluster (the names are fixed in
 * {@code docs/design/kubernetes-contract.md}).
 *
 * @param namespacePrefix a team's namespace is {@code <prefix><team id with '_' as '-'>}
 * @param agentImage image of the workspace init container and the artifacts sidecar
 * @param agentUrl where agents inside the cluster reach job-service; null leaves out the artifacts sidecar
 * @param workloadClusterRole ClusterRole bound in each team namespace to the controller's ServiceAccount
 * @param controllerServiceAccount the control plane's ServiceAccount
 * @param controllerNamespace its namespace: the only other namespace a team's pods accept traffic from
 * @param ttlSecondsAfterFinished how long a finished Job (and its pod, with its logs) stays on the cluster
 * @param gpuResource extended resource name of GPUs
 * @param gpuTaintKey taint tolerated by GPU workloads
 * @param storageClass StorageClass of the team PVC; null or blank for the cluster default
 * @param storageSize size of the team PVC
 * @param kueue optional Kueue integration
 * @param quota ResourceQuota of team namespaces
 * @param resync how often the informers list everything again, in case a watch event was missed
 */
public record KubernetesRuntimeSettings(
    String namespacePrefix,
    String agentImage,
    URI agentUrl,
    String workloadClusterRole,
    String controllerServiceAccount,
    String controllerNamespace,
    long ttlSecondsAfterFinished,
    String gpuResource,
    String gpuTaintKey,
    String storageClass,
    String storageSize,
    Kueue kueue,
    Quotas quota,
    Duration resync) {

  public KubernetesRuntimeSettings {
    Objects.requireNonNull(namespacePrefix, "namespacePrefix");
    Objects.requireNonNull(agentImage, "agentImage");
    Objects.requireNonNull(workloadClusterRole, "workloadClusterRole");
    Objects.requireNonNull(controllerServiceAccount, "controllerServiceAccount");
    Objects.requireNonNull(controllerNamespace, "controllerNamespace");
    gpuResource = gpuResource == null ? "nvidia.com/gpu" : gpuResource;
    gpuTaintKey = gpuTaintKey == null ? "nvidia.com/gpu" : gpuTaintKey;
    storageClass = storageClass == null || storageClass.isBlank() ? null : storageClass;
    storageSize = storageSize == null ? "100Gi" : storageSize;
    kueue = kueue == null ? Kueue.disabled() : kueue;
    quota = quota == null ? Quotas.defaults() : quota;
    resync = resync == null ? Duration.ofMinutes(5) : resync;
  }

  /** The contract's defaults. */
  public static KubernetesRuntimeSettings defaults() {
    return new KubernetesRuntimeSettings("incline-", "incline/incline-agent:0.1.0", null, "incline-workloads",
        "incline-job-service", "incline", 3600, null, null, null, null, null, null, null);
  }

  public KubernetesRuntimeSettings withAgentUrl(URI url) {
    return new KubernetesRuntimeSettings(namespacePrefix, agentImage, url, workloadClusterRole, controllerServiceAccount,
        controllerNamespace, ttlSecondsAfterFinished, gpuResource, gpuTaintKey, storageClass, storageSize, kueue, quota,
        resync);
  }

  public KubernetesRuntimeSettings withKueue(Kueue kueue) {
    return new KubernetesRuntimeSettings(namespacePrefix, agentImage, agentUrl, workloadClusterRole,
        controllerServiceAccount, controllerNamespace, ttlSecondsAfterFinished, gpuResource, gpuTaintKey, storageClass,
        storageSize, kueue, quota, resync);
  }

  /**
   * @param enabled label Jobs with the team's LocalQueue and create them suspended for Kueue to admit
   * @param queueName LocalQueue in each team namespace
   * @param clusterQueue ClusterQueue the LocalQueues point to
   */
  public record Kueue(boolean enabled, String queueName, String clusterQueue) {
    public static Kueue disabled() {
      return new Kueue(false, "incline", "incline");
    }
  }

  /** A namespace's ResourceQuota: GPUs, CPU cores and memory, requested and limited alike. */
  public record Quota(int gpus, String cpu, String memory) {}

  /** The default quota and per-team overrides by team id. */
  public record Quotas(Quota standard, Map<String, Quota> teams) {
    public Quotas {
      standard = standard == null ? new Quota(4, "64", "256Gi") : standard;
      teams = teams == null ? Map.of() : Map.copyOf(teams);
    }

    public static Quotas defaults() {
      return new Quotas(null, null);
    }

    public Quota of(String team) {
      return teams.getOrDefault(team, standard);
    }
  }
}
