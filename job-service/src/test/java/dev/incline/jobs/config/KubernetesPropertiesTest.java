package dev.incline.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.compute.kubernetes.KubernetesRuntimeSettings;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** The contract's property names and defaults, bound as Spring binds them. */
class KubernetesPropertiesTest {

  private static KubernetesProperties bind(Map<String, Object> properties) {
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources().addFirst(new MapPropertySource("test", properties));
    return Binder.get(env).bindOrCreate("incline.compute.kubernetes", KubernetesProperties.class);
  }

  @Test
  void defaultsAreTheContracts() {
    KubernetesRuntimeSettings s = bind(Map.of()).settings(null);
    assertThat(s.namespacePrefix()).isEqualTo("incline-");
    assertThat(s.agentImage()).isEqualTo("incline/incline-agent:0.1.0");
    assertThat(s.workloadClusterRole()).isEqualTo("incline-workloads");
    assertThat(s.controllerServiceAccount()).isEqualTo("incline-job-service");
    assertThat(s.controllerNamespace()).isEqualTo(System.getenv().getOrDefault("POD_NAMESPACE", "incline"));
    assertThat(s.ttlSecondsAfterFinished()).isEqualTo(3600);
    assertThat(s.gpuResource()).isEqualTo("nvidia.com/gpu");
    assertThat(s.gpuTaintKey()).isEqualTo("nvidia.com/gpu");
    assertThat(s.storageClass()).isNull();
    assertThat(s.storageSize()).isEqualTo("100Gi");
    assertThat(s.kueue()).isEqualTo(new KubernetesRuntimeSettings.Kueue(false, "incline", "incline"));
    assertThat(s.quota().of("team_any")).isEqualTo(new KubernetesRuntimeSettings.Quota(4, "64", "256Gi"));
  }

  @Test
  void quotasBindByTeamIdAndDefaultIsTheKeyword() {
    KubernetesProperties p = bind(Map.of(
        "incline.compute.kubernetes.quota.default.gpus", "2",
        "incline.compute.kubernetes.quota.teams.[team_big].gpus", "16",
        "incline.compute.kubernetes.quota.teams.[team_big].memory", "1Ti",
        "incline.compute.kubernetes.kueue.enabled", "true",
        "incline.compute.kubernetes.kueue.cluster-queue", "gpus",
        "incline.compute.kubernetes.storage-class", "nfs"));
    KubernetesRuntimeSettings s = p.settings(URI.create("http://js:8081"));
    assertThat(s.quota().of("team_small")).isEqualTo(new KubernetesRuntimeSettings.Quota(2, "64", "256Gi"));
    assertThat(s.quota().of("team_big")).isEqualTo(new KubernetesRuntimeSettings.Quota(16, "64", "1Ti"));
    assertThat(s.kueue()).isEqualTo(new KubernetesRuntimeSettings.Kueue(true, "incline", "gpus"));
    assertThat(s.storageClass()).isEqualTo("nfs");
    assertThat(s.agentUrl()).isEqualTo(URI.create("http://js:8081"));
  }
}
