package dev.incline.platform.s3;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** S3 client, presigner and the installation bucket, from {@code incline.s3.*}. */
@AutoConfiguration
@ConditionalOnProperty(prefix = "incline.s3", name = "bucket")
@EnableConfigurationProperties(S3Properties.class)
public class S3AutoConfiguration {

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  S3Client s3Client(S3Properties p) {
    return S3Clients.client(p);
  }

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  S3Presigner s3Presigner(S3Properties p) {
    return S3Clients.presigner(p);
  }

  @Bean
  @ConditionalOnMissingBean
  ObjectStore objectStore(S3Client s3, S3Presigner presigner, S3Properties p) {
    ObjectStore store = new ObjectStore(s3, presigner, p.bucket());
    if (p.createBucket()) {
      store.ensureBucket();
    }
    return store;
  }
}
