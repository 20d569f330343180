package dev.incline.compute.process;

import dev.incline.compute.LogLine;
import dev.incline.compute.LogStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;

/**
 * Follows a workload's stdout and stderr files. The position of a line is the byte offsets of both
 * files after it ({@code "<stdout>:<stderr>"}), so a follower that restarts from a stored position
 * reads every line exactly once.
 */
final class FileTailLogStream implements LogStream {

  static final int MAX_LINE_BYTES = 1024 * 1024;
  private static final long IDLE_SLEEP_MS = 5;

  private final Tail out;
  private final Tail err;
  private final BooleanSupplier finished;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private long returnedOut;
  private long returnedErr;
  private boolean ended;

  private record Pending(LogLine.Stream stream, String text, long endOffset) {}

  FileTailLogStream(Path stdout, Path stderr, String since, BooleanSupplier finished) {
    long[] start = parse(since);
    this.out = new Tail(stdout, LogLine.Stream.STDOUT, start[0]);
    this.err = new Tail(stderr, LogLine.Stream.STDERR, start[1]);
    this.returnedOut = start[0];
    this.returnedErr = start[1];
    this.finished = finished;
  }

  static long[] parse(String since) {
    if (since == null || since.isBlank()) {
      return new long[] {0, 0};
    }
    String[] parts = since.split(":");
    try {
      return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a process log position: " + since);
    }
  }

  @Override
  public LogLine next(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!queue.isEmpty()) {
        return emit(queue.poll());
      }
      if (ended) {
        return null;
      }
      // Read the exit state before the files: output written before exit is then surely on disk.
      boolean done = finished.getAsBoolean();
      boolean progressed = out.read(queue) | err.read(queue);
      if (!progressed && done) {
        out.flushPartial(queue);
        err.flushPartial(queue);
        if (queue.isEmpty()) {
          ended = true;
          return null;
        }
        continue;
      }
      if (!progressed) {
        if (System.nanoTime() >= deadline) {
          return null;
        }
        Thread.sleep(IDLE_SLEEP_MS);
      }
    }
  }

  private LogLine emit(Pending p) {
    if (p.stream() == LogLine.Stream.STDOUT) {
      returnedOut = p.endOffset();
    } else {
      returnedErr = p.endOffset();
    }
    return new LogLine(p.stream(), p.text(), Instant.now(), returnedOut + ":" + returnedErr);
  }

  @Override
  public boolean ended() {
    return ended && queue.isEmpty();
  }

  @Override
  public void close() {
    out.close();
    err.close();
  }

  /** One file being followed from an offset. */
  private static final class Tail {
    private final Path path;
    private final LogLine.Stream stream;
    private final ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private FileChannel channel;
    private long offset; // bytes consumed into complete lines or the partial buffer

    Tail(Path path, LogLine.Stream stream, long offset) {
      this.path = path;
      this.stream = stream;
      this.offset = offset;
    }

    boolean read(ArrayDeque<Pending> queue) {
      try {
        if (channel == null) {
          if (!Files.exists(path)) {
            return false;
          }
          channel = FileChannel.open(path, StandardOpenOption.READ);
        }
        buffer.clear();
        int n = channel.read(buffer, offset);
        if (n <= 0) {
          return false;
        }
        buffer.flip();
        byte[] bytes = buffer.array();
        int lineStart = 0;
        for (int i = 0; i < n; i++) {
          if (bytes[i] == '\n') {
            partial.write(bytes, lineStart, i - lineStart);
            lineStart = i + 1;
            queue.add(line(offset + lineStart));
          } else if (partial.size() + (i - lineStart) >= MAX_LINE_BYTES) {
            // An endless line is cut, not buffered without bound.
            partial.write(bytes, lineStart, i - lineStart);
            lineStart = i;
            queue.add(line(offset + lineStart));
          }
        }
        partial.write(bytes, lineStart, n - lineStart);
        offset += n;
        return true;
      } catch (NoSuchFileException e) {
        return false;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    private Pending line(long endOffset) {
      byte[] b = partial.toByteArray();
      partial.reset();
      int len = b.length;
      if (len > 0 && b[len - 1] == '\r') {
        len--;
      }
      return new Pending(stream, new String(b, 0, len, StandardCharsets.UTF_8), endOffset);
    }

    void flushPartial(ArrayDeque<Pending> queue) {
      if (partial.size() > 0) {
        queue.add(line(offset));
      }
    }

    void close() {
      try {
        if (channel != null) {
          channel.close();
        }
      } catch (IOException ignored) {
        // closing a read-only file
      }
    }
  }
}
