package dev.incline.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class ComputePropertiesTest {

  @Test
  void directoriesDefaultUnderTheUsersHome() {
    ComputeProperties p = new Binder(new MapConfigurationPropertySource(Map.of("incline.compute.runtime", "process")))
        .bind("incline.compute", ComputeProperties.class).get();
    Path home = Path.of(System.getProperty("user.home"), ".incline");
    assertThat(p.workRoot()).isEqualTo(home.resolve("runs"));
    assertThat(p.storageRoot()).isEqualTo(home.resolve("storage"));
    assertThat(p.workRoot().toString()).doesNotContain("${");
  }

  @Test
  void configuredDirectoriesWin() {
    ComputeProperties p = new Binder(new MapConfigurationPropertySource(Map.of("incline.compute.work-root", "/srv/runs")))
        .bind("incline.compute", ComputeProperties.class).get();
    assertThat(p.workRoot()).isEqualTo(Path.of("/srv/runs"));
  }
}
