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
  }

  public UUID getId() { return id; }
  public String getTeamId() { return teamId; }
  public String getFileName() { return fileName; }
  public long getSizeBytes() { return sizeBytes; }
  public long getUnpackedBytes() { return unpackedBytes; }
  public String getObjectKey() { return objectKey; }
  public Instant getCreatedAt() { return createdAt; }
}
