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
 * @param maxUploadSize the largest model file one upload (or one job artifact, or one archive as sent) may be
 * @param archive bounds on an uploaded archive's contents
 */
@ConfigurationProperties("incline.registry")
public record RegistryProperties(
    @DefaultValue Services services,
    @DefaultValue("1h") Duration presignTtl,
    @DefaultValue("10GB") DataSize maxUploadSize,
    @DefaultValue Archive archive) {

  /**
   * @param jobs job-service base URL (projects and jobs are read there)
   * @param storage storage-service base URL (the dataset versions a version's lineage names are marked used there)
   */
  public record Services(
      @DefaultValue("http://127.0.0.1:8081") URI jobs,
      @DefaultValue("http://127.0.0.1:8082") URI storage) {}

  /**
   * @param maxEntries the most entries (files and directories) one uploaded archive may hold
   * @param maxUnpackedSize the most bytes one uploaded archive may unpack to
   */
  public record Archive(
      @DefaultValue("10000") int maxEntries,
      @DefaultValue("10GB") DataSize maxUnpackedSize) {}
}
