package dev.incline.modelserver.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incline.modelserver.config.ModelServerProperties;
import dev.incline.modelserver.config.ModelServerProperties.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

class ModelSourceTest {

  @TempDir Path dir;

  private static ModelServerProperties properties(List<Model> models, Path modelDir) {
    return new ModelServerProperties(models, modelDir, 0, Duration.ofSeconds(1), DataSize.ofMegabytes(1), 0, Map.of(),
        Duration.ZERO, Duration.ZERO);
  }

  @Test
  void listedModelsComeFirstThenModelDirByName() throws IOException {
    Files.createDirectories(dir.resolve("zeta"));
    Files.writeString(dir.resolve("zeta/model.onnx"), "x");
    Files.createDirectories(dir.resolve("alpha"));
    Files.writeString(dir.resolve("alpha/model.onnx"), "x");
    Files.createDirectories(dir.resolve("notes")); // no model.onnx: not a model
    Files.writeString(dir.resolve("README.md"), "x");

    List<ModelSource> sources = ModelSource.resolve(properties(List.of(new Model("digits", Path.of("/m/d.onnx"), "3")), dir));

    assertThat(sources).containsExactly(
        new ModelSource("digits", Path.of("/m/d.onnx"), "3"),
        new ModelSource("alpha", dir.resolve("alpha/model.onnx"), "1"),
        new ModelSource("zeta", dir.resolve("zeta/model.onnx"), "1"));
  }

  @Test
  void configurationMistakesStopTheStart() {
    assertThatThrownBy(() -> ModelSource.resolve(properties(List.of(), null)))
        .hasMessageContaining("no models to serve");
    assertThatThrownBy(() -> ModelSource.resolve(properties(List.of(), dir)))
        .hasMessageContaining("no models to serve").hasMessageContaining("has no <name>/model.onnx");
    assertThatThrownBy(() -> ModelSource.resolve(properties(List.of(), dir.resolve("missing"))))
        .hasMessageContaining("is not a directory");
    assertThatThrownBy(() -> ModelSource.resolve(properties(
        List.of(new Model("a", Path.of("a.onnx"), "1"), new Model("a", Path.of("b.onnx"), "1")), null)))
        .hasMessageContaining("incline.model-server.models[1]: model name 'a' is used twice");
    assertThatThrownBy(() -> ModelSource.resolve(properties(List.of(new Model("a/b", Path.of("a.onnx"), "1")), null)))
        .hasMessageContaining("model name 'a/b' must be");
    assertThatThrownBy(() -> ModelSource.resolve(properties(List.of(new Model("a", null, "1")), null)))
        .hasMessageContaining("incline.model-server.models[0] needs a name and a path");
  }

  @Test
  void maxConcurrencyDefaultsToTwicetheProcessors() {
    assertThat(properties(List.of(), null).maxConcurrency()).isEqualTo(2 * Runtime.getRuntime().availableProcessors());
  }
}
