package dev.incline.modelserver.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.incline.modelserver.TestModels;
import dev.incline.modelserver.error.InferenceException;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which runs go to the pool and which run on the caller's thread, on the real digits model. */
class PlatformThreadRunnerTest {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private OrtSession session;

  @BeforeEach
  void open() throws Exception {
    session = ENV.createSession(TestModels.digits().toString(), new OrtSession.SessionOptions());
  }

  @AfterEach
  void close() throws Exception {
    session.close();
  }

  private float[] run(PlatformThreadRunner runner, int rows) throws Exception {
    float[] input = TestModels.digitsInput(rows);
    try (OnnxTensor tensor = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(input), new long[] {rows, 64});
         OrtSession.Result result = runner.run(session, Map.of("input", tensor), Set.of("scores"))) {
      float[] scores = new float[rows * 10];
      ((OnnxTensor) result.get(0)).getFloatBuffer().get(scores);
      return scores;
    }
  }

  @Test
  void aFastModelRunsOnTheCallersThreadOnceItsCostIsKnown() throws Exception {
    PlatformThreadRunner runner = new PlatformThreadRunner(2, Duration.ofMillis(200));
    try {
      assertThat(runner.runsInline(session, 65)).isFalse(); // nothing known yet: the first run goes to the pool
      assertThat(run(runner, 1)).containsExactly(TestModels.digitsScores(TestModels.digitsInput(1)));
      // a one-row run of a linear layer takes microseconds, far below 200 ms (however slow the machine)
      assertThat(runner.runsInline(session, 65)).isTrue();
      assertThat(run(runner, 3)).containsExactly(TestModels.digitsScores(TestModels.digitsInput(3)));
      // a batch large enough to take longer than the threshold still goes to the pool
      assertThat(runner.runsInline(session, 1L << 50)).isFalse();
    } finally {
      runner.destroy();
    }
  }

  @Test
  void withThresholdZeroEveryRunGoesToThePool() throws Exception {
    PlatformThreadRunner runner = new PlatformThreadRunner(1, Duration.ZERO);
    try {
      for (int i = 0; i < 3; i++) {
        assertThat(run(runner, 1)).containsExactly(TestModels.digitsScores(TestModels.digitsInput(1)));
      }
      assertThat(runner.runsInline(session, 65)).isFalse();
    } finally {
      runner.destroy();
    }
  }

  @Test
  void afterShutdownNoRunStartsInlineOrPooled() throws Exception {
    PlatformThreadRunner runner = new PlatformThreadRunner(1, Duration.ofMillis(200));
    run(runner, 1);
    assertThat(runner.runsInline(session, 65)).isTrue();
    runner.destroy();
    assertThatThrownBy(() -> run(runner, 1)).isInstanceOf(InferenceException.class).hasMessageContaining("shutting down");
  }
}
