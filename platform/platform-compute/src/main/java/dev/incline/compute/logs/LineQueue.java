package dev.incline.compute.logs;

import dev.incline.compute.LogLine;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The hand-over between a thread that reads an engine's log and the {@link dev.incline.compute.LogStream}
 * reader: bounded, so a slow reader holds the engine's stream back instead of buffering without bound.
 */
public final class LineQueue {

  public static final int CAPACITY = 256;
  private static final long POLL_SLICE_MS = 50;

  private final BlockingQueue<LogLine> queue = new ArrayBlockingQueue<>(CAPACITY);
  private volatile boolean finished;
  private volatile boolean closed;

  /** Blocks while the queue is full: that is the back pressure on the engine's stream. */
  public void put(LogLine line) {
    try {
      while (!closed) {
        if (queue.offer(line, 100, TimeUnit.MILLISECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while queueing a log line", e);
    }
  }

  /** The producer will put no more lines. */
  public void finish() {
    finished = true;
  }

  public LogLine next(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!closed) {
      // Read the flag before polling: a line queued before the producer finished is then surely seen.
      boolean done = finished;
      long left = deadline - System.nanoTime();
      LogLine line = queue.poll(Math.max(0, Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_SLICE_MS))),
          TimeUnit.NANOSECONDS);
      if (line != null || done || left <= 0) {
        return line;
      }
    }
    return null;
  }

  public boolean ended() {
    return closed || (finished && queue.isEmpty());
  }

  public boolean closed() {
    return closed;
  }

  public void close() {
    closed = true;
    finished = true;
    queue.clear();
  }
}
