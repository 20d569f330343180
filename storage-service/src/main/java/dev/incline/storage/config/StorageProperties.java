package dev.incline.storage.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Storage service configuration.
 *
 * @param services where the other services listen
 * @param encryption keys that seal secrets and storage provider credentials
 * @param presignTtl how long presigned upload and download URLs stay valid
 * @param uploadPartSize default part size of presigned multipart uploads (S3 allows 5 MiB to 5 GiB
 *     and at most 10,000 parts; bigger files get bigger parts)
 * @param streamPartSize how much of a streamed PUT is held in memory at once: the body goes to S3 in
 *     parts of this size, so memory stays flat whatever the file's size
 * @param maxFilesPerVersion files one version may hold
 * @param providers what teams may register as their own buckets
 */
@ConfigurationProperties("incline.storage")
public record StorageProperties(
    @DefaultValue Services services,
    @DefaultValue Encryption encryption,
    @DefaultValue("1h") Duration presignTtl,
    @DefaultValue("64MB") DataSize uploadPartSize,
    @DefaultValue("8MB") DataSize streamPartSize,
    @DefaultValue("100000") int maxFilesPerVersion,
    @DefaultValue Providers providers) {

  /**
   * @param allowPrivateEndpoints accept provider endpoints on loopback, private or link-local
   *     addresses (off: a team could otherwise make this service probe the internal network; the
   *     standalone turns it on for a MinIO on the same machine)
   */
  public record Providers(@DefaultValue("false") boolean allowPrivateEndpoints) {}

  /** @param jobs job-service base URL (projects are checked there) */
  public record Services(@DefaultValue("http://127.0.0.1:8081") URI jobs) {}

  /**
   * AES-256-GCM keys by id, base64. New values are sealed with {@code activeKey}; every listed key
   * still opens what it sealed, and rows under other keys are re-sealed with the active one on start
   * (rotation: add a key, make it active, restart, then remove the old one).
   */
  public record Encryption(Map<String, String> keys, String activeKey) {
    public Encryption {
      keys = keys == null ? Map.of() : Map.copyOf(keys);
    }
  }
}
