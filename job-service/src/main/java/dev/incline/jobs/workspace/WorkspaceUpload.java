package dev.incline.jobs.workspace;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "workspace_upload")
public class WorkspaceUpload {

  @Id private UUID id;
  @Column(name = "team_id", nullable = false) private String teamId;
  @Column(name = "file_name", nullable = false) private String fileName;
  @Column(name = "size_bytes", nullable = false) private long sizeBytes;
  @Column(name = "unpacked_bytes", nullable = false) private long unpackedBytes;
  @Column(name = "object_key", nullable = false) private String objectKey;
  @Column(name = "created_by", nullable = false) private String createdBy;
  @Column(name = "created_at", nullable = false) private Instant createdAt;
  @Column(nullable = false) private String status;

  protected WorkspaceUpload() {}

  WorkspaceUpload(UUID id, String teamId, String fileName, long sizeBytes, long unpackedBytes, String objectKey,
      String createdBy, Instant createdAt) {
    this.id = id;
    this.teamId = teamId;
    this.fileName = fileName;
    this.sizeBytes = sizeBytes;
    this.unpackedBytes = unpackedBytes;
    this.objectKey = objectKey;
    this.createdBy = createdBy;
    this.createdAt = createdAt;
    this.status = READY;
  }

  public static final String READY = "ready";
  public static final String PENDING = "pending";

  /** An upload whose bytes are on their way to S3 through a presigned URL. */
  static WorkspaceUpload pending(UUID id, String teamId, String fileName, String objectKey, String createdBy, Instant now) {
    WorkspaceUpload u = new WorkspaceUpload(id, teamId, fileName, 0, 0, objectKey, createdBy, now);
    u.status = PENDING;
    return u;
  }

  void ready(long size, long unpacked) {
    this.sizeBytes = size;
    this.unpackedBytes = unpacked;
    this.status = READY;
  }

  public boolean isReady() { return READY.equals(status); }
  public String getStatus() { return status; }

  public UUID getId() { return id; }
  public String getTeamId() { return teamId; }
  public String getFileName() { return fileName; }
  public long getSizeBytes() { return sizeBytes; }
  public long getUnpackedBytes() { return unpackedBytes; }
  public String getObjectKey() { return objectKey; }
  public Instant getCreatedAt() { return createdAt; }
}
