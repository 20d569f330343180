package dev.incline.jobs.workspace;

import dev.incline.platform.s3.BucketLayout;
import dev.incline.platform.archive.SafeArchive;
import dev.incline.jobs.config.JobsProperties;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.s3.ObjectStore;
import dev.incline.platform.security.Caller;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.springframework.stereotype.Service;
import org.springframework.web.multipart.MultipartFile;

/**
 * Workspace archives: checked by unpacking them once under the configured limits at upload time, so
 * that a hostile archive is a 422 now rather than a failed job later; then stored as uploaded.
 */
@Service
public class WorkspaceService {

  private final WorkspaceUploadRepository uploads;
  private final ObjectStore store;
  private final JobsProperties properties;
  private final Clock clock;

  WorkspaceService(WorkspaceUploadRepository uploads, ObjectStore store, JobsProperties properties, Clock clock) {
    this.uploads = uploads;
    this.store = store;
    this.properties = properties;
    this.clock = clock;
  }

  public WorkspaceView upload(Caller caller, MultipartFile file) {
    if (file == null || file.isEmpty()) {
      throw new InvalidRequestException("file", "a zip or tar.gz archive is required in the multipart field 'file'");
    }
    String name = safeName(file.getOriginalFilename());
    Path dir = null;
    try {
      dir = Files.createTempDirectory("incline-upload-");
      Path archive = dir.resolve("archive");
      try (InputStream in = file.getInputStream()) {
        Files.copy(in, archive, StandardCopyOption.REPLACE_EXISTING);
      }
      long unpacked = check(archive, dir, "file");
      UUID id = PublicId.newUuid();
      String key = key(caller, id, name);
      store.put(key, archive);
      WorkspaceUpload upload = new WorkspaceUpload(id, caller.teamId(), name, Files.size(archive), unpacked, key,
          caller.userId(), clock.instant());
      return WorkspaceView.of(uploads.save(upload));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteQuietly(dir);
    }
  }

  /** A presigned PUT for an archive too large to pass through the platform. */
  public record PresignedUpload(String uploadId, String method, String url, Instant expiresAt) {}

  public PresignedUpload presign(Caller caller, String fileName) {
    String name = safeName(fileName);
    UUID id = PublicId.newUuid();
    String key = key(caller, id, name);
    uploads.save(WorkspaceUpload.pending(id, caller.teamId(), name, key, caller.userId(), clock.instant()));
    Duration ttl = Duration.ofHours(1);
    return new PresignedUpload(PublicId.encode(WorkspaceView.PREFIX, id), "PUT", store.presignPut(key, ttl).toString(),
        clock.instant().plus(ttl));
  }

  /** Checks a presigned upload's archive like a direct one; afterwards jobs can use it. Idempotent. */
  public WorkspaceView complete(Caller caller, String uploadId) {
    WorkspaceUpload upload = PublicId.decode(WorkspaceView.PREFIX, uploadId)
        .flatMap(id -> uploads.findByTeamIdAndId(caller.teamId(), id))
        .orElseThrow(() -> new dev.incline.platform.error.NotFoundException("upload", uploadId));
    if (upload.isReady()) {
      return WorkspaceView.of(upload);
    }
    if (properties.workspace().maxArchiveSize().toBytes() < store.size(upload.getObjectKey()).orElseThrow(
        () -> new dev.incline.platform.error.ConflictException("upload-missing",
            "nothing was uploaded to this upload's URL yet"))) {
      store.deletePrefix(upload.getObjectKey());
      throw new InvalidRequestException("file", "archive is larger than " + properties.workspace().maxArchiveSize());
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("incline-upload-");
      Path archive = dir.resolve("archive");
      store.download(upload.getObjectKey(), archive);
      long unpacked;
      try {
        unpacked = check(archive, dir, "file");
      } catch (InvalidRequestException e) {
        store.deletePrefix(upload.getObjectKey());
        throw e;
      }
      upload.ready(Files.size(archive), unpacked);
      return WorkspaceView.of(uploads.save(upload));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteQuietly(dir);
    }
  }

  private long check(Path archive, Path dir, String field) throws IOException {
    try {
      return SafeArchive.extract(archive, dir.resolve("check"), limits());
    } catch (SafeArchive.RejectedException e) {
      throw new InvalidRequestException(field, e.getMessage());
    }
  }

  private static String key(Caller caller, UUID id, String name) {
    return BucketLayout.workspace(caller.teamId(), PublicId.encode(WorkspaceView.PREFIX, id), name);
  }

  public SafeArchive.Limits limits() {
    JobsProperties.Workspace w = properties.workspace();
    return new SafeArchive.Limits(w.maxUnpackedSize().toBytes(), w.maxEntries());
  }

  /** A ready upload of the team. */
  public Optional<WorkspaceUpload> find(String teamId, String publicId) {
    return PublicId.decode(WorkspaceView.PREFIX, publicId).flatMap(id -> uploads.findByTeamIdAndId(teamId, id))
        .filter(WorkspaceUpload::isReady);
  }

  /** A short-lived link the runtime downloads the archive from. */
  public URL downloadLink(WorkspaceUpload upload) {
    return store.presignGet(upload.getObjectKey(), Duration.ofHours(1), null);
  }

  static String safeName(String original) {
    String base = original == null ? "" : original.replace('\\', '/');
    base = base.substring(base.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
    if (base.isEmpty() || base.startsWith(".")) {
      base = "workspace" + base;
    }
    return base.length() > 100 ? base.substring(base.length() - 100) : base;
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory left behind is not worth failing the upload for
    }
  }
}
