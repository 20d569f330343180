package dev.incline.modelserver.inference;

import ai.onnxruntime.OrtEnvironment;
import dev.incline.modelserver.error.InferenceException;
import dev.incline.modelserver.inference.InferenceMetrics.Outcome;
import dev.incline.modelserver.model.ModelRepository;
import dev.incline.modelserver.model.ServedModel;
import dev.incline.modelserver.model.SessionRunner;
import dev.incline.modelserver.protocol.InferenceRequest;
import dev.incline.modelserver.protocol.InferenceRequestReader;
import dev.incline.modelserver.protocol.InferenceResponse;
import dev.incline.modelserver.protocol.Tensor;
import java.io.InputStream;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * One inference: find the model, take a concurrency slot, parse the body, run, and count it. The slot
 * is taken before the body is read, so that bodies of requests that wait are not in memory.
 */
@Service
public class InferenceService {

  private final ModelRepository models;
  private final ConcurrencyLimiter limiter;
  private final InferenceRequestReader reader;
  private final SessionRunner runner;
  private final OrtEnvironment env;
  private final InferenceMetrics metrics;

  InferenceService(ModelRepository models, ConcurrencyLimiter limiter, InferenceRequestReader reader,
      SessionRunner runner, OrtEnvironment env, InferenceMetrics metrics) {
    this.models = models;
    this.limiter = limiter;
    this.reader = reader;
    this.runner = runner;
    this.env = env;
    this.metrics = metrics;
  }

  /**
   * @param version the version in the path; null when none
   * @param contentLength the body's declared length; -1 when unknown (chunked)
   */
  public InferenceResponse infer(String modelName, String version, InputStream body, long contentLength) {
    ServedModel model = models.require(modelName, version);
    InferenceMetrics.ModelMeters meters = metrics.forModel(model.name());
    long start = System.nanoTime();
    Outcome outcome = Outcome.ERROR;
    try {
      model.requireReady(); // before waiting for a slot: a model that is not ready answers at once
      if (contentLength > reader.maxBytes()) {
        throw reader.tooLarge();
      }
      try (ConcurrencyLimiter.Slot slot = limiter.acquire()) {
        InferenceRequest request = reader.read(body);
        List<Tensor> outputs = model.infer(env, request, runner);
        outcome = Outcome.OK;
        return new InferenceResponse(model.name(), model.version(), request.id(), outputs);
      }
    } catch (ConcurrencyLimiter.Busy e) {
      outcome = Outcome.REJECTED;
      throw e;
    } catch (InferenceException e) {
      outcome = e.status().is4xxClientError() ? Outcome.INVALID
          : e.status() == HttpStatus.SERVICE_UNAVAILABLE ? Outcome.UNAVAILABLE : Outcome.ERROR;
      throw e;
    } finally {
      meters.record(outcome, System.nanoTime() - start);
    }
  }
}
