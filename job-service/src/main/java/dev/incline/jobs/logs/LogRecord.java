package dev.incline.jobs.logs;

import dev.incline.jobs.stream.Sequenced;
import java.time.Instant;

/** A stored log line: {@code {seq, line, stream, time}} on the wire. */
public record LogRecord(long seq, String line, String stream, Instant time) implements Sequenced {}
