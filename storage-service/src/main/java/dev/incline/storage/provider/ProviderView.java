package dev.incline.storage.provider;

import dev.incline.platform.id.PublicId;
import java.time.Instant;

/** A provider as shown: where the bucket is, never the credentials. */
public record ProviderView(String id, String name, String endpoint, String region, String bucket, boolean pathStyle,
    String createdBy, Instant createdAt) {

  public static final String PREFIX = "stp";

  static ProviderView of(StorageProvider p) {
    return new ProviderView(PublicId.encode(PREFIX, p.getId()), p.getName(), p.getEndpoint(), p.getRegion(), p.getBucket(),
        p.isPathStyle(), p.getCreatedBy(), p.getCreatedAt());
  }
}
