package dev.incline.storage.dataset;

import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.error.ConflictException;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.InvalidRequestException.FieldError;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.paging.Cursors;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import dev.incline.storage.config.StorageProperties;
import dev.incline.storage.dataset.DatasetRows.FileRow;
import dev.incline.storage.dataset.DatasetRows.UploadRow;
import dev.incline.storage.dataset.Views.FileView;
import dev.incline.storage.dataset.Views.Manifest;
import dev.incline.storage.dataset.Views.ManifestFile;
import dev.incline.storage.dataset.Views.PartDone;
import dev.incline.storage.dataset.Views.PartUrl;
import dev.incline.storage.dataset.Views.UploadView;
import dev.incline.storage.dataset.Views.VersionView;
import dev.incline.storage.provider.Bucket;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import software.amazon.awssdk.services.s3.model.Part;

/**
 * The bytes of dataset versions. Streaming work (uploads, hashing on commit) runs outside database
 * transactions; each write re-checks under the version's row lock that the version is still a draft,
 * and every upload goes to a key of its own, so a committed version's bytes are never written again.
 */
@Service
public class FileService {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FileService.class);

  static final int MAX_PARTS = 10_000;
  static final long MIN_PART = 5L * 1024 * 1024;
  static final long MAX_PART = 5L * 1024 * 1024 * 1024;

  private final DatasetService datasets;
  private final VersionRepository versions;
  private final DatasetRows rows;
  private final StorageProperties properties;
  private final TransactionTemplate tx;
  private final Clock clock;

  FileService(DatasetService datasets, VersionRepository versions, DatasetRows rows, StorageProperties properties,
      TransactionTemplate tx, Clock clock) {
    this.datasets = datasets;
    this.versions = versions;
    this.rows = rows;
    this.properties = properties;
    this.tx = tx;
    this.clock = clock;
  }

  private record Target(Dataset dataset, DatasetVersion version, Bucket bucket) {}

  private Target draft(Caller caller, String ref, String version) {
    caller.require(Role.MEMBER);
    Target t = target(caller, ref, version);
    requireDraft(t.version());
    return t;
  }

  private Target target(Caller caller, String ref, String version) {
    return tx.execute(s -> {
      Dataset d = datasets.dataset(caller, ref);
      return new Target(d, datasets.version(d, version), datasets.bucketOf(d));
    });
  }

  private static void requireDraft(DatasetVersion v) {
    if (!v.isDraft()) {
      throw new ConflictException("version-committed", "version " + v.getNumber()
          + " is committed and immutable; create a new version to change files");
    }
  }

  private static String path(String raw) {
    try {
      return FilePaths.normalise(raw);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("path", e.getMessage());
    }
  }

  // ---- streamed PUT

  /**
   * Streams a body to S3 under a fresh key and records it. {@code expectedSha256}, when given, must
   * match what arrived (422 otherwise, and nothing is kept).
   */
  public FileView put(Caller caller, String ref, String version, String rawPath, InputStream body, String expectedSha256) {
    String path = path(rawPath);
    String expected = normaliseSha(expectedSha256, "X-Content-SHA256");
    Target t = draft(caller, ref, version);
    String key = DatasetService.prefix(t.dataset(), t.version()) + "objects/" + UUID.randomUUID();
    StreamingUpload.Result result;
    try {
      result = StreamingUpload.upload(t.bucket(), key, body, (int) properties.streamPartSize().toBytes());
    } catch (IOException e) {
      throw ApiExceptions.badRequest("upload-interrupted", "the upload ended early: " + e.getMessage());
    }
    if (expected != null && !expected.equals(result.sha256())) {
      t.bucket().delete(key);
      throw new InvalidRequestException("X-Content-SHA256", "does not match the uploaded bytes (their SHA-256 is "
          + result.sha256() + ")");
    }
    FileRow row = new FileRow(path, key, result.size(), result.sha256(), true, clock.instant());
    record(t, row);
    return row.view();
  }

  /** Records a file under the version's lock; a version committed meanwhile keeps none of it. */
  private void record(Target t, FileRow row) {
    String replaced;
    try {
      replaced = tx.execute(s -> {
        DatasetVersion v = versions.findForUpdateByTeamIdAndId(t.version().getTeamId(), t.version().getId())
            .orElseThrow(() -> new NotFoundException("version", t.dataset().getName() + ":" + t.version().getNumber()));
        requireDraft(v);
        if (rows.file(v.getId(), row.path()).isEmpty() && rows.fileCount(v.getId()) >= properties.maxFilesPerVersion()) {
          throw new ConflictException("too-many-files", "a version holds at most " + properties.maxFilesPerVersion() + " files");
        }
        return rows.putFile(v.getId(), row).orElse(null);
      });
    } catch (RuntimeException e) {
      t.bucket().delete(row.objectKey()); // not recorded: nothing points to it
      throw e;
    }
    if (replaced != null) {
      try {
        t.bucket().delete(replaced);
      } catch (RuntimeException e) {
        // the row points to the new object; the old one is only garbage under the draft's prefix
        log.warn("could not delete a replaced object of a draft version: {}", e.getMessage());
      }
    }
  }

  public void delete(Caller caller, String ref, String version, String rawPath) {
    String path = path(rawPath);
    Target t = draft(caller, ref, version);
    String key = tx.execute(s -> {
      DatasetVersion v = versions.findForUpdateByTeamIdAndId(t.version().getTeamId(), t.version().getId()).orElseThrow();
      requireDraft(v);
      FileRow f = rows.file(v.getId(), path).orElseThrow(() -> new NotFoundException("file", path));
      rows.deleteFile(v.getId(), path);
      return f.objectKey();
    });
    t.bucket().delete(key);
  }

  // ---- reading

  public PageResponse<FileView> list(Caller caller, String ref, String version, String rawPrefix, Integer limit, String cursor) {
    String prefix;
    try {
      prefix = FilePaths.prefix(rawPrefix);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("prefix", e.getMessage());
    }
    int n = Cursors.limit(limit);
    Target t = target(caller, ref, version);
    List<FileRow> page = rows.files(t.version().getId(), prefix, Cursors.decode(cursor), n + 1);
    return PageResponse.of(page, n, FileRow::view, FileRow::path);
  }

  public URL downloadUrl(Caller caller, String ref, String version, String rawPath) {
    String path = path(rawPath);
    Target t = target(caller, ref, version);
    FileRow f = rows.file(t.version().getId(), path).orElseThrow(() -> new NotFoundException("file", path));
    return t.bucket().presignGet(f.objectKey(), properties.presignTtl(), path.substring(path.lastIndexOf('/') + 1));
  }

  /** Every file of a committed version with a presigned URL, for materialising it next to a workload. */
  public Manifest manifest(Caller caller, String versionId) {
    UUID id = PublicId.require(Views.VERSION, versionId, "version");
    Target t = tx.execute(s -> {
      DatasetVersion v = versions.findByTeamIdAndId(caller.teamId(), id).orElseThrow(() -> new NotFoundException("version", versionId));
      Dataset d = datasets.dataset(caller, Views.datasetId(v.getDatasetId()));
      return new Target(d, v, datasets.bucketOf(d));
    });
    List<ManifestFile> files = new ArrayList<>();
    long total = 0;
    for (FileRow f : rows.allFiles(id)) {
      files.add(new ManifestFile(f.path(), f.size(), f.sha256(),
          t.bucket().presignGet(f.objectKey(), properties.presignTtl(), null).toString()));
      total += f.size();
    }
    return new Manifest(versionId, t.dataset().getName() + ":" + t.version().getNumber(), total, files);
  }

  // ---- presigned multipart

  public UploadView startUpload(Caller caller, String ref, String version, UploadRequest r) {
    List<FieldError> errors = new ArrayList<>();
    String path = null;
    try {
      path = FilePaths.normalise(r.path());
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError("path", e.getMessage()));
    }
    if (r.size() == null || r.size() < 0) {
      errors.add(new FieldError("size", "is required: the file's exact size in bytes"));
    } else if (r.size() > MAX_PARTS * MAX_PART) {
      errors.add(new FieldError("size", "is larger than S3 allows for one object"));
    }
    String sha = null;
    try {
      sha = normaliseSha(r.sha256(), "sha256");
    } catch (InvalidRequestException e) {
      errors.addAll(e.errors());
    }
    if (r.partSize() != null && (r.partSize() < MIN_PART || r.partSize() > MAX_PART)) {
      errors.add(new FieldError("partSize", "must be between 5 MiB and 5 GiB"));
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    long partSize = r.partSize() != null ? r.partSize() : properties.uploadPartSize().toBytes();
    partSize = Math.max(partSize, ceilDiv(r.size(), MAX_PARTS));
    Target t = draft(caller, ref, version);
    String key = DatasetService.prefix(t.dataset(), t.version()) + "objects/" + UUID.randomUUID();
    String s3Upload = t.bucket().createMultipart(key);
    UploadRow row = new UploadRow(PublicId.newUuid(), t.version().getId(), path, key, s3Upload, r.size(), partSize, sha);
    rows.insertUpload(row, caller.teamId(), caller.userId(), clock.instant());
    return uploadView(t, row, List.of());
  }

  /** What S3 holds of an upload, and fresh URLs for the parts still missing: how a client resumes. */
  public UploadView upload(Caller caller, String ref, String version, String uploadId) {
    caller.require(Role.MEMBER); // the answer holds upload URLs
    Target t = target(caller, ref, version);
    UploadRow row = uploadRow(caller, t, uploadId);
    return uploadView(t, row, parts(t, row));
  }

  /**
   * The parts S3 holds. An upload S3 no longer knows (completed by a request that then failed, or
   * cleaned up by a lifecycle rule) is forgotten here too: a 404 to start again, not a 500 forever,
   * and it no longer blocks the commit.
   */
  private List<Part> parts(Target t, UploadRow row) {
    try {
      return t.bucket().parts(row.objectKey(), row.s3UploadId());
    } catch (software.amazon.awssdk.services.s3.model.NoSuchUploadException e) {
      rows.deleteUpload(row.id());
      throw new NotFoundException("upload", PublicId.encode(Views.UPLOAD, row.id()));
    }
  }

  public FileView completeUpload(Caller caller, String ref, String version, String uploadId) {
    Target t = draft(caller, ref, version);
    UploadRow row = uploadRow(caller, t, uploadId);
    List<Part> parts = parts(t, row);
    int expected = partCount(row);
    Map<Integer, Part> byNumber = parts.stream().collect(Collectors.toMap(Part::partNumber, Function.identity()));
    List<Integer> missing = new ArrayList<>();
    for (int i = 1; i <= expected; i++) {
      Part p = byNumber.get(i);
      if (p == null || p.size() != partLength(row, i)) {
        missing.add(i);
      }
    }
    if (!missing.isEmpty() || parts.size() != expected) {
      throw new ConflictException("upload-incomplete", "parts " + abbreviate(missing) + " of " + expected
          + " are missing or have the wrong size; GET the upload for fresh URLs and send them");
    }
    t.bucket().complete(row.objectKey(), row.s3UploadId(), parts);
    FileRow file = new FileRow(row.path(), row.objectKey(), row.size(), row.sha256(), false, clock.instant());
    record(t, file);
    rows.deleteUpload(row.id());
    return file.view();
  }

  public void abortUpload(Caller caller, String ref, String version, String uploadId) {
    Target t = target(caller, ref, version);
    UploadRow row = uploadRow(caller, t, uploadId);
    try {
      t.bucket().abort(row.objectKey(), row.s3UploadId());
    } catch (software.amazon.awssdk.services.s3.model.NoSuchUploadException alreadyGone) {
      // what the caller wanted
    } finally {
      rows.deleteUpload(row.id());
    }
  }

  private UploadRow uploadRow(Caller caller, Target t, String uploadId) {
    UUID id = PublicId.require(Views.UPLOAD, uploadId, "upload");
    return rows.upload(caller.teamId(), t.version().getId(), id).orElseThrow(() -> new NotFoundException("upload", uploadId));
  }

  private UploadView uploadView(Target t, UploadRow row, List<Part> done) {
    Duration ttl = properties.presignTtl();
    Instant expires = clock.instant().plus(ttl);
    Map<Integer, Part> have = done.stream().collect(Collectors.toMap(Part::partNumber, Function.identity()));
    List<PartUrl> urls = new ArrayList<>();
    List<PartDone> completed = new ArrayList<>();
    for (int i = 1; i <= partCount(row); i++) {
      Part p = have.get(i);
      long length = partLength(row, i);
      if (p != null && p.size() == length) {
        completed.add(new PartDone(i, length));
      } else {
        urls.add(new PartUrl(i, length, t.bucket().presignPart(row.objectKey(), row.s3UploadId(), i, ttl).toString()));
      }
    }
    return new UploadView(PublicId.encode(Views.UPLOAD, row.id()), row.path(), row.size(), row.partSize(), row.sha256(),
        urls, completed, expires);
  }

  static int partCount(UploadRow row) {
    return (int) Math.max(1, ceilDiv(row.size(), row.partSize()));
  }

  static long partLength(UploadRow row, int number) {
    long start = (number - 1) * row.partSize();
    return Math.min(row.partSize(), row.size() - start);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  private static String abbreviate(List<Integer> parts) {
    return parts.size() <= 10 ? parts.toString() : parts.subList(0, 10) + " (and " + (parts.size() - 10) + " more)";
  }

  // ---- commit

  /**
   * Freezes a draft: every file whose bytes were not hashed on the way in (presigned uploads) is read
   * back from S3 and checked against its declared SHA-256; a mismatch is a 422 naming the file and
   * the version stays a draft. Then {@code latest} moves to it.
   */
  public VersionView commit(Caller caller, String ref, String version) {
    Target t = draft(caller, ref, version);
    if (!rows.uploads(t.version().getId()).isEmpty()) {
      throw new ConflictException("uploads-open", "version " + t.version().getNumber()
          + " has presigned uploads that are not complete; complete or abort them first");
    }
    List<FileRow> files = rows.allFiles(t.version().getId());
    if (files.isEmpty()) {
      throw new ConflictException("version-empty", "version " + t.version().getNumber() + " has no files; upload some first");
    }
    List<FieldError> errors = new ArrayList<>();
    for (FileRow f : files) {
      if (f.verified()) {
        continue;
      }
      String actual;
      try (InputStream in = t.bucket().s3().getObject(b -> b.bucket(t.bucket().name()).key(f.objectKey()))) {
        actual = StreamingUpload.sha256(in);
      } catch (IOException e) {
        throw ApiExceptions.unavailable("could not read " + f.path() + " back from storage: " + e.getMessage());
      }
      if (f.sha256() != null && !f.sha256().equals(actual)) {
        errors.add(new FieldError("files[" + f.path() + "]", "SHA-256 is " + actual + ", not the declared " + f.sha256()));
      } else {
        rows.verified(t.version().getId(), f.path(), f.objectKey(), actual);
      }
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    return tx.execute(s -> {
      DatasetVersion v = versions.findForUpdateByTeamIdAndId(t.version().getTeamId(), t.version().getId())
          .orElseThrow(() -> new NotFoundException("version", t.dataset().getName() + ":" + t.version().getNumber()));
      requireDraft(v);
      // Uploads that landed while the files were being hashed: checked next time, not frozen unchecked.
      if (!rows.uploads(v.getId()).isEmpty() || rows.unverifiedCount(v.getId()) > 0) {
        throw new ConflictException("version-changed", "files of version " + v.getNumber()
            + " changed while it was being committed; commit again");
      }
      v.commit(clock.instant());
      rows.tag(t.dataset().getId(), DatasetService.LATEST, v.getId(), clock.instant());
      return datasets.versionView(t.dataset(), v);
    });
  }

  private static String normaliseSha(String sha, String field) {
    if (sha == null || sha.isBlank()) {
      return null;
    }
    String s = sha.trim().toLowerCase(java.util.Locale.ROOT);
    if (s.length() != 64 || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new InvalidRequestException(field, "must be a SHA-256 in hex (64 characters)");
    }
    HexFormat.of().parseHex(s);
    return s;
  }
}
