package dev.incline.modelserver.config;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import dev.incline.modelserver.inference.ConcurrencyLimiter;
import dev.incline.modelserver.inference.InferenceMetrics;
import dev.incline.modelserver.inference.PlatformThreadRunner;
import dev.incline.modelserver.protocol.InferenceRequestReader;
import dev.incline.modelserver.protocol.InferenceResponseWriter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** ONNX Runtime and the inference path's parts. */
@Configuration(proxyBeanMethods = false)
public class ModelServerConfiguration {

  /**
   * ONNX Runtime's process-wide environment (it loads the native library). Never closed: it lives as
   * long as the process, and closing it under a session still in use would crash the process.
   */
  @Bean
  OrtEnvironment ortEnvironment() {
    return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "incline-model-server");
  }

  @Bean
  ConcurrencyLimiter concurrencyLimiter(ModelServerProperties properties) {
    return new ConcurrencyLimiter(properties.maxConcurrency(), properties.queueTimeout());
  }

  @Bean
  PlatformThreadRunner sessionRunner(ModelServerProperties properties) {
    return new PlatformThreadRunner(properties.maxConcurrency(), properties.inlineRunThreshold());
  }

  @Bean
  InferenceRequestReader inferenceRequestReader(ModelServerProperties properties) {
    return new InferenceRequestReader(properties.maxRequestSize().toBytes());
  }

  @Bean
  InferenceResponseWriter inferenceResponseWriter() {
    return new InferenceResponseWriter();
  }

  @Bean
  InferenceMetrics inferenceMetrics(MeterRegistry registry, ConcurrencyLimiter limiter) {
    return new InferenceMetrics(registry, limiter);
  }
}
