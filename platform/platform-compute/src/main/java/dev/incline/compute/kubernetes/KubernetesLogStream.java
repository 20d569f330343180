package dev.incline.compute.kubernetes;

import dev.incline.compute.LogLine;
import dev.incline.compute.LogStream;
import dev.incline.compute.logs.LineQueue;
import dev.incline.compute.logs.StampedLineCounter;
import dev.incline.compute.logs.StampedPosition;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the main container's log with {@code timestamps=true}. The API server ends a followed log
 * when the container ends, or when a connection breaks; then the log is opened again with
 * {@code sinceTime} at the last line's second, and lines at or before it are skipped. Whether the
 * container may still write is decided <em>before</em> a read, so the read after it has ended is
 * a complete one and the stream ends after it. Kubernetes does not keep stdout and stderr apart:
 * every line is {@link LogLine.Stream#STDOUT}.
 */
final class KubernetesLogStream implements LogStream {

  private static final Logger log = LoggerFactory.getLogger(KubernetesLogStream.class);
  private static final int MAX_FAILURES = 8;
  private static final long WAIT_MS = 250;

  /** Where the log comes from: the API server, or a test. */
  interface Source {
    /** The log from {@code sinceTime} (or the start when null); null when there is nothing to read yet. */
    Opened open(Instant sinceTime) throws IOException;

    /** True while the main container may still write. */
    boolean mayWriteMore();
  }

  /** An open log: its bytes and how to cut the connection. */
  record Opened(InputStream in, Closeable connection) {}

  private final LineQueue queue = new LineQueue();
  private final Source source;
  private final String name;
  private volatile Closeable connection;
  private Thread reader;

  private KubernetesLogStream(Source source, String name) {
    this.source = source;
    this.name = name;
  }

  static KubernetesLogStream follow(Source source, StampedPosition after, String name) {
    KubernetesLogStream stream = new KubernetesLogStream(source, name);
    stream.reader = Thread.ofVirtual().name("k8s-logs-" + name).start(() -> stream.run(after));
    return stream;
  }

  private void run(StampedPosition after) {
    StampedPosition resume = after;
    int failures = 0;
    int emptyFinalReads = 0;
    try {
      while (!queue.closed()) {
        boolean last;
        try {
          last = !source.mayWriteMore();
        } catch (RuntimeException e) {
          last = false;
          if (++failures > MAX_FAILURES) {
            log.warn("giving up following the log of {}", name, e);
            return;
          }
        }
        StampedLineCounter counter = new StampedLineCounter(resume);
        boolean complete = false;
        try {
          Opened opened = source.open(resume == null ? null : Instant.ofEpochSecond(resume.sinceSeconds()));
          if (opened != null) {
            connection = opened.connection();
            read(opened.in(), counter);
          }
          // A final read that found no pod may have raced the API server's view of it: look twice more
          // (briefly: a pod deleted by a stop really has nothing more to give).
          complete = opened != null || !last || ++emptyFinalReads > 2;
          failures = last ? failures : 0;
        } catch (IOException | RuntimeException e) {
          if (queue.closed()) {
            return;
          }
          if (++failures > MAX_FAILURES) {
            log.warn("giving up following the log of {} after {} failures", name, failures, e);
            return;
          }
          log.debug("reading the log of {} failed; reopening", name, e);
        } finally {
          closeConnection();
        }
        if (counter.lastEmitted() != null) {
          resume = counter.lastEmitted();
        }
        if (last && complete) {
          return; // the read after the container ended got everything
        }
        Thread.sleep(failures == 0 ? WAIT_MS : Math.min(WAIT_MS << failures, 10_000));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      queue.finish();
    }
  }

  private void read(InputStream in, StampedLineCounter counter) throws IOException {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while (!queue.closed() && (line = lines.readLine()) != null) {
        int space = line.indexOf(' ');
        Instant time = space > 0 ? StampedPosition.parseTime(line.substring(0, space)) : null;
        if (time == null) {
          continue; // every line of a timestamps=true log starts with one; anything else is not a line of it
        }
        String stamp = line.substring(0, space);
        StampedPosition position = counter.next(stamp, time);
        if (position != null) {
          queue.put(new LogLine(LogLine.Stream.STDOUT, line.substring(space + 1), time, position.wire()));
        }
      }
    }
  }

  private void closeConnection() {
    Closeable c = connection;
    connection = null;
    if (c != null) {
      try {
        c.close();
      } catch (IOException | RuntimeException ignored) {
        // closing a connection that is going away anyway
      }
    }
  }

  @Override
  public LogLine next(Duration timeout) throws InterruptedException {
    return queue.next(timeout);
  }

  @Override
  public boolean ended() {
    return queue.ended();
  }

  @Override
  public void close() {
    queue.close();
    closeConnection();
    if (reader != null) {
      reader.interrupt();
    }
  }
}
