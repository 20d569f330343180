package dev.incline.storage.provider;

import dev.incline.platform.s3.ObjectStore;
import dev.incline.platform.s3.S3Clients;
import dev.incline.platform.s3.S3Properties;
import dev.incline.storage.secret.SecretCipher;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The installation bucket, and one client per storage provider, made on first use and kept. */
@Component
public class Buckets implements DisposableBean {

  private final Bucket installation;
  private final SecretCipher cipher;
  private final Map<UUID, Bucket> providers = new ConcurrentHashMap<>();

  Buckets(S3Client s3, S3Presigner presigner, ObjectStore store, SecretCipher cipher) {
    this.installation = new Bucket(s3, presigner, store.bucket());
    this.cipher = cipher;
  }

  public Bucket installation() {
    return installation;
  }

  /** The bucket of a provider, or the installation's for null. */
  public Bucket of(StorageProvider provider) {
    if (provider == null) {
      return installation;
    }
    return providers.computeIfAbsent(provider.getId(), id -> open(provider, credentials(provider)));
  }

  String[] credentials(StorageProvider p) {
    String both = new String(cipher.open(p.sealed(), p.context()), StandardCharsets.UTF_8);
    int nl = both.indexOf('\n');
    return new String[] {both.substring(0, nl), both.substring(nl + 1)};
  }

  static Bucket open(StorageProvider p, String[] credentials) {
    S3Properties props = properties(p.getEndpoint(), p.getRegion(), p.getBucket(), p.isPathStyle(), credentials[0], credentials[1]);
    return new Bucket(S3Clients.client(props), S3Clients.presigner(props), p.getBucket());
  }

  static S3Properties properties(String endpoint, String region, String bucket, boolean pathStyle, String accessKey,
      String secretKey) {
    return new S3Properties(endpoint == null || endpoint.isBlank() ? null : java.net.URI.create(endpoint), region, bucket,
        accessKey, secretKey, pathStyle, false);
  }

  void forget(UUID providerId) {
    Bucket b = providers.remove(providerId);
    if (b != null) {
      close(b);
    }
  }

  private static void close(Bucket b) {
    b.s3().close();
    b.presigner().close();
  }

  @Override
  public void destroy() {
    providers.values().forEach(Buckets::close);
    providers.clear();
  }
}
