package dev.incline.platform.s3;

import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The installation's object store.
 *
 * @param endpoint S3 API endpoint; empty means AWS itself for the region
 * @param region signing region
 * @param bucket the one bucket of this installation; teams get prefixes inside it
 * @param accessKey access key id
 * @param secretKey secret access key
 * @param pathStyle path-style addressing ({@code endpoint/bucket/key}), needed by most non-AWS servers
 * @param createBucket create the bucket on start when it does not exist
 */
@ConfigurationProperties("incline.s3")
public record S3Properties(
    URI endpoint,
    @DefaultValue("us-east-1") String region,
    @DefaultValue("incline") String bucket,
    String accessKey,
    String secretKey,
    @DefaultValue("true") boolean pathStyle,
    @DefaultValue("true") boolean createBucket) {}
