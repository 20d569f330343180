package dev.incline.embedded;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API (S3Proxy) on loopback, storing objects in a directory (or in memory for tests),
 * with AWS signature checks on, so that clients and presigned URLs are exercised as against S3.
 */
public final class EmbeddedS3Server implements AutoCloseable {

  private final S3Proxy proxy;
  private final BlobStoreContext context;
  private final String accessKey;
  private final String secretKey;

  private EmbeddedS3Server(S3Proxy proxy, BlobStoreContext context, String accessKey, String secretKey) {
    this.proxy = proxy;
    this.context = context;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** Starts on {@code port} (0: any free port), storing in {@code dir} (null: in memory). */
  public static EmbeddedS3Server start(Path dir, int port, String accessKey, String secretKey) {
    try {
      Properties properties = new Properties();
      ContextBuilder builder;
      if (dir != null) {
        Files.createDirectories(dir);
        properties.setProperty("jclouds.filesystem.basedir", dir.toAbsolutePath().toString());
        builder = ContextBuilder.newBuilder("filesystem");
      } else {
        builder = ContextBuilder.newBuilder("transient");
      }
      BlobStoreContext context = builder.credentials("incline", "incline").overrides(properties)
          .build(BlobStoreContext.class);
      S3Proxy proxy = S3Proxy.builder()
          .blobStore(context.getBlobStore())
          .endpoint(URI.create("http://127.0.0.1:" + port))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
          .build();
      proxy.start();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!proxy.getState().equals("STARTED")) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
        }
        Thread.sleep(10);
      }
      return new EmbeddedS3Server(proxy, context, accessKey, secretKey);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start embedded S3", e);
    }
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      context.close();
    }
  }
}
