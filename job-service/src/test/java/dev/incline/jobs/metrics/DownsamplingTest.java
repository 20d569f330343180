package dev.incline.jobs.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DownsamplingTest {

  private static List<MetricPoint> series(int n) {
    List<MetricPoint> points = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double y = i == n / 2 ? 100 : Math.sin(i / 10.0);
      points.add(new MetricPoint(i + 1, "loss", i, y, Instant.EPOCH));
    }
    return points;
  }

  @Test
  void keepsEndsAndTheSpikeWithinTheBudget() {
    List<MetricPoint> points = series(10_000);
    List<MetricPoint> sampled = Downsampling.lttb(points, 100);
    assertThat(sampled).hasSize(100);
    assertThat(sampled.getFirst()).isEqualTo(points.getFirst());
    assertThat(sampled.getLast()).isEqualTo(points.getLast());
    assertThat(sampled).extracting(MetricPoint::y).contains(100.0);
    assertThat(sampled).extracting(MetricPoint::x).isSorted();
  }

  @Test
  void leavesShortSeriesAlone() {
    List<MetricPoint> points = series(50);
    assertThat(Downsampling.lttb(points, 100)).isEqualTo(points);
    assertThat(Downsampling.lttb(points, 50)).isEqualTo(points);
  }

  @Test
  void tinyBudgetsKeepTheNewestPoints() {
    List<MetricPoint> points = series(50);
    assertThat(Downsampling.lttb(points, 2)).containsExactly(points.get(48), points.get(49));
  }
}
