package dev.incline.storage.provider;

import dev.incline.platform.error.ConflictException;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.InvalidRequestException.FieldError;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.paging.Cursors;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import dev.incline.storage.secret.SecretCipher;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Exception;

@Service
public class ProviderService {

  private final ProviderRepository providers;
  private final Buckets buckets;
  private final SecretCipher cipher;
  private final JdbcClient jdbc;
  private final Clock clock;
  private final boolean allowPrivateEndpoints;

  ProviderService(ProviderRepository providers, Buckets buckets, SecretCipher cipher, JdbcClient jdbc, Clock clock,
      dev.incline.storage.config.StorageProperties properties) {
    this.allowPrivateEndpoints = properties.providers().allowPrivateEndpoints();
    this.providers = providers;
    this.buckets = buckets;
    this.cipher = cipher;
    this.jdbc = jdbc;
    this.clock = clock;
  }

  /** The credentials are write-only: no accessor returns them and toString leaves them out. */
  public record ProviderRequest(String name, String endpoint, String region, String bucket, Boolean pathStyle,
      String accessKey, String secretKey) {
    @Override
    public String toString() {
      return "ProviderRequest[" + name + " " + endpoint + " " + bucket + "]";
    }
  }

  /** Registers a bucket after proving, with the given credentials, that it can be listed, written and deleted from. */
  @Transactional
  public ProviderView create(Caller caller, ProviderRequest r) {
    List<FieldError> errors = new ArrayList<>();
    String name = r.name() == null || r.name().isBlank() ? r.bucket() : r.name();
    if (name == null || !name.matches("[a-z0-9][a-z0-9._-]{0,62}")) {
      errors.add(new FieldError("name", "must be 1-63 lower-case letters, digits, '.', '_' or '-'"));
    }
    if (r.bucket() == null || !r.bucket().matches("[a-z0-9][a-z0-9.-]{1,62}")) {
      errors.add(new FieldError("bucket", "must be an S3 bucket name (3-63 lower-case letters, digits, '.', '-')"));
    }
    if (r.endpoint() != null && !r.endpoint().isBlank()) {
      try {
        URI u = URI.create(r.endpoint());
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
          errors.add(new FieldError("endpoint", "must be an http or https URL"));
        } else {
          String refused = EndpointGuard.refuse(u, allowPrivateEndpoints);
          if (refused != null) {
            errors.add(new FieldError("endpoint", refused));
          }
        }
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError("endpoint", "must be an http or https URL"));
      }
    }
    if (r.accessKey() == null || r.accessKey().isBlank()) {
      errors.add(new FieldError("accessKey", "is required"));
    }
    if (r.secretKey() == null || r.secretKey().isBlank()) {
      errors.add(new FieldError("secretKey", "is required"));
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    if (providers.existsByTeamIdAndName(caller.teamId(), name)) {
      throw new ConflictException("name-taken", "a storage provider named '" + name + "' already exists");
    }
    String region = r.region() == null || r.region().isBlank() ? "us-east-1" : r.region();
    StorageProvider p = new StorageProvider(PublicId.newUuid(), caller.teamId(), name, blankToNull(r.endpoint()), region,
        r.bucket(), r.pathStyle() == null || r.pathStyle(), caller.userId(), clock.instant());
    p.seal(cipher.seal((r.accessKey() + "\n" + r.secretKey()).getBytes(StandardCharsets.UTF_8), p.context()));
    checkAccess(p, r.accessKey(), r.secretKey());
    return ProviderView.of(providers.save(p));
  }

  /** Without a trailing '/': the SDK would sign a path with an empty first segment. */
  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim().replaceAll("/+$", "");
  }

  /** Lists, writes and deletes a probe object; any failure is a 422 on the field most likely wrong. */
  static void checkAccess(StorageProvider p, String accessKey, String secretKey) {
    Bucket b = Buckets.open(p, new String[] {accessKey, secretKey});
    String probe = "incline-access-check/" + UUID.randomUUID();
    try {
      b.s3().listObjectsV2(l -> l.bucket(p.getBucket()).maxKeys(1));
      b.s3().putObject(o -> o.bucket(p.getBucket()).key(probe), RequestBody.fromBytes("incline".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      b.s3().deleteObject(o -> o.bucket(p.getBucket()).key(probe));
    } catch (S3Exception e) {
      String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
      throw new InvalidRequestException(switch (code == null ? "" : code) {
        case "NoSuchBucket" -> "bucket";
        case "InvalidAccessKeyId" -> "accessKey";
        case "SignatureDoesNotMatch" -> "secretKey";
        default -> e.statusCode() == 404 ? "bucket" : "accessKey";
      }, "the bucket '" + p.getBucket() + "' cannot be used with these credentials: " + e.statusCode() + " "
          + (code == null || code.isEmpty() ? "error" : code) + " (needs ListBucket, PutObject, GetObject and DeleteObject)");
    } catch (SdkClientException e) {
      throw new InvalidRequestException("endpoint", "cannot reach the S3 endpoint " + (p.getEndpoint() == null
          ? "of AWS in " + p.getRegion() : p.getEndpoint()) + ": " + rootMessage(e));
    } finally {
      b.s3().close();
      b.presigner().close();
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  @Transactional(readOnly = true)
  public StorageProvider require(String teamId, String publicId) {
    UUID id = PublicId.require(ProviderView.PREFIX, publicId, "storage provider");
    return providers.findByTeamIdAndId(teamId, id).orElseThrow(() -> new NotFoundException("storage provider", publicId));
  }

  @Transactional(readOnly = true)
  public PageResponse<ProviderView> list(Caller caller, Integer limit, String cursor) {
    int n = Cursors.limit(limit);
    UUID after = Cursors.decodeId(cursor);
    UUID from = after == null ? new UUID(0, 0) : after;
    return PageResponse.of(providers.findByTeamIdAndIdGreaterThanOrderByIdAsc(caller.teamId(), from, Limit.of(n + 1)), n,
        ProviderView::of, p -> p.getId().toString());
  }

  @Transactional
  public void delete(Caller caller, String id) {
    StorageProvider p = require(caller.teamId(), id);
    List<String> used = jdbc.sql("SELECT name FROM dataset WHERE team_id = ? AND storage_provider_id = ? ORDER BY name LIMIT 5")
        .params(caller.teamId(), p.getId()).query(String.class).list();
    if (!used.isEmpty()) {
      throw new ConflictException("provider-in-use", "storage provider '" + id + "' holds datasets " + used
          + "; delete them first");
    }
    providers.delete(p);
    buckets.forget(p.getId());
  }

  /** Re-seals every provider's credentials still under an older key; how many. */
  @Transactional
  public int resealAll() {
    List<StorageProvider> old = providers.findByKeyIdNot(cipher.activeKey());
    for (StorageProvider p : old) {
      try {
        p.seal(cipher.seal(cipher.open(p.sealed(), p.context()), p.context()));
      } catch (IllegalStateException e) {
        org.slf4j.LoggerFactory.getLogger(ProviderService.class).warn("storage provider {} cannot be re-sealed: {}", p.getId(), e.getMessage());
      }
    }
    return old.size();
  }
}
