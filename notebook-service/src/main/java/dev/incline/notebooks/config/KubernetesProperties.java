package dev.incline.notebooks.config;

import dev.incline.compute.kubernetes.KubernetesRuntimeSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;

/**
 * The cluster notebooks run on with {@code incline.compute.runtime=kubernetes}: the same keys and
 * defaults as job-service's, so that one installation names its team namespaces, their quota and the
 * control plane's RoleBinding once, and both services converge them alike (names as in
 * {@code docs/design/kubernetes-contract.md}). The cluster is the one fabric8 finds: a kubeconfig
 * ({@code KUBECONFIG}, {@code ~/.kube/config}) or, inside a pod, its service account.
 *
 * @param namespacePrefix a team's namespace is {@code <prefix><team id>} with '_' as '-'
 * @param agentImage image of the init container that fetches a notebook's dataset inputs
 * @param workloadClusterRole ClusterRole bound in each team namespace to the control plane's ServiceAccount
 * @param controllerServiceAccount the control plane's ServiceAccount (job-service's, which the team
 *     namespaces' RoleBinding names)
 * @param controllerNamespace the control plane's namespace: the only other namespace team pods accept
 *     traffic from; unset: the {@code POD_NAMESPACE} environment variable, else {@code incline}
 * @param ttlSecondsAfterFinished how long a finished Job stays on the cluster (jobs only; kept for the shared keys)
 * @param gpuResource extended resource name of GPUs
 * @param gpuTaintKey taint of GPU nodes, tolerated by GPU replicas
 * @param storageClass StorageClass of the team PVC {@code incline-storage}; empty for the cluster default
 * @param storageSize size of the team PVC
 * @param kueue Kueue integration (of the team namespaces' LocalQueue; replicas are not queued)
 * @param quota ResourceQuota of team namespaces
 * @param resync how often job-service's informers list everything again (jobs only; kept for the shared keys)
 */
@ConfigurationProperties("incline.compute.kubernetes")
public record KubernetesProperties(
    @DefaultValue("incline-") String namespacePrefix,
    @DefaultValue("incline/incline-agent:0.1.0") String agentImage,
    @DefaultValue("incline-workloads") String workloadClusterRole,
    @DefaultValue("incline-job-service") String controllerServiceAccount,
    String controllerNamespace,
    @DefaultValue("3600") long ttlSecondsAfterFinished,
    @DefaultValue("nvidia.com/gpu") String gpuResource,
    @DefaultValue("nvidia.com/gpu") String gpuTaintKey,
    @DefaultValue("") String storageClass,
    @DefaultValue("100Gi") String storageSize,
    @DefaultValue Kueue kueue,
    @DefaultValue Quotas quota,
    @DefaultValue("5m") Duration resync) {

  public KubernetesProperties {
    // Not a @DefaultValue: Spring does not resolve placeholders in those.
    if (controllerNamespace == null || controllerNamespace.isBlank()) {
      String pod = System.getenv("POD_NAMESPACE");
      controllerNamespace = pod == null || pod.isBlank() ? "incline" : pod;
    }
  }

  /**
   * @param enabled whether the team namespaces get a LocalQueue
   * @param queueName LocalQueue in each team namespace
   * @param clusterQueue ClusterQueue those LocalQueues point to
   */
  public record Kueue(
      @DefaultValue("false") boolean enabled,
      @DefaultValue("incline") String queueName,
      @DefaultValue("incline") String clusterQueue) {}

  /**
   * @param gpus GPUs requested by all of a team's pods together
   * @param cpu CPU cores, requested and limited
   * @param memory memory, requested and limited ({@code 256Gi})
   */
  public record Quota(
      @DefaultValue("4") int gpus,
      @DefaultValue("64") String cpu,
      @DefaultValue("256Gi") String memory) {}

  /**
   * @param standard the quota of every team ({@code quota.default})
   * @param teams per-team quotas by team id (write ids as {@code "[team_01ab]"} keys in YAML)
   */
  public record Quotas(
      @Name("default") @DefaultValue Quota standard,
      Map<String, Quota> teams) {}

  /** The runtime settings, with where the agent in a notebook's pod reaches this service (null: nowhere). */
  public KubernetesRuntimeSettings settings(java.net.URI agentUrl) {
    Map<String, KubernetesRuntimeSettings.Quota> teams = new LinkedHashMap<>();
    if (quota.teams() != null) {
      quota.teams().forEach((team, q) -> teams.put(team, settings(q)));
    }
    return new KubernetesRuntimeSettings(namespacePrefix, agentImage, agentUrl, workloadClusterRole,
        controllerServiceAccount, controllerNamespace, ttlSecondsAfterFinished, gpuResource, gpuTaintKey, storageClass,
        storageSize, new KubernetesRuntimeSettings.Kueue(kueue.enabled(), kueue.queueName(), kueue.clusterQueue()),
        new KubernetesRuntimeSettings.Quotas(settings(quota.standard()), teams), resync);
  }

  private static KubernetesRuntimeSettings.Quota settings(Quota q) {
    return new KubernetesRuntimeSettings.Quota(q.gpus(), q.cpu(), q.memory());
  }
}
