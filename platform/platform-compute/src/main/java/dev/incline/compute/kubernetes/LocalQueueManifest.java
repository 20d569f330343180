package dev.incline.compute.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import java.util.Map;

/** The team's Kueue LocalQueue: generic, so that the runtime needs no Kueue model classes. */
public final class LocalQueueManifest {

  public static final String API_VERSION = "kueue.x-k8s.io/v1beta1";
  public static final String KIND = "LocalQueue";

  private LocalQueueManifest() {}

  public static GenericKubernetesResource localQueue(KubernetesRuntimeSettings settings, String team) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(API_VERSION)
        .withKind(KIND)
        .withNewMetadata()
          .withName(settings.kueue().queueName())
          .withNamespace(KubernetesResources.namespace(settings, team))
          .withLabels(KubernetesResources.teamLabels(team))
        .endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("clusterQueue", settings.kueue().clusterQueue())))
        .build();
  }
}
