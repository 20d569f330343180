package dev.incline.storage.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FilePathsTest {

  @Test
  void normalisesHarmlessOddities() {
    assertThat(FilePaths.normalise("a//b")).isEqualTo("a/b");
    assertThat(FilePaths.normalise("./a/./b.txt")).isEqualTo("a/b.txt");
    // NFD "é" (e + combining accent) becomes NFC, so both spellings name one file
    assertThat(FilePaths.normalise("caf\u0065\u0301.csv")).isEqualTo("caf\u00e9.csv");
    assertThat(FilePaths.normalise("日本語/ü x.txt")).isEqualTo("日本語/ü x.txt");
    assertThat(FilePaths.prefix("train//")).isEqualTo("train/");
    assertThat(FilePaths.prefix("")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/etc/passwd", "../x", "a/../../x", "a/..", "dir/", ".", "./", "a\u0000b", "a\nb", "a\\b"})
  void rejectsWhatCouldEscapeOrConfuse(String path) {
    assertThatThrownBy(() -> FilePaths.normalise(path)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsNamesNoFilesystemTakes() {
    assertThatThrownBy(() -> FilePaths.normalise("n".repeat(1000))).hasMessageContaining("255");
    String deep = ("d".repeat(200) + "/").repeat(5) + "f";
    assertThatThrownBy(() -> FilePaths.normalise(deep)).hasMessageContaining("longer than");
    assertThat(FilePaths.normalise("n".repeat(255))).hasSize(255);
  }
}
