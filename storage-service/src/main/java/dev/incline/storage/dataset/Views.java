package dev.incline.storage.dataset;

import dev.incline.platform.id.PublicId;
import java.time.Instant;
import java.util.List;

/** What the dataset endpoints return. */
public final class Views {

  public static final String DATASET = "ds";
  public static final String VERSION = "dsv";
  public static final String UPLOAD = "dsu";

  private Views() {}

  public record DatasetView(String id, String projectId, String name, String description, String storageProviderId,
      Integer latestVersion, String createdBy, Instant createdAt) {}

  public record VersionView(String id, String datasetId, String dataset, int version, String status, String message,
      long fileCount, long totalBytes, List<String> tags, String author, String producedByJob, List<String> usedBy,
      Instant createdAt, Instant committedAt) {

    /** {@code name:number}, the reference that names exactly this version. */
    public String ref() {
      return dataset + ":" + version;
    }
  }

  public record FileView(String path, long size, String sha256, boolean verified, Instant uploadedAt) {}

  public record ManifestFile(String path, long size, String sha256, String url) {}

  public record Manifest(String versionId, String ref, long totalBytes, List<ManifestFile> files) {}

  public record UploadView(String id, String path, long size, long partSize, String sha256, List<PartUrl> parts,
      List<PartDone> completedParts, Instant urlsExpireAt) {}

  public record PartUrl(int partNumber, long size, String url) {}

  public record PartDone(int partNumber, long size) {}

  static String datasetId(java.util.UUID id) {
    return PublicId.encode(DATASET, id);
  }

  static String versionId(java.util.UUID id) {
    return PublicId.encode(VERSION, id);
  }
}
