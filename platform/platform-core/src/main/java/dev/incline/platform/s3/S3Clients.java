package dev.incline.platform.s3;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Builds S3 clients and presigners the same way for the installation bucket and for the buckets
 * teams register as storage providers.
 */
public final class S3Clients {

  private S3Clients() {}

  public static S3Client client(S3Properties p) {
    var builder = S3Client.builder()
        .region(Region.of(p.region()))
        .credentialsProvider(credentials(p))
        .httpClient(UrlConnectionHttpClient.create())
        .forcePathStyle(p.pathStyle())
        // Checksums only where S3 requires them: S3-compatible servers differ in their support of
        // the SDK's newer default trailing checksums.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (p.endpoint() != null) {
      builder.endpointOverride(p.endpoint());
    }
    return builder.build();
  }

  public static S3Presigner presigner(S3Properties p) {
    var builder = S3Presigner.builder()
        .region(Region.of(p.region()))
        .credentialsProvider(credentials(p))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(p.pathStyle()).build());
    if (p.endpoint() != null) {
      builder.endpointOverride(p.endpoint());
    }
    return builder.build();
  }

  private static AwsCredentialsProvider credentials(S3Properties p) {
    if (p.accessKey() == null || p.accessKey().isBlank()) {
      return DefaultCredentialsProvider.builder().build();
    }
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(p.accessKey(), p.secretKey()));
  }
}
