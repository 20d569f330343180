package dev.incline.jobs.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incline.platform.error.InvalidRequestException;
import org.junit.jupiter.api.Test;

class ArtifactPathsTest {

  @Test
  void relativePathsAreKeptNormalized() {
    assertThat(ArtifactPaths.normalize("model.onnx")).isEqualTo("model.onnx");
    assertThat(ArtifactPaths.normalize("checkpoints//epoch-1/./state.pt")).isEqualTo("checkpoints/epoch-1/state.pt");
    assertThat(ArtifactPaths.normalize("dir/")).isEqualTo("dir");
    assertThat(ArtifactPaths.normalize("a..b/c..")).as("dots inside a name are fine").isEqualTo("a..b/c..");
  }

  @Test
  void climbingAbsoluteEmptyAndOversizedPathsAreRefused() {
    for (String bad : new String[] {null, "", " ", "..", "../x", "a/../../x", "a/..", "/abs", "C:/x", "a\\b", ".", "./",
        "a\nb", "x".repeat(1025)}) {
      assertThatThrownBy(() -> ArtifactPaths.normalize(bad)).as(String.valueOf(bad))
          .isInstanceOf(InvalidRequestException.class)
          .satisfies(e -> assertThat(((InvalidRequestException) e).errors().getFirst().field()).isEqualTo("path"));
    }
    assertThat(ArtifactPaths.normalize("x".repeat(1024))).hasSize(1024);
  }
}
