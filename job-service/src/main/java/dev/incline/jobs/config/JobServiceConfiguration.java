package dev.incline.jobs.config;

import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.docker.DockerRuntime;
import dev.incline.compute.docker.DockerRuntimeSettings;
import dev.incline.compute.kubernetes.KubernetesRuntime;
import dev.incline.compute.process.ProcessRuntime;
import dev.incline.compute.process.ProcessRuntimeSettings;
import dev.incline.platform.archive.SafeArchive;
import dev.incline.platform.idempotency.IdempotencyStore;
import java.time.Clock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(KubernetesProperties.class)
class JobServiceConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  IdempotencyStore idempotencyStore(JdbcClient jdbc, TransactionTemplate tx, JsonMapper json) {
    return new IdempotencyStore(jdbc, tx, json);
  }

  private static SafeArchive.Limits limits(JobsProperties jobs) {
    return new SafeArchive.Limits(jobs.workspace().maxUnpackedSize().toBytes(), jobs.workspace().maxEntries());
  }

  @Bean
  @ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "process", matchIfMissing = true)
  WorkloadRuntime processRuntime(ComputeProperties compute, JobsProperties jobs) {
    return new ProcessRuntime(new ProcessRuntimeSettings(compute.workRoot(), compute.storageRoot(), compute.processPath(),
        limits(jobs)));
  }

  @Bean
  @ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "docker")
  WorkloadRuntime dockerRuntime(ComputeProperties compute, JobsProperties jobs) {
    return new DockerRuntime(new DockerRuntimeSettings(compute.dockerHost(), compute.workRoot(), compute.storageRoot(),
        limits(jobs)));
  }

  /**
   * The cluster fabric8 finds by itself: {@code KUBECONFIG} or {@code ~/.kube/config}, or inside a pod
   * its service account (system properties such as {@code kubernetes.master} override both). A
   * {@link KubernetesClient} bean, when there is one (tests), is used instead. The runtime closes it.
   */
  @Bean
  @ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "kubernetes")
  WorkloadRuntime kubernetesRuntime(KubernetesProperties kubernetes, JobsProperties jobs,
      ObjectProvider<KubernetesClient> client) {
    KubernetesClient k8s = client.getIfAvailable(() -> new KubernetesClientBuilder().build());
    return new KubernetesRuntime(k8s, kubernetes.settings(jobs.agentUrl()));
  }
}
