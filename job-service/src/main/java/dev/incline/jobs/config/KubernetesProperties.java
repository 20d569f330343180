package dev.incline.jobs.config;

import dev.incline.compute.kubernetes.KubernetesRuntimeSettings;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;

/**
 * The kubernetes runtime ({@code incline.compute.runtime=kubernetes}); names as in
 * {@code docs/design/kubernetes-contract.md}. The cluster is the one fabric8 finds: a kubeconfig
 * ({@code KUBECONFIG}, {@code ~/.kube/config}) or, inside a pod, its service account.
 *
 * @param namespacePrefix a team's namespace is {@code <prefix><team id>} with '_' as '-'
 * @param agentImage image of the workspace init container and the artifacts sidecar
 * @param workloadClusterRole ClusterRole bound in each team namespace to job-service's ServiceAccount
 * @param controllerServiceAccount job-service's ServiceAccount
 * @param controllerNamespace job-service's namespace: the only other namespace team pods accept traffic
 *     from; unset: the {@code POD_NAMESPACE} environment variable, else {@code incline}
 * @param ttlSecondsAfterFinished how long a finished Job and its pod stay on the cluster
 * @param gpuResource extended resource name of GPUs
 * @param gpuTaintKey taint of GPU nodes, tolerated by GPU workloads
 * @param storageClass StorageClass of the team PVC {@code incline-storage}; empty for the cluster default
 * @param storageSize size of the team PVC
 * @param kueue Kueue integration
 * @param quota ResourceQuota of team namespaces
 * @param resync how often the runtime's informers list everything again
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
   * @param enabled label Jobs with the team's LocalQueue and create them suspended for Kueue to admit
   * @param queueName LocalQueue the runtime creates in each team namespace
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

  /** @param agentUrl where agents in the cluster reach job-service ({@code incline.jobs.agent-url}) */
  public KubernetesRuntimeSettings settings(URI agentUrl) {
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
