package dev.incline.modelserver.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.incline.modelserver.error.InferenceException;
import dev.incline.modelserver.model.SessionRunner;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.DisposableBean;

/**
 * Runs sessions on a pool of platform threads, one per concurrency slot, while requests are handled on
 * virtual threads. {@code OrtSession.run} is one native call: on a virtual thread it would pin its
 * carrier for the whole inference, and with as many long inferences as carriers (one per core) nothing
 * else, health probes included, would run until one finished. Costs a thread hand-off (a few
 * microseconds) per request.
 */
public final class PlatformThreadRunner implements SessionRunner, DisposableBean {

  private final ExecutorService pool;

  public PlatformThreadRunner(int threads) {
    // The limiter admits at most `threads` requests, so a task never waits in the queue.
    this.pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("onnx-run-", 1).daemon().factory());
  }

  @Override
  public OrtSession.Result run(OrtSession session, Map<String, OnnxTensor> inputs, Set<String> outputs)
      throws OrtException {
    Future<OrtSession.Result> result;
    try {
      result = pool.submit(() -> session.run(inputs, outputs));
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

  @Override
  public void destroy() throws InterruptedException {
    pool.shutdown();
    pool.awaitTermination(30, TimeUnit.SECONDS);
  }
}
