package dev.incline.registry.config;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Model registry configuration.
 *
 * @param services where the other services listen
 * @param presignTtl how long presigned download URLs stay valid
 * @param maxUploadSize the largest model file one upload (or one job artifact) may be
 */
@ConfigurationProperties("incline.registry")
public record RegistryProperties(
    @DefaultValue Services services,
    @DefaultValue("1h") Duration presignTtl,
    @DefaultValue("10GB") DataSize maxUploadSize) {

  /** @param jobs job-service base URL (projects and jobs are read there) */
  public record Services(@DefaultValue("http://127.0.0.1:8081") URI jobs) {}
}
