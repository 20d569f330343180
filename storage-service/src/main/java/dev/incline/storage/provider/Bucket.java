package dev.incline.storage.provider;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * One bucket with the client and presigner that reach it: the installation's, or a team's storage
 * provider. Datasets move bytes only through this, so both kinds behave the same.
 */
public record Bucket(S3Client s3, S3Presigner presigner, String name) {

  public URL presignGet(String key, Duration ttl, String downloadName) {
    return presigner.presignGetObject(p -> p.signatureDuration(ttl).getObjectRequest(g -> {
      g.bucket(name).key(key);
      if (downloadName != null) {
        g.responseContentDisposition("attachment; filename*=UTF-8''" + java.net.URLEncoder.encode(downloadName,
            java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
      }
    })).url();
  }

  public String createMultipart(String key) {
    return s3.createMultipartUpload(b -> b.bucket(name).key(key)).uploadId();
  }

  public URL presignPart(String key, String uploadId, int partNumber, Duration ttl) {
    return presigner.presignUploadPart(p -> p.signatureDuration(ttl)
        .uploadPartRequest(u -> u.bucket(name).key(key).uploadId(uploadId).partNumber(partNumber))).url();
  }

  /** The parts S3 holds for a multipart upload, in part order. */
  public List<Part> parts(String key, String uploadId) {
    return s3.listPartsPaginator(b -> b.bucket(name).key(key).uploadId(uploadId)).parts().stream().toList();
  }

  public void complete(String key, String uploadId, List<Part> parts) {
    List<CompletedPart> done = parts.stream()
        .map(p -> CompletedPart.builder().partNumber(p.partNumber()).eTag(p.eTag()).build()).toList();
    s3.completeMultipartUpload(b -> b.bucket(name).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(done)));
  }

  public void abort(String key, String uploadId) {
    s3.abortMultipartUpload(b -> b.bucket(name).key(key).uploadId(uploadId));
  }

  /**
   * Deletes everything under a prefix, deepest keys first: filesystem-backed S3 servers (the
   * standalone's) list directories as keys too, and refuse a directory that still has children,
   * retrying for seconds before they do. One request per key: S3Proxy answers the SDK's multi-object
   * delete (with its checksum header) with 501.
   */
  public void deletePrefix(String prefix) {
    List<String> keys = new java.util.ArrayList<>(s3.listObjectsV2Paginator(b -> b.bucket(name).prefix(prefix)).contents()
        .stream().map(S3Object::key).toList());
    keys.sort(java.util.Comparator.reverseOrder());
    for (String key : keys) {
      s3.deleteObject(b -> b.bucket(name).key(key));
    }
  }

  public void delete(String key) {
    s3.deleteObject(b -> b.bucket(name).key(key));
  }
}
