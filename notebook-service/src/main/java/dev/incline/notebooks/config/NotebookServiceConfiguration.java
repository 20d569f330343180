package dev.incline.notebooks.config;

import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.docker.DockerRuntime;
import dev.incline.compute.docker.DockerRuntimeSettings;
import dev.incline.compute.kubernetes.KubernetesRuntime;
import dev.incline.compute.process.ProcessRuntime;
import dev.incline.compute.process.ProcessRuntimeSettings;
import dev.incline.platform.project.ProjectDirectory;
import dev.incline.platform.security.InternalTokens;
import dev.incline.platform.service.ServiceCalls;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

@Configuration(proxyBeanMethods = false)
class NotebookServiceConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  ServiceCalls serviceCalls(InternalTokens tokens, JsonMapper json) {
    return new ServiceCalls(tokens, json, "notebook-service");
  }

  @Bean
  ProjectDirectory projectDirectory(NotebooksProperties properties, InternalTokens tokens) {
    return new ProjectDirectory(properties.services().jobs(), tokens);
  }

  // Notebooks have no workspace archive to unpack: the archive limits are the runtimes' defaults.
  @Bean
  @ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "process", matchIfMissing = true)
  WorkloadRuntime processRuntime(ComputeProperties compute) {
    return new ProcessRuntime(new ProcessRuntimeSettings(compute.workRoot(), compute.storageRoot(), compute.processPath(), null));
  }

  @Bean
  @ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "docker")
  WorkloadRuntime dockerRuntime(ComputeProperties compute) {
    return new DockerRuntime(new DockerRuntimeSettings(compute.dockerHost(), compute.workRoot(), compute.storageRoot(), null));
  }

  /**
   * The cluster fabric8 finds by itself: {@code KUBECONFIG} or {@code ~/.kube/config}, or inside a pod
   * its service account. A {@link KubernetesClient} bean, when there is one (tests), is used instead.
   * The runtime closes it.
   */
  @Bean
  @ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "kubernetes")
  WorkloadRuntime kubernetesRuntime(KubernetesProperties kubernetes, NotebooksProperties notebooks,
      ObjectProvider<KubernetesClient> client) {
    KubernetesClient k8s = client.getIfAvailable(() -> new KubernetesClientBuilder().build());
    return new KubernetesRuntime(k8s, kubernetes.settings(notebooks.agentUrl()));
  }
}
