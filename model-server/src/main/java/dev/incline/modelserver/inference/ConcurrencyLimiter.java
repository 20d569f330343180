package dev.incline.modelserver.inference;

import dev.incline.modelserver.error.InferenceException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.HttpStatus;

/**
 * At most {@code limit} inferences at once; the next ones wait, first come first served, up to the
 * queue timeout and are then refused with a 503. With virtual threads a waiting request costs almost
 * nothing, and the body it has not read yet stays in the socket: memory is bounded by the limit.
 */
public final class ConcurrencyLimiter {

  private final int limit;
  private final long timeoutNanos;
  private final Semaphore slots;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger waiting = new AtomicInteger();

  public ConcurrencyLimiter(int limit, Duration queueTimeout) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1");
    }
    this.limit = limit;
    this.timeoutNanos = queueTimeout.toNanos();
    this.slots = new Semaphore(limit, true);
  }

  /** A held slot; closing it gives it back (once, however often it is closed). */
  public interface Slot extends AutoCloseable {
    @Override
    void close();
  }

  /** Takes a slot, waiting up to the queue timeout; a 503 when none frees up. */
  public Slot acquire() {
    boolean acquired;
    waiting.incrementAndGet();
    try {
      // fair: the timed tryAcquire does not overtake requests already waiting, even with timeout 0
      acquired = slots.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw InferenceException.unavailable("interrupted while waiting for a free inference slot");
    } finally {
      waiting.decrementAndGet();
    }
    if (!acquired) {
      throw new Busy("server is busy: " + limit + " inference request(s) in flight"
          + (timeoutNanos > 0 ? " and none finished within " + Duration.ofNanos(timeoutNanos) : "") + "; retry later");
    }
    inFlight.incrementAndGet();
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        inFlight.decrementAndGet();
        slots.release();
      }
    };
  }

  /** No slot freed up within the queue timeout: a 503, counted apart from a model that is not ready. */
  public static final class Busy extends InferenceException {
    Busy(String message) {
      super(HttpStatus.SERVICE_UNAVAILABLE, message);
    }
  }

  public int limit() {
    return limit;
  }

  /** Requests holding a slot now. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Requests waiting for a slot now. */
  public int waiting() {
    return waiting.get();
  }
}
