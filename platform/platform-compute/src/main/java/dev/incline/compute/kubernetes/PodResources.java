package dev.incline.compute.kubernetes;

import dev.incline.compute.WorkloadSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a machine type becomes in a pod, for every workload kind (jobs through {@link PodDecorators},
 * model deployments through {@code serving.ServingManifests}): CPU and memory requested and limited
 * alike, GPUs as the extended resource on their product's nodes with the GPU taint tolerated, and the
 * agent's small fixed share. Pure: no cluster calls.
 */
public final class PodResources {

  private PodResources() {}

  /**
   * Requests equal to limits: the workload gets what its machine type promises (Guaranteed QoS)
   * and the team's quota counts exactly that.
   */
  public static void requests(WorkloadSpec.Resources res, ContainerBuilder main) {
    Map<String, Quantity> amounts = new LinkedHashMap<>();
    if (res.cpu() > 0) {
      amounts.put("cpu", new Quantity(cpu(res.cpu())));
    }
    if (res.memoryBytes() > 0) {
      amounts.put("memory", new Quantity(memory(res.memoryBytes())));
    }
    if (!amounts.isEmpty()) {
      main.withNewResources().withRequests(new LinkedHashMap<>(amounts)).withLimits(amounts).endResources();
    }
  }

  /** GPUs: the extended resource, the node selector on the GPU product, and the GPU nodes' taint tolerated. */
  public static void gpu(KubernetesRuntimeSettings settings, WorkloadSpec.Resources res, PodSpecBuilder pod,
      ContainerBuilder main) {
    if (!res.nodeSelector().isEmpty()) {
      pod.withNodeSelector(new TreeMap<>(res.nodeSelector()));
    }
    if (res.gpuCount() <= 0) {
      return;
    }
    Quantity gpus = new Quantity(Integer.toString(res.gpuCount()));
    ResourceRequirementsBuilder resources = main.hasResources()
        ? new ResourceRequirementsBuilder(main.buildResources()) : new ResourceRequirementsBuilder();
    main.withResources(resources
        .addToRequests(settings.gpuResource(), gpus)
        .addToLimits(settings.gpuResource(), gpus)
        .build());
    pod.addToTolerations(new TolerationBuilder()
        .withKey(settings.gpuTaintKey())
        .withOperator("Exists")
        .withEffect("NoSchedule")
        .build());
  }

  /** {@link #requests} then {@link #gpu}: everything the machine type says. */
  public static void machine(KubernetesRuntimeSettings settings, WorkloadSpec.Resources res, PodSpecBuilder pod,
      ContainerBuilder main) {
    requests(res, main);
    gpu(settings, res, pod, main);
  }

  /** The agent copies files and nothing else: a small, fixed share, counted against the team's quota. */
  public static ResourceRequirements agent() {
    return new ResourceRequirementsBuilder()
        .withRequests(new TreeMap<>(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("128Mi"))))
        .withLimits(new TreeMap<>(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("256Mi"))))
        .build();
  }

  /** Whole cores as "4", fractions in millicores. */
  public static String cpu(double cores) {
    long millis = Math.round(cores * 1000);
    return millis % 1000 == 0 ? Long.toString(millis / 1000) : millis + "m";
  }

  /** Binary units when they fit exactly ("30Gi"), bytes otherwise. */
  public static String memory(long bytes) {
    String[] units = {"Ki", "Mi", "Gi", "Ti"};
    String out = Long.toString(bytes);
    long v = bytes;
    for (String unit : units) {
      if (v % 1024 != 0 || v == 0) {
        break;
      }
      v /= 1024;
      out = v + unit;
    }
    return out;
  }
}
