package dev.incline.compute.kubernetes;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;

/** A team's namespace, labelled with its team so that the runtime never mistakes another team's for it. */
public final class NamespaceManifest {

  private NamespaceManifest() {}

  public static Namespace namespace(KubernetesRuntimeSettings settings, String team) {
    return new NamespaceBuilder()
        .withNewMetadata()
          .withName(KubernetesResources.namespace(settings, team))
          .withLabels(KubernetesResources.teamLabels(team))
        .endMetadata()
        .build();
  }
}
