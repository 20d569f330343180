package dev.incline.storage.dataset;

import dev.incline.storage.provider.Bucket;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Moves a request body of any length to one S3 object holding only one part in memory: a body that
 * fits in one part is a single PUT, anything longer a multipart upload whose parts are sent as they
 * fill. The SHA-256 is computed on the way.
 */
public final class StreamingUpload {

  private StreamingUpload() {}

  public record Result(long size, String sha256) {}

  public static Result upload(Bucket bucket, String key, InputStream body, int partSize) throws IOException {
    MessageDigest sha = sha256();
    InputStream in = new DigestInputStream(body, sha);
    byte[] buffer = new byte[partSize];
    int first = in.readNBytes(buffer, 0, partSize);
    if (first < partSize) {
      bucket.s3().putObject(b -> b.bucket(bucket.name()).key(key), RequestBody.fromBytes(java.util.Arrays.copyOf(buffer, first)));
      return new Result(first, HexFormat.of().formatHex(sha.digest()));
    }
    String uploadId = bucket.createMultipart(key);
    try {
      List<CompletedPart> parts = new ArrayList<>();
      long size = 0;
      int filled = first;
      int number = 1;
      while (filled > 0) {
        int n = number;
        // read from the array in place (fromBytes would copy it); it is refilled only after the call returned
        int length = filled;
        RequestBody part = RequestBody.fromContentProvider(() -> new java.io.ByteArrayInputStream(buffer, 0, length),
            length, "application/octet-stream");
        String etag = bucket.s3().uploadPart(b -> b.bucket(bucket.name()).key(key).uploadId(uploadId).partNumber(n), part).eTag();
        parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        size += filled;
        number++;
        filled = in.readNBytes(buffer, 0, partSize);
      }
      bucket.s3().completeMultipartUpload(b -> b.bucket(bucket.name()).key(key).uploadId(uploadId)
          .multipartUpload(m -> m.parts(parts)));
      return new Result(size, HexFormat.of().formatHex(sha.digest()));
    } catch (IOException | RuntimeException e) {
      try {
        bucket.abort(key, uploadId);
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** The SHA-256 of a stream, read to its end. */
  public static String sha256(InputStream in) throws IOException {
    MessageDigest sha = sha256();
    byte[] buffer = new byte[1 << 16];
    for (int n; (n = in.read(buffer)) > 0; ) {
      sha.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
