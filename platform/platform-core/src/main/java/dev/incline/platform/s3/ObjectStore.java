package dev.incline.platform.s3;

import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The installation bucket, addressed by key. Keys always start with {@code teams/<teamId>/} so that
 * one team's objects never sit under another's prefix; callers build keys, this class only moves bytes.
 */
public class ObjectStore {

  private final S3Client s3;
  private final S3Presigner presigner;
  private final String bucket;

  public ObjectStore(S3Client s3, S3Presigner presigner, String bucket) {
    this.s3 = s3;
    this.presigner = presigner;
    this.bucket = bucket;
  }

  public String bucket() {
    return bucket;
  }

  public void ensureBucket() {
    try {
      s3.headBucket(b -> b.bucket(bucket));
    } catch (software.amazon.awssdk.services.s3.model.NoSuchBucketException e) {
      try {
        s3.createBucket(b -> b.bucket(bucket));
      } catch (BucketAlreadyOwnedByYouException ignored) {
        // another replica won the race
      }
    }
  }

  public void put(String key, Path file) {
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
  }

  public void put(String key, InputStream in, long length, String contentType) {
    s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType), RequestBody.fromInputStream(in, length));
  }

  public void put(String key, byte[] bytes, String contentType) {
    s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType), RequestBody.fromBytes(bytes));
  }

  public void download(String key, Path target) {
    s3.getObject(b -> b.bucket(bucket).key(key), ResponseTransformer.toFile(target));
  }

  public InputStream open(String key) {
    try {
      return s3.getObject(b -> b.bucket(bucket).key(key));
    } catch (NoSuchKeyException e) {
      return null;
    }
  }

  /** All objects under a prefix, following continuation tokens. */
  public List<S3Object> list(String prefix) {
    List<S3Object> out = new ArrayList<>();
    s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().forEach(out::add);
    return out;
  }

  public void deletePrefix(String prefix) {
    for (S3Object o : list(prefix)) {
      s3.deleteObject(b -> b.bucket(bucket).key(o.key()));
    }
  }

  /** A URL the holder can PUT one object to, without credentials. */
  public URL presignPut(String key, Duration ttl) {
    return presigner.presignPutObject(p -> p.signatureDuration(ttl).putObjectRequest(r -> r.bucket(bucket).key(key))).url();
  }

  /** The object's size, or empty when it does not exist. */
  public java.util.Optional<Long> size(String key) {
    try {
      return java.util.Optional.of(s3.headObject(b -> b.bucket(bucket).key(key)).contentLength());
    } catch (NoSuchKeyException e) {
      return java.util.Optional.empty();
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      if (e.statusCode() == 404) {
        return java.util.Optional.empty();
      }
      throw e;
    }
  }

  public URL presignGet(String key, Duration ttl, String downloadName) {
    return presigner.presignGetObject(p -> p.signatureDuration(ttl).getObjectRequest(g -> {
      g.bucket(bucket).key(key);
      if (downloadName != null) {
        g.responseContentDisposition("attachment; filename=\"" + downloadName.replace("\"", "") + "\"");
      }
    })).url();
  }
}
