package dev.incline.compute.kubernetes;

import dev.incline.compute.WorkloadEnvironment;
import dev.incline.compute.WorkloadSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;

/**
 * One concern of a workload's pod (volumes, resources, env, the agent's containers), applied in
 * order over a base pod by {@link JobManifest} and {@link NotebookManifest}. Pure: no cluster calls.
 */
@FunctionalInterface
interface PodDecorator {

  void decorate(Pod pod);

  /** What decorators add to: the pod, and its main container, which is added to the pod last. */
  record Pod(WorkloadSpec spec, KubernetesRuntimeSettings settings, PodSpecBuilder pod, ContainerBuilder main) {

    /** The spec's image and command in the workspace directory, in a pod that restarts as {@code restartPolicy} says. */
    static Pod base(KubernetesRuntimeSettings settings, WorkloadSpec spec, String restartPolicy) {
      return new Pod(spec, settings,
          new PodSpecBuilder().withRestartPolicy(restartPolicy),
          new ContainerBuilder()
              .withName(KubernetesResources.MAIN_CONTAINER)
              .withImage(spec.image())
              .withCommand(spec.command())
              .withWorkingDir(WorkloadEnvironment.Paths.CONTAINER.workspace()));
    }
  }
}
