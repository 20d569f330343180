package dev.incline.compute.kubernetes;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/** The team's persistent storage, mounted at {@code /storage} by all its workloads at once (ReadWriteMany). */
public final class StorageManifest {

  private StorageManifest() {}

  public static PersistentVolumeClaim teamStorage(KubernetesRuntimeSettings settings, String team) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
          .withName(KubernetesResources.STORAGE_PVC)
          .withNamespace(KubernetesResources.namespace(settings, team))
          .withLabels(KubernetesResources.teamLabels(team))
        .endMetadata()
        .withNewSpec()
          .withAccessModes("ReadWriteMany")
          .withStorageClassName(settings.storageClass())
          .withNewResources()
            .withRequests(Map.of("storage", new Quantity(settings.storageSize())))
          .endResources()
        .endSpec()
        .build();
  }
}
