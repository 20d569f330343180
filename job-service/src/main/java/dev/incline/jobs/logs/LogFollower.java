package dev.incline.jobs.logs;

import dev.incline.compute.LogLine;
import dev.incline.compute.LogStream;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.jobs.metrics.ChartLineParser;
import dev.incline.jobs.metrics.MetricPoint;
import dev.incline.jobs.stream.EventBus;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Follows one attempt of one job: reads its output from the runtime, turns chart lines into metric
 * points, stores lines and points in batches with the position they end at, then publishes them to
 * this replica's streams. Ends when the workload's output ends, marking the logs drained.
 */
final class LogFollower implements Runnable {

  private final UUID jobId;
  private final int attempt;
  private final WorkloadRef ref;
  private final WorkloadRuntime runtime;
  private final LogStore store;
  private final EventBus bus;
  private final ChartLineParser parser;
  private final Duration flushInterval;
  private final int batchSize;
  private final Counter linesCounter;
  private final Counter pointsCounter;

  private String position;
  private long logSeq;
  private long metricSeq;
  private final Map<String, Double> lastX;
  private final List<LogRecord> lines = new ArrayList<>();
  private final List<MetricPoint> points = new ArrayList<>();
  private long firstPendingAt;
  private volatile boolean stopped;

  LogFollower(UUID jobId, WorkloadRef ref, LogStore.FollowState state, Map<String, Double> lastX, WorkloadRuntime runtime,
      LogStore store, EventBus bus, ChartLineParser parser, Duration flushInterval, int batchSize,
      Counter linesCounter, Counter pointsCounter) {
    this.jobId = jobId;
    this.attempt = state.attempt();
    this.ref = ref;
    this.position = state.position();
    this.logSeq = state.logSeq();
    this.metricSeq = state.metricSeq();
    this.lastX = lastX;
    this.runtime = runtime;
    this.store = store;
    this.bus = bus;
    this.parser = parser;
    this.flushInterval = flushInterval;
    this.batchSize = batchSize;
    this.linesCounter = linesCounter;
    this.pointsCounter = pointsCounter;
  }

  void stop() {
    stopped = true;
  }

  @Override
  public void run() {
    try (LogStream stream = runtime.logs(ref, position)) {
      while (!stopped) {
        LogLine line = stream.next(flushInterval);
        if (line != null) {
          accept(line);
        }
        boolean ended = stream.ended();
        if (ended) {
          flush(true);
          return;
        }
        int pending = lines.size() + points.size();
        if (pending > 0 && (pending >= batchSize || System.nanoTime() - firstPendingAt >= flushInterval.toNanos())) {
          if (!flush(false)) {
            return;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void accept(LogLine line) {
    if (lines.isEmpty() && points.isEmpty()) {
      firstPendingAt = System.nanoTime();
    }
    position = line.position();
    Optional<ChartLineParser.ChartPoint> point = line.stream() == LogLine.Stream.STDOUT
        ? parser.parse(line.text()) : Optional.empty();
    if (point.isPresent()) {
      ChartLineParser.ChartPoint p = point.get();
      double x = p.x() != null ? p.x() : lastX.getOrDefault(p.chart(), -1.0) + 1;
      lastX.put(p.chart(), x);
      points.add(new MetricPoint(++metricSeq, p.chart(), x, p.y(), line.time()));
    } else {
      lines.add(new LogRecord(++logSeq, line.text(), line.stream().wire(), line.time()));
    }
  }

  /** Stores and publishes what is pending; false when the job moved on to another attempt. */
  private boolean flush(boolean drained) {
    List<LogRecord> l = List.copyOf(lines);
    List<MetricPoint> p = List.copyOf(points);
    if (!store.append(jobId, attempt, l, p, position, logSeq, metricSeq, drained)) {
      stopped = true;
      return false;
    }
    lines.clear();
    points.clear();
    linesCounter.increment(l.size());
    pointsCounter.increment(p.size());
    if (!l.isEmpty()) {
      bus.publish(Topics.logs(jobId), l);
    }
    if (!p.isEmpty()) {
      bus.publish(Topics.metrics(jobId), p);
    }
    return true;
  }
}
