package dev.incline.deployments.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AutoscalerTest {

  private final Instant t0 = Instant.parse("2026-11-21T10:00:00Z");
  private final Autoscaler a = new Autoscaler(Duration.ofSeconds(10), Duration.ofSeconds(60));

  private int at(int second, double concurrency, int current) {
    return a.desired(t0.plusSeconds(second), concurrency, current, 1, 5, 4);
  }

  @Test
  void noLoadKeepsTheMinimum() {
    assertThat(at(0, 0, 0)).isEqualTo(1);
    assertThat(at(1, 0, 1)).isEqualTo(1);
  }

  @Test
  void scalesUpAtOnceToConcurrencyOverTarget() {
    assertThat(at(0, 12, 1)).isEqualTo(3); // 12 in flight / 4 per replica
    assertThat(at(1, 12.5, 3)).isEqualTo(4); // average 12.25 -> 4
  }

  @Test
  void neverAboveTheMaximum() {
    assertThat(at(0, 400, 1)).isEqualTo(5);
  }

  @Test
  void scalesDownOnlyAfterTheDelay() {
    for (int s = 0; s < 10; s++) {
      at(s, 16, 4);
    }
    // load gone: the window's average falls, but the last minute wanted 4
    assertThat(at(20, 0, 4)).isEqualTo(4);
    assertThat(at(50, 0, 4)).isEqualTo(4);
    // a minute after the last busy second
    assertThat(at(75, 0, 4)).isEqualTo(1);
  }

  @Test
  void aShortPauseDoesNotScaleDown() {
    for (int s = 0; s < 30; s++) {
      at(s, 8, 2);
    }
    assertThat(at(35, 0, 2)).isEqualTo(2);
    assertThat(at(36, 8, 2)).isEqualTo(2);
  }

  @Test
  void exactMultiplesDoNotAskForAnExtraReplica() {
    assertThat(at(0, 8, 2)).isEqualTo(2);
  }
}
