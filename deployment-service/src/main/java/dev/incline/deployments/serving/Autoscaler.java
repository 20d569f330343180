package dev.incline.deployments.serving;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * How many replicas a deployment wants, from its concurrency (requests in flight, averaged): enough
 * that each replica serves about {@code targetConcurrency}. Up at once, from the average over a short
 * window; down only when every window during {@code scaleDownDelay} wanted fewer, so a pause between
 * bursts does not stop replicas that the next burst needs. Keeps its own history; one per deployment.
 */
public final class Autoscaler {

  private record Sample(Instant at, double concurrency) {}

  private record Want(Instant at, int replicas) {}

  private final Duration window;
  private final Duration scaleDownDelay;
  private final Deque<Sample> samples = new ArrayDeque<>();
  private final Deque<Want> wants = new ArrayDeque<>();

  public Autoscaler(Duration window, Duration scaleDownDelay) {
    this.window = window;
    this.scaleDownDelay = scaleDownDelay;
  }

  /**
   * @param concurrency the average concurrency since the previous call
   * @param current replicas of the current revision now
   */
  public int desired(Instant now, double concurrency, int current, int min, int max, int targetConcurrency) {
    samples.addLast(new Sample(now, concurrency));
    while (!samples.isEmpty() && samples.peekFirst().at().isBefore(now.minus(window))) {
      samples.removeFirst();
    }
    double average = samples.stream().mapToDouble(Sample::concurrency).average().orElse(0);
    int want = clamp((int) Math.ceil(average / Math.max(1, targetConcurrency) - 1e-9), min, max);
    wants.addLast(new Want(now, want));
    while (!wants.isEmpty() && wants.peekFirst().at().isBefore(now.minus(scaleDownDelay))) {
      wants.removeFirst();
    }
    if (want >= current) {
      return want;
    }
    // Down: to the most any window wanted during the delay, never below what is wanted now.
    int recentMax = wants.stream().mapToInt(Want::replicas).max().orElse(want);
    return clamp(Math.min(current, recentMax), min, max);
  }

  static int clamp(int n, int min, int max) {
    return Math.max(min, Math.min(max, n));
  }
}
