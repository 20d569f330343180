package dev.incline.compute.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import dev.incline.compute.LogLine;
import dev.incline.compute.logs.StampedPosition;
import dev.incline.compute.LogStream;
import dev.incline.compute.logs.LineQueue;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a container's log. docker-java calls back on its own thread with frames; they are parsed
 * into lines and put on a bounded queue, so a slow reader holds the engine's stream back instead of
 * buffering without bound. When the engine ends the stream while the container may still write (it
 * had not started yet, or the connection broke), the log is opened again after the last line queued.
 */
final class DockerLogStream implements LogStream {

  private static final Logger log = LoggerFactory.getLogger(DockerLogStream.class);
  static final int QUEUE_LINES = LineQueue.CAPACITY;
  private static final int MAX_FAILURES = 5;
  /** Between attempts while the container is being prepared, or after the engine ended a stream early. */
  private static final long WAIT_MS = 250;

  /** Where the frames come from: the engine, or a test. */
  interface Source {
    /** Starts following the log, from {@code sinceSeconds} (epoch seconds) or from the start when null. */
    void open(Long sinceSeconds, ResultCallback<Frame> callback);

    /** True while the container may still write: a stream that ended then is opened again. */
    boolean mayWriteMore();
  }

  private final LineQueue queue = new LineQueue();
  private final Source source;
  private final String name;
  private volatile boolean closed;
  private volatile Session session;
  private Thread supervisor;

  private DockerLogStream(Source source, String name) {
    this.source = source;
    this.name = name;
  }

  static DockerLogStream follow(Source source, StampedPosition after, String name) {
    DockerLogStream stream = new DockerLogStream(source, name);
    stream.supervisor = Thread.ofVirtual().name("docker-logs-" + name).start(() -> stream.run(after));
    return stream;
  }

  private void run(StampedPosition after) {
    StampedPosition resume = after;
    int failures = 0;
    try {
      while (!closed) {
        DockerLogParser parser = new DockerLogParser(resume);
        Session current = new Session(parser);
        session = current;
        try {
          source.open(resume == null ? null : resume.sinceSeconds(), current);
        } catch (RuntimeException e) {
          current.onError(e);
        }
        current.done.await();
        if (closed) {
          return;
        }
        if (parser.lastEmitted() != null) {
          resume = parser.lastEmitted();
          failures = 0;
        }
        boolean more;
        try {
          more = !(current.error instanceof NotFoundException) && source.mayWriteMore();
        } catch (RuntimeException e) {
          more = true; // the engine does not answer: count it as a failure below
          current.error = current.error == null ? e : current.error;
        }
        if (!more) {
          parser.finish(this::put);
          return;
        }
        if (current.error != null && ++failures > MAX_FAILURES) {
          log.warn("giving up following the log of {} after {} failures", name, failures, current.error);
          parser.finish(this::put);
          return;
        }
        // Lines of this attempt not yet complete are read again by the next one, from the last queued line.
        Thread.sleep(current.error == null ? WAIT_MS : WAIT_MS << failures);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      queue.finish();
    }
  }

  /** Blocks while the queue is full: that is the back pressure on the engine's stream. */
  private void put(LogLine line) {
    queue.put(line);
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
    closed = true;
    queue.close();
    Session current = session;
    if (current != null) {
      current.close();
    }
    if (supervisor != null) {
      supervisor.interrupt();
    }
  }

  /** One request to the engine: frames into the parser, then done. */
  private final class Session implements ResultCallback<Frame> {
    final DockerLogParser parser;
    final CountDownLatch done = new CountDownLatch(1);
    volatile Throwable error;
    private volatile Closeable connection;

    Session(DockerLogParser parser) {
      this.parser = parser;
    }

    @Override
    public void onStart(Closeable closeable) {
      connection = closeable;
      if (closed) {
        close();
      }
    }

    @Override
    public void onNext(Frame frame) {
      if (!closed) {
        parser.accept(frame.getStreamType(), frame.getPayload(), DockerLogStream.this::put);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      error = throwable;
      done.countDown();
    }

    @Override
    public void onComplete() {
      done.countDown();
    }

    @Override
    public void close() {
      Closeable c = connection;
      if (c != null) {
        try {
          c.close();
        } catch (IOException | RuntimeException ignored) {
          // closing a connection that is going away anyway
        }
      }
      done.countDown();
    }
  }
}
