package dev.incline.compute.kubernetes;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.Map;

/**
 * Keeps teams apart: pods of a team namespace accept traffic only from the same namespace and from
 * the control plane's (the gateway proxies exposed ports, job-service talks to them). Egress stays
 * open: workloads download packages and data, and reach S3 and the agent endpoint.
 */
public final class NetworkPolicyManifest {

  private NetworkPolicyManifest() {}

  public static NetworkPolicy isolation(KubernetesRuntimeSettings settings, String team) {
    return new NetworkPolicyBuilder()
        .withNewMetadata()
          .withName(KubernetesResources.NETWORK_POLICY)
          .withNamespace(KubernetesResources.namespace(settings, team))
          .withLabels(KubernetesResources.teamLabels(team))
        .endMetadata()
        .withNewSpec()
          .withNewPodSelector().endPodSelector()
          .withPolicyTypes("Ingress")
          .addNewIngress()
            .addNewFrom()
              .withNewPodSelector().endPodSelector()
            .endFrom()
            .addNewFrom()
              .withNewNamespaceSelector()
                .withMatchLabels(Map.of(KubernetesResources.LABEL_NAMESPACE_NAME, settings.controllerNamespace()))
              .endNamespaceSelector()
            .endFrom()
          .endIngress()
        .endSpec()
        .build();
  }
}
