package dev.incline.compute.kubernetes;

import dev.incline.compute.WorkloadSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import java.util.TreeMap;

/**
 * The workload's secret values: one key per secret env variable (the pod references them, so no
 * value is in the pod spec), and the agent's job token under {@code token}, mounted into the sidecar.
 */
public final class SecretManifest {

  private SecretManifest() {}

  public static Secret secret(KubernetesRuntimeSettings settings, WorkloadSpec spec) {
    Map<String, String> data = new TreeMap<>(spec.secretEnv());
    String token = spec.secretEnv().get(KubernetesResources.AGENT_TOKEN_ENV);
    if (token != null) {
      data.put(KubernetesResources.TOKEN_KEY, token);
    }
    return new SecretBuilder()
        .withNewMetadata()
          .withName(KubernetesResources.name(spec.ref()))
          .withNamespace(KubernetesResources.namespace(settings, spec.ref().team()))
          .withLabels(KubernetesResources.labels(spec))
        .endMetadata()
        .withType("Opaque")
        .withStringData(data)
        .build();
  }
}
