package dev.incline.deployments.config;

import dev.incline.compute.kubernetes.serving.KubernetesServing;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With {@code incline.compute.runtime=kubernetes} the cluster runs the replicas: deployment-service
 * needs no {@code WorkloadRuntime} then, only {@link KubernetesServing} and its client.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "kubernetes")
class KubernetesConfiguration {

  /**
   * The cluster fabric8 finds by itself: {@code KUBECONFIG} or {@code ~/.kube/config}, or inside a pod
   * its service account (system properties such as {@code kubernetes.master} override both). A
   * {@link KubernetesClient} bean, when there is one (tests), is used instead, and stays its owner's.
   */
  @Bean
  Cluster kubernetesCluster(ObjectProvider<KubernetesClient> client) {
    KubernetesClient given = client.getIfAvailable();
    return given != null ? new Cluster(given, false) : new Cluster(new KubernetesClientBuilder().build(), true);
  }

  @Bean
  KubernetesServing kubernetesServing(Cluster cluster, KubernetesProperties kubernetes) {
    return new KubernetesServing(cluster.client, kubernetes.settings());
  }

  /** The client, closed with the context when this configuration made it. */
  static final class Cluster implements DisposableBean {
    private final KubernetesClient client;
    private final boolean owned;

    Cluster(KubernetesClient client, boolean owned) {
      this.client = client;
      this.owned = owned;
    }

    @Override
    public void destroy() {
      if (owned) {
        client.close();
      }
    }
  }
}
