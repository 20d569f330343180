package dev.incline.modelserver.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Model server configuration.
 *
 * @param models models named one by one, each an ONNX file
 * @param modelDir a directory whose subdirectories {@code <name>/model.onnx} are served as models named
 *     after the subdirectory, at version 1; combined with {@code models}
 * @param maxConcurrency inference requests handled at once; more wait for a slot. 0: twice the processors
 * @param queueTimeout how long a request waits for a slot before it is answered 503; 0: not at all
 * @param maxRequestSize largest inference request body; larger ones are answered 413
 * @param intraOpThreads ONNX Runtime threads that one inference uses; 0: ONNX Runtime's default (one
 *     per physical core). With several requests in flight, fewer threads each may serve more per second
 * @param sessionConfig further ONNX Runtime session configuration entries (for example
 *     {@code session.intra_op.allow_spinning: "0"}), passed as they are
 * @param drainDelay how long the server keeps taking requests after it reports not ready on shutdown,
 *     so that load balancers stop sending before it stops listening; 0 when a preStop hook waits instead
 * @param inlineRunThreshold an inference expected to take less than this (learnt from the model's earlier
 *     runs, per input element) runs on the request's own thread instead of the ONNX Runtime thread pool,
 *     which saves a thread hand-off (about 19 µs of latency and, under load, 30 µs of CPU per request);
 *     0: every inference goes to the pool
 */
@ConfigurationProperties("incline.model-server")
public record ModelServerProperties(
    @DefaultValue List<Model> models,
    Path modelDir,
    @DefaultValue("0") int maxConcurrency,
    @DefaultValue("1s") Duration queueTimeout,
    @DefaultValue("64MB") DataSize maxRequestSize,
    @DefaultValue("0") int intraOpThreads,
    @DefaultValue Map<String, String> sessionConfig,
    @DefaultValue("0s") Duration drainDelay,
    @DefaultValue("200us") Duration inlineRunThreshold) {

  public ModelServerProperties {
    models = models == null ? List.of() : List.copyOf(models);
    sessionConfig = sessionConfig == null ? Map.of() : Map.copyOf(sessionConfig);
    if (maxConcurrency < 0) {
      throw new IllegalArgumentException("incline.model-server.max-concurrency must be 0 (automatic) or more");
    }
    // In code, not in @DefaultValue: it depends on the machine the server runs on.
    maxConcurrency = maxConcurrency == 0 ? 2 * Runtime.getRuntime().availableProcessors() : maxConcurrency;
    if (queueTimeout.isNegative()) {
      throw new IllegalArgumentException("incline.model-server.queue-timeout must not be negative");
    }
    if (maxRequestSize.toBytes() <= 0) {
      throw new IllegalArgumentException("incline.model-server.max-request-size must be positive");
    }
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("incline.model-server.intra-op-threads must be 0 (automatic) or more");
    }
    if (inlineRunThreshold.isNegative()) {
      throw new IllegalArgumentException("incline.model-server.inline-run-threshold must not be negative");
    }
    if (drainDelay.isNegative()) {
      throw new IllegalArgumentException("incline.model-server.drain-delay must not be negative");
    }
  }

  /**
   * One served model.
   *
   * @param name the name in {@code /v2/models/<name>}
   * @param path the ONNX file
   * @param version the version the model reports and answers to in {@code /v2/models/<name>/versions/<v>}
   */
  public record Model(String name, Path path, @DefaultValue("1") String version) {}
}
