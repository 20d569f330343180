package dev.incline.modelserver;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The models that {@code src/test/python/make_test_models.py} builds, and the numbers they compute.
 * {@code digits}: {@code scores = input @ W + b}, {@code input} FP32 [N, 64], {@code scores} FP32 [N, 10].
 */
public final class TestModels {
  private TestModels() {}

  /** {@code target/test-classes/models}: one {@code <name>/model.onnx} per model. */
  public static Path dir() {
    try {
      return Path.of(TestModels.class.getResource("/models").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Path digits() {
    return dir().resolve("digits/model.onnx");
  }

  public static Path types() {
    return dir().resolve("types/model.onnx");
  }

  /** The script's {@code W[i][j] = ((7*i + 3*j) % 17 - 8) / 16}. */
  public static double weight(int i, int j) {
    return ((7 * i + 3 * j) % 17 - 8) / 16.0;
  }

  /** The script's {@code b[j] = (j - 5) / 8}. */
  public static double bias(int j) {
    return (j - 5) / 8.0;
  }

  /** A batch of {@code rows} digits inputs, flat and row-major; every value is exact in binary. */
  public static float[] digitsInput(int rows) {
    float[] input = new float[rows * 64];
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < 64; i++) {
        input[r * 64 + i] = ((r * 64 + i * 5) % 11 - 5) / 4.0f;
      }
    }
    return input;
  }

  /** What the digits model answers for {@code input}: [rows, 10], flat. */
  public static float[] digitsScores(float[] input) {
    int rows = input.length / 64;
    float[] scores = new float[rows * 10];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < 10; j++) {
        double sum = bias(j);
        for (int i = 0; i < 64; i++) {
          sum += input[r * 64 + i] * weight(i, j);
        }
        scores[r * 10 + j] = (float) sum;
      }
    }
    return scores;
  }
}
