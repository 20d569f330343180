package dev.incline.jobs.metrics;

import dev.incline.jobs.stream.Sequenced;
import java.time.Instant;

/** A stored chart point. */
public record MetricPoint(long seq, String chart, double x, double y, Instant time) implements Sequenced {}
