package dev.incline.compute.kubernetes;

import dev.incline.compute.WorkloadSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;

/**
 * One concern of a workload's pod (volumes, resources, env, the agent's containers), applied in
 * order over a base pod by {@link JobManifest}. Pure: no cluster calls.
 */
@FunctionalInterface
interface PodDecorator {

  void decorate(Pod pod);

  /** What decorators add to: the pod, and its main container, which is added to the pod last. */
  record Pod(WorkloadSpec spec, KubernetesRuntimeSettings settings, PodSpecBuilder pod, ContainerBuilder main) {}
}
