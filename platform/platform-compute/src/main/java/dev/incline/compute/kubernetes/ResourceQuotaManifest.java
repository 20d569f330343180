package dev.incline.compute.kubernetes;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The team's share of the cluster. Requests and limits are capped alike because the runtime sets
 * them equal; GPUs can only be capped on requests (extended resources are never overcommitted).
 */
public final class ResourceQuotaManifest {

  private ResourceQuotaManifest() {}

  public static ResourceQuota quota(KubernetesRuntimeSettings settings, String team) {
    KubernetesRuntimeSettings.Quota quota = settings.quota().of(team);
    Map<String, Quantity> hard = new LinkedHashMap<>();
    hard.put("requests.cpu", new Quantity(quota.cpu()));
    hard.put("limits.cpu", new Quantity(quota.cpu()));
    hard.put("requests.memory", new Quantity(quota.memory()));
    hard.put("limits.memory", new Quantity(quota.memory()));
    hard.put("requests." + settings.gpuResource(), new Quantity(Integer.toString(quota.gpus())));
    return new ResourceQuotaBuilder()
        .withNewMetadata()
          .withName(KubernetesResources.QUOTA)
          .withNamespace(KubernetesResources.namespace(settings, team))
          .withLabels(KubernetesResources.teamLabels(team))
        .endMetadata()
        .withNewSpec()
          .withHard(hard)
        .endSpec()
        .build();
  }
}
