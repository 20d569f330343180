package dev.incline.compute.kubernetes;

import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;

/**
 * Grants the control plane the workload verbs in this one namespace: it holds them per team
 * namespace, never cluster-wide (see the Helm chart's RBAC).
 */
public final class RoleBindingManifest {

  private RoleBindingManifest() {}

  public static RoleBinding controller(KubernetesRuntimeSettings settings, String team) {
    return new RoleBindingBuilder()
        .withNewMetadata()
          .withName(KubernetesResources.ROLE_BINDING)
          .withNamespace(KubernetesResources.namespace(settings, team))
          .withLabels(KubernetesResources.teamLabels(team))
        .endMetadata()
        .withNewRoleRef()
          .withApiGroup("rbac.authorization.k8s.io")
          .withKind("ClusterRole")
          .withName(settings.workloadClusterRole())
        .endRoleRef()
        .addNewSubject()
          .withKind("ServiceAccount")
          .withName(settings.controllerServiceAccount())
          .withNamespace(settings.controllerNamespace())
        .endSubject()
        .build();
  }
}
