package dev.incline.compute.kubernetes;

import dev.incline.compute.WorkloadSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.Map;

/**
 * A job workload as a {@code batch/v1} Job of one pod. {@code backoffLimit} is 0 because retries are
 * job-service's: each attempt is its own workload with its own id (see JobSpecs), so the cluster
 * never re-runs an attempt behind the service's back.
 */
public final class JobManifest {

  private JobManifest() {}

  public static Job job(KubernetesRuntimeSettings settings, WorkloadSpec spec) {
    Map<String, String> labels = KubernetesResources.labels(spec);
    if (settings.kueue().enabled()) {
      labels.put(KubernetesResources.LABEL_KUEUE_QUEUE, settings.kueue().queueName());
    }
    PodDecorator.Pod pod = PodDecorator.Pod.base(settings, spec, "Never");
    for (PodDecorator decorator : PodDecorators.ordered()) {
      decorator.decorate(pod);
    }
    return new JobBuilder()
        .withNewMetadata()
          .withName(KubernetesResources.name(spec.ref()))
          .withNamespace(KubernetesResources.namespace(settings, spec.ref().team()))
          .withLabels(labels)
        .endMetadata()
        .withNewSpec()
          .withBackoffLimit(0)
          .withActiveDeadlineSeconds(spec.maxRuntime() == null ? null : Math.max(1, spec.maxRuntime().toSeconds()))
          .withTtlSecondsAfterFinished((int) Math.min(Integer.MAX_VALUE, settings.ttlSecondsAfterFinished()))
          // Kueue admits a suspended Job by resuming it; without Kueue it starts at once.
          .withSuspend(settings.kueue().enabled() ? true : null)
          .withNewTemplate()
            .withNewMetadata()
              .withLabels(KubernetesResources.labels(spec))
            .endMetadata()
            .withSpec(pod.pod().addToContainers(pod.main().build()).build())
          .endTemplate()
        .endSpec()
        .build();
  }
}
