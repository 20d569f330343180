package dev.incline.modelserver.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.incline.modelserver.error.InferenceException;
import dev.incline.modelserver.model.SessionRunner;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.DisposableBean;

/**
 * Runs sessions on a pool of platform threads, one per concurrency slot, while requests are handled on
 * virtual threads. {@code OrtSession.run} is one native call: on a virtual thread it would pin its
 * carrier for the whole inference, and with as many long inferences as carriers (one per core) nothing
 * else, health probes included, would run until one finished.
 *
 * <p>The hand-off costs two thread wake-ups per request: about 19 µs of latency, and on a busy server
 * some 30 µs of CPU per request (measured with {@code ConcurrencyBench} on 2 cores), for a small model
 * several times the inference itself and half the server's throughput. So
 * a run expected to take less than the inline threshold runs on the calling thread instead: pinning a
 * carrier that briefly is no worse than any other short stretch of request handling (parsing the
 * body holds it too). The expectation is per session, in nanoseconds per input element, learnt from
 * the session's runs (its first run always goes to the pool), so that a large batch of a fast model
 * still goes to the pool.
 */
public final class PlatformThreadRunner implements SessionRunner, DisposableBean {

  /** How much of a new measurement goes into the estimate. */
  private static final double WEIGHT = 0.1;
  /** A measurement counts for at most this many times the estimate: one run descheduled by the OS does not send every next one to the pool. */
  private static final double MAX_JUMP = 4;

  private final ExecutorService pool;
  private final long inlineNanos;
  /** Per session (by identity): a model's session lives as long as the server, so entries are few and fixed. */
  private final Map<OrtSession, Cost> costs = new ConcurrentHashMap<>();
  private final AtomicInteger inlineRuns = new AtomicInteger();
  private volatile boolean closed;

  /**
   * @param threads the pool's size: the limiter admits at most that many requests, so a task never waits
   * @param inlineThreshold runs expected to take less than this run on the calling thread; 0: none does
   */
  public PlatformThreadRunner(int threads, Duration inlineThreshold) {
    this.pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("onnx-run-", 1).daemon().factory());
    this.inlineNanos = inlineThreshold.toNanos();
  }

  /** A session's expected run time per input element, in nanoseconds; NaN until its first run. */
  private static final class Cost {
    private volatile double nanosPerElement = Double.NaN;

    double expected(long elements) {
      return nanosPerElement * elements;
    }

    /** Racy on purpose: a lost update only loses one measurement. */
    void record(long nanos, long elements) {
      double measured = (double) nanos / elements;
      double current = nanosPerElement;
      nanosPerElement = Double.isNaN(current) ? measured
          : current + WEIGHT * (Math.min(measured, MAX_JUMP * current) - current);
    }
  }

  @Override
  public OrtSession.Result run(OrtSession session, Map<String, OnnxTensor> inputs, Set<String> outputs)
      throws OrtException {
    long elements = elements(inputs);
    Cost cost = costs.computeIfAbsent(session, s -> new Cost());
    if (cost.expected(elements) < inlineNanos) { // false while NaN
      inlineRuns.incrementAndGet();
      try {
        if (closed) {
          throw InferenceException.unavailable("server is shutting down");
        }
        long start = System.nanoTime();
        OrtSession.Result result = session.run(inputs, outputs);
        cost.record(System.nanoTime() - start, elements);
        return result;
      } finally {
        inlineRuns.decrementAndGet();
      }
    }
    long count = elements;
    Future<OrtSession.Result> result;
    try {
      result = pool.submit(() -> {
        long start = System.nanoTime();
        OrtSession.Result r = session.run(inputs, outputs);
        cost.record(System.nanoTime() - start, count);
        return r;
      });
    } catch (RejectedExecutionException e) {
      throw InferenceException.unavailable("server is shutting down");
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return result.get();
        } catch (InterruptedException e) {
          // Keep waiting: the caller frees the input tensors when this returns, and ONNX Runtime may
          // still be reading them.
          interrupted = true;
        }
      }
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case OrtException ort -> throw ort;
        case RuntimeException runtime -> throw runtime;
        case Error error -> throw error;
        default -> throw new IllegalStateException(e.getCause());
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Whether a run of {@code session} on that many input elements would now run on the calling thread. */
  boolean runsInline(OrtSession session, long elements) {
    Cost cost = costs.get(session);
    return cost != null && cost.expected(elements) < inlineNanos;
  }

  /** The inputs' elements, plus one: an estimate per element then never divides by zero. */
  static long elements(Map<String, OnnxTensor> inputs) {
    long elements = 1;
    for (OnnxTensor input : inputs.values()) {
      elements += input.getInfo().getNumElements();
    }
    return elements;
  }

  @Override
  public void destroy() throws InterruptedException {
    closed = true;
    pool.shutdown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    pool.awaitTermination(30, TimeUnit.SECONDS);
    while (inlineRuns.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }
}
