package dev.incline.jobs.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Largest-Triangle-Three-Buckets: keeps the points that preserve a line chart's visual shape (peaks
 * and dips survive), unlike averaging or taking every n-th point.
 */
public final class Downsampling {

  private Downsampling() {}

  public static List<MetricPoint> lttb(List<MetricPoint> points, int threshold) {
    int n = points.size();
    if (threshold >= n || threshold < 3) {
      return threshold < 3 && n > threshold && threshold > 0 ? points.subList(n - threshold, n) : points;
    }
    List<MetricPoint> out = new ArrayList<>(threshold);
    double every = (double) (n - 2) / (threshold - 2);
    int a = 0;
    out.add(points.getFirst());
    for (int i = 0; i < threshold - 2; i++) {
      int nextStart = (int) Math.floor((i + 1) * every) + 1;
      int nextEnd = Math.min((int) Math.floor((i + 2) * every) + 1, n);
      double avgX = 0;
      double avgY = 0;
      for (int j = nextStart; j < nextEnd; j++) {
        avgX += points.get(j).x();
        avgY += points.get(j).y();
      }
      int len = Math.max(nextEnd - nextStart, 1);
      avgX /= len;
      avgY /= len;
      int start = (int) Math.floor(i * every) + 1;
      int end = (int) Math.floor((i + 1) * every) + 1;
      MetricPoint pa = points.get(a);
      double maxArea = -1;
      int chosen = start;
      for (int j = start; j < end; j++) {
        MetricPoint p = points.get(j);
        double area = Math.abs((pa.x() - avgX) * (p.y() - pa.y()) - (pa.x() - p.x()) * (avgY - pa.y()));
        if (area > maxArea) {
          maxArea = area;
          chosen = j;
        }
      }
      out.add(points.get(chosen));
      a = chosen;
    }
    out.add(points.getLast());
    return out;
  }
}
