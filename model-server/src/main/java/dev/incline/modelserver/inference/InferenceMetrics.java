package dev.incline.modelserver.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The server's own meters, named once here. Tagged by model and outcome only: a fixed, small set of
 * values (requests for a model this server does not have are not counted here; Spring's
 * {@code http.server.requests} still sees them). Meters are looked up once per model, not per request.
 */
public final class InferenceMetrics {

  /** Counter: inference requests by {@code model} and {@code outcome}. */
  public static final String REQUESTS = "incline.inference.requests";
  /** Timer with a percentile histogram, by {@code model}: time to serve an inference that succeeded, from the wait for a slot to the converted outputs. */
  public static final String DURATION = "incline.inference.duration";
  /** Gauge: inference requests holding a concurrency slot. */
  public static final String IN_FLIGHT = "incline.inference.in.flight";
  /** Gauge: inference requests waiting for a slot. */
  public static final String QUEUED = "incline.inference.queued";

  /** How a request ended. */
  public enum Outcome {
    /** 200 */
    OK,
    /** 4xx: the request was wrong */
    INVALID,
    /** 503: no slot within the queue timeout */
    REJECTED,
    /** 503: the model is not ready */
    UNAVAILABLE,
    /** 5xx: the model or the server failed */
    ERROR;

    final String tag = name().toLowerCase(Locale.ROOT);
  }

  private final MeterRegistry registry;
  private final Map<String, ModelMeters> byModel = new ConcurrentHashMap<>();

  public InferenceMetrics(MeterRegistry registry, ConcurrencyLimiter limiter) {
    this.registry = registry;
    Gauge.builder(IN_FLIGHT, limiter, ConcurrencyLimiter::inFlight)
        .description("Inference requests being handled now").register(registry);
    Gauge.builder(QUEUED, limiter, ConcurrencyLimiter::waiting)
        .description("Inference requests waiting for a free slot").register(registry);
  }

  /** The meters of one model. */
  public ModelMeters forModel(String model) {
    return byModel.computeIfAbsent(model, this::register);
  }

  private ModelMeters register(String model) {
    Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);
    for (Outcome outcome : Outcome.values()) {
      counters.put(outcome, Counter.builder(REQUESTS).description("Inference requests")
          .tag("model", model).tag("outcome", outcome.tag).register(registry));
    }
    Timer timer = Timer.builder(DURATION).description("Time to serve an inference request that succeeded")
        .tag("model", model)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(100_000))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
    return new ModelMeters(counters, timer);
  }

  /** Counters and timer of one model. */
  public static final class ModelMeters {
    private final Map<Outcome, Counter> counters;
    private final Timer duration;

    ModelMeters(Map<Outcome, Counter> counters, Timer duration) {
      this.counters = counters;
      this.duration = duration;
    }

    public void record(Outcome outcome, long nanos) {
      counters.get(outcome).increment();
      if (outcome == Outcome.OK) {
        duration.record(nanos, TimeUnit.NANOSECONDS);
      }
    }
  }
}
