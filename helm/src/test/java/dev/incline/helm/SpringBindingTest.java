package dev.incline.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;
import io.fabric8.kubernetes.api.model.ConfigMap;

/**
 * The rendered job-service.yaml as Spring binds it: records shaped like job-service's
 * {@code MachineType} and the runtime's quota settings, bound with Spring Boot's own Binder.
 */
class SpringBindingTest {

  record Gpu(int count, String model) {}

  record MachineType(String name, double cpu, int memoryGib, Gpu gpu, Map<String, String> nodeSelector) {}

  record Quota(int gpus, String cpu, String memory) {}

  record Quotas(Quota standard, Map<String, Quota> teams) {}

  private static Binder binder;

  @BeforeAll
  static void load() throws Exception {
    Chart gpu = Chart.render("values-gpu.yaml");
    String file = gpu.get(ConfigMap.class, "incline-job-service").getData().get("job-service.yaml");
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
    env.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
    new YamlPropertySourceLoader().load("job-service.yaml", new ByteArrayResource(file.getBytes()))
        .forEach(env.getPropertySources()::addLast);
    binder = new Binder(ConfigurationPropertySources.get(env));
  }

  @Test
  void nodeSelectorLabelsKeepTheirSlashes() {
    List<MachineType> types = binder.bind("incline.machine-types", Bindable.listOf(MachineType.class)).get();
    MachineType h100 = types.stream().filter(t -> t.name().equals("H100x8")).findFirst().orElseThrow();
    assertThat(h100.cpu()).isEqualTo(160);
    assertThat(h100.memoryGib()).isEqualTo(1800);
    assertThat(h100.gpu()).isEqualTo(new Gpu(8, "H100-80GB-HBM3"));
    assertThat(h100.nodeSelector()).containsExactly(Map.entry("nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"));
  }

  @Test
  void teamQuotasBindByTeamId() {
    Map<String, Quota> teams = binder.bind("incline.compute.kubernetes.quota.teams",
        Bindable.mapOf(String.class, Quota.class)).get();
    assertThat(teams).containsOnlyKeys("team_research", "team_inference");
    assertThat(teams.get("team_research")).isEqualTo(new Quota(16, "256", "2Ti"));
    assertThat(binder.bind("incline.compute.kubernetes.quota.default", Quota.class).get()).isEqualTo(new Quota(2, "64", "256Gi"));
  }

  @Test
  void withoutBracketsSpringWouldDropTheSlash() throws Exception {
    // why the chart writes "[nvidia.com/gpu.product]": this is what a plain key binds to
    StandardEnvironment env = new StandardEnvironment();
    new YamlPropertySourceLoader().load("plain.yaml", new ByteArrayResource(
            "m:\n  nvidia.com/gpu.product: A\n  team_x: B\n".getBytes()))
        .forEach(env.getPropertySources()::addLast);
    Map<String, String> plain = new Binder(ConfigurationPropertySources.get(env))
        .bind("m", Bindable.mapOf(String.class, String.class)).get();
    assertThat(plain).containsOnlyKeys("nvidia.comgpu.product", "team_x");
  }
}
