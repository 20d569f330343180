package dev.incline.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.gateway.config.GatewayProperties;
import dev.incline.jobs.config.JobsProperties;
import dev.incline.jobs.config.KubernetesProperties;
import dev.incline.jobs.machine.MachineType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.io.ByteArrayResource;

/**
 * The rendered configuration files bound by Spring Boot's Binder to the services' own
 * {@code @ConfigurationProperties} records: the chart and the services agree on every name.
 */
class SpringBindingTest {

  private static Binder gpu;
  private static Binder defaults;
  private static Binder gateway;

  @BeforeAll
  static void load() {
    Chart gpuChart = Chart.render("values-gpu.yaml");
    Chart defaultChart = Chart.render();
    gpu = binder(file(gpuChart, "job-service"));
    defaults = binder(file(defaultChart, "job-service"));
    gateway = binder(file(defaultChart, "api-gateway"));
  }

  @Test
  void kubernetesSettingsBindToJobServicesProperties() {
    KubernetesProperties k8s = gpu.bind("incline.compute.kubernetes", KubernetesProperties.class).get();
    assertThat(k8s.namespacePrefix()).isEqualTo("incline-");
    assertThat(k8s.agentImage()).isEqualTo("registry.example.com/incline/incline-agent:0.1.0");
    assertThat(k8s.workloadClusterRole()).isEqualTo("incline-workloads");
    assertThat(k8s.controllerServiceAccount()).isEqualTo("incline-job-service");
    assertThat(k8s.controllerNamespace()).isEqualTo("incline");
    assertThat(k8s.ttlSecondsAfterFinished()).isEqualTo(3600);
    assertThat(k8s.gpuResource()).isEqualTo("nvidia.com/gpu");
    assertThat(k8s.gpuTaintKey()).isEqualTo("nvidia.com/gpu");
    assertThat(k8s.storageClass()).isEqualTo("nfs-rwx");
    assertThat(k8s.storageSize()).isEqualTo("500Gi");
    assertThat(k8s.kueue()).isEqualTo(new KubernetesProperties.Kueue(true, "incline", "incline-gpu"));
    assertThat(k8s.quota().standard()).isEqualTo(new KubernetesProperties.Quota(2, "64", "256Gi"));
    assertThat(k8s.quota().teams()).containsOnlyKeys("team_research", "team_inference");
    assertThat(k8s.quota().teams().get("team_research")).isEqualTo(new KubernetesProperties.Quota(16, "256", "2Ti"));

    KubernetesProperties plain = defaults.bind("incline.compute.kubernetes", KubernetesProperties.class).get();
    assertThat(plain.storageClass()).isEmpty();
    assertThat(plain.quota().teams()).isNullOrEmpty();
    assertThat(defaults.bind("incline.compute.runtime", String.class).get()).isEqualTo("kubernetes");
  }

  @Test
  void jobSettingsBindToJobsProperties() {
    JobsProperties jobs = gpu.bind("incline.jobs", JobsProperties.class).get();
    assertThat(jobs.agentUrl()).isEqualTo(URI.create("http://incline-job-service.incline.svc:8081"));
    assertThat(jobs.defaultMachineType()).isEqualTo("C5");
    assertThat(jobs.defaultImage()).isEqualTo("python:3.11");
  }

  @Test
  void machineTypesBindWithTheirGpusAndNodeLabels() {
    List<MachineType> types = gpu.bind("incline.machine-types", Bindable.listOf(MachineType.class)).get();
    assertThat(types).extracting(MachineType::name).containsExactly("C3", "C5", "C7", "A100", "A100x4", "H100", "H100x8");
    MachineType h100 = types.get(6);
    assertThat(h100.cpu()).isEqualTo(160);
    assertThat(h100.memoryGib()).isEqualTo(1800);
    assertThat(h100.gpu()).isEqualTo(new MachineType.Gpu(8, "H100-80GB-HBM3"));
    assertThat(h100.nodeSelector()).containsExactly(Map.entry("nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"));
    assertThat(types.getFirst().gpu()).isNull();
    assertThat(types.getFirst().nodeSelector()).isEmpty();
  }

  @Test
  void gatewaySettingsBindToGatewayProperties() {
    GatewayProperties properties = gateway.bind("incline.gateway", GatewayProperties.class).get();
    assertThat(properties.services().jobs()).isEqualTo(URI.create("http://incline-job-service:8081"));
    assertThat(properties.bootstrap().team()).isEqualTo("default");
    assertThat(properties.bootstrap().keyFile()).as("nothing written on a read-only filesystem").isNull();
    assertThat(properties.rateLimit().requestsPerSecond()).isEqualTo(100);
    assertThat(properties.rateLimit().burst()).isEqualTo(200);
  }

  @Test
  void withoutBracketsSpringWouldDropTheSlashOfANodeLabel() {
    // why the chart writes "[nvidia.com/gpu.product]": this is what a plain key binds to
    Map<String, String> plain = binder("m:\n  nvidia.com/gpu.product: A\n")
        .bind("m", Bindable.mapOf(String.class, String.class)).get();
    assertThat(plain).containsOnlyKeys("nvidia.comgpu.product");
  }

  private static String file(Chart chart, String service) {
    return chart.get(ConfigMap.class, Chart.RELEASE + "-" + service).getData().get(service + ".yaml");
  }

  private static Binder binder(String yaml) {
    MutablePropertySources sources = new MutablePropertySources();
    try {
      new YamlPropertySourceLoader().load("config.yaml", new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)))
          .forEach(sources::addLast);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Binder(ConfigurationPropertySources.from(sources));
  }
}
