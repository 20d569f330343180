package dev.incline.compute.docker;

import com.github.dockerjava.api.model.StreamType;
import dev.incline.compute.LogLine;
import dev.incline.compute.logs.StampedLineCounter;
import dev.incline.compute.logs.StampedPosition;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Turns the frames of a {@code logs?timestamps=true} stream into lines. The engine sends one frame
 * per log message, each prefixed with its RFC 3339 timestamp; a message is a line, or a piece of one
 * (the engine cuts long lines into 16 KiB messages), so lines are reassembled per stream here.
 *
 * <p>A line's position is the timestamp of the message it started in, plus a counter for lines that
 * share that timestamp. Reading again {@code since} the floor of that second re-reads every line with
 * that timestamp, so the counter comes out the same and lines at or before the position are skipped.
 */
final class DockerLogParser {

  static final int MAX_LINE_BYTES = 1024 * 1024;

  private final StampedLineCounter counter;
  private final Partial out = new Partial(LogLine.Stream.STDOUT);
  private final Partial err = new Partial(LogLine.Stream.STDERR);
  private String lastStamp = "1970-01-01T00:00:00Z";
  private Instant lastTime = Instant.EPOCH;

  /** @param after lines at or before this position are dropped; null for none */
  DockerLogParser(StampedPosition after) {
    this.counter = new StampedLineCounter(after);
  }

  /** The position of the last line handed out, or null when none was. */
  StampedPosition lastEmitted() {
    return counter.lastEmitted();
  }

  void accept(StreamType type, byte[] payload, Consumer<LogLine> sink) {
    Partial partial = switch (type) {
      case STDOUT, RAW -> out;
      case STDERR -> err;
      default -> null; // stdin is never sent for a container started without one
    };
    if (partial == null || payload.length == 0) {
      return;
    }
    int start = stripTimestamp(payload);
    String stamp = lastStamp;
    Instant time = lastTime;
    for (int i = start; i < payload.length; i++) {
      if (partial.size() == 0 && partial.stamp == null) {
        partial.stamp = stamp;
        partial.time = time;
      }
      if (payload[i] == '\n') {
        partial.write(payload, start, i - start);
        start = i + 1;
        emit(partial, sink);
      } else if (partial.size() + (i - start) >= MAX_LINE_BYTES) {
        // An endless line is cut, not buffered without bound.
        partial.write(payload, start, i - start);
        start = i;
        emit(partial, sink);
        partial.stamp = stamp;
        partial.time = time;
      }
    }
    if (start < payload.length) {
      if (partial.stamp == null) {
        partial.stamp = stamp;
        partial.time = time;
      }
      partial.write(payload, start, payload.length - start);
    }
  }

  /** The stream ended: a last line without a newline is still a line. */
  void finish(Consumer<LogLine> sink) {
    if (out.size() > 0) {
      emit(out, sink);
    }
    if (err.size() > 0) {
      emit(err, sink);
    }
  }

  /** Reads the message's timestamp into lastStamp/lastTime; returns where the message text starts. */
  private int stripTimestamp(byte[] payload) {
    int limit = Math.min(payload.length, 64);
    for (int i = 0; i < limit; i++) {
      if (payload[i] == ' ') {
        String candidate = new String(payload, 0, i, StandardCharsets.US_ASCII);
        Instant time = parseTime(candidate);
        if (time != null) {
          lastStamp = candidate;
          lastTime = time;
          return i + 1;
        }
        return 0;
      }
    }
    return 0; // no timestamp (a TTY's raw stream): the text keeps the last one seen
  }

  static Instant parseTime(String s) {
    return StampedPosition.parseTime(s);
  }

  private void emit(Partial partial, Consumer<LogLine> sink) {
    String text = partial.take();
    String stamp = partial.stamp;
    Instant time = partial.time;
    partial.stamp = null;
    partial.time = null;
    StampedPosition position = counter.next(stamp, time);
    if (position == null) {
      return;
    }
    sink.accept(new LogLine(partial.stream, text, time, position.wire()));
  }

  /** The unfinished line of one stream, with the timestamp of the message it started in. */
  private static final class Partial extends ByteArrayOutputStream {
    final LogLine.Stream stream;
    String stamp;
    Instant time;

    Partial(LogLine.Stream stream) {
      this.stream = stream;
    }

    String take() {
      int len = count;
      if (len > 0 && buf[len - 1] == '\r') {
        len--;
      }
      String s = new String(buf, 0, len, StandardCharsets.UTF_8);
      reset();
      return s;
    }
  }
}
