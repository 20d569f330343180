package dev.incline.compute.kubernetes;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

/**
 * A notebook workload as one long-lived Pod (its ClusterIP Service and Secret are the job's,
 * {@link ServiceManifest} and {@link SecretManifest}). Not a Job: a notebook server has no
 * completion to wait for, and a crashed one should come back in place ({@code restartPolicy:
 * Always}) with the same name and address rather than as a new attempt. Not a Deployment either:
 * stop deletes the one pod, and nothing may bring it back behind the notebook-service's back.
 *
 * <p>The pod is a job's pod as far as it applies (image, command, environment, secret references,
 * machine type, /storage, dataset inputs through the agent's {@code datasets} init container, the
 * workspace) but without the artifacts sidecar, whose uploads belong to a job. It is not queued by
 * Kueue (Kueue admits Jobs; an interactive notebook should not wait in a batch queue), but its
 * requests count against the team's ResourceQuota like any pod's.
 */
public final class NotebookManifest {

  private NotebookManifest() {}

  public static Pod pod(KubernetesRuntimeSettings settings, WorkloadSpec spec) {
    WorkloadRef ref = spec.ref();
    if (ref.kind() != WorkloadRef.Kind.NOTEBOOK) {
      throw new IllegalArgumentException("not a notebook: " + ref.kind().label() + " " + ref.id());
    }
    if (!spec.outputs().isEmpty()) {
      // They are uploaded by the artifacts sidecar when a job succeeds; a notebook never "succeeds".
      throw new IllegalArgumentException("a notebook has no dataset outputs on kubernetes; it writes to /storage");
    }
    PodDecorator.Pod pod = PodDecorator.Pod.base(settings, spec, "Always");
    // The kubelet ends the pod at the deadline even when the notebook-service is down (it enforces it as well).
    pod.pod().withActiveDeadlineSeconds(spec.maxRuntime() == null ? null : Math.max(1, spec.maxRuntime().toSeconds()));
    for (PodDecorator decorator : PodDecorators.notebook()) {
      decorator.decorate(pod);
    }
    return new PodBuilder()
        .withNewMetadata()
          .withName(KubernetesResources.name(ref))
          .withNamespace(KubernetesResources.namespace(settings, ref.team()))
          .withLabels(KubernetesResources.labels(spec))
        .endMetadata()
        .withSpec(pod.pod().addToContainers(pod.main().build()).build())
        .build();
  }
}
