package dev.incline.registry.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.Immutable;

/** One registered version: written once, never updated. JSON columns are kept as text. */
@Entity
@Immutable
@Table(name = "model_version")
public class ModelVersion {

  @Id private UUID id;
  @Column(name = "model_id", nullable = false) private UUID modelId;
  @Column(name = "team_id", nullable = false) private String teamId;
  @Column(nullable = false) private int number;
  @Column(nullable = false) private String sha256;
  @Column(name = "size_bytes", nullable = false) private long sizeBytes;
  @Column(nullable = false) private String files;
  private String signature;
  private String metadata;
  private String metrics;
  private String lineage;
  @Column(name = "created_by", nullable = false) private String createdBy;
  @Column(name = "created_at", nullable = false) private Instant createdAt;

  protected ModelVersion() {}

  ModelVersion(UUID id, Model model, int number, String sha256, long sizeBytes, String files, String signature,
      String metadata, String metrics, String lineage, String createdBy, Instant now) {
    this.id = id;
    this.modelId = model.getId();
    this.teamId = model.getTeamId();
    this.number = number;
    this.sha256 = sha256;
    this.sizeBytes = sizeBytes;
    this.files = files;
    this.signature = signature;
    this.metadata = metadata;
    this.metrics = metrics;
    this.lineage = lineage;
    this.createdBy = createdBy;
    this.createdAt = now;
  }

  public UUID getId() { return id; }
  public UUID getModelId() { return modelId; }
  public String getTeamId() { return teamId; }
  public int getNumber() { return number; }
  public String getSha256() { return sha256; }
  public long getSizeBytes() { return sizeBytes; }
  public String getFiles() { return files; }
  public String getSignature() { return signature; }
  public String getMetadata() { return metadata; }
  public String getMetrics() { return metrics; }
  public String getLineage() { return lineage; }
  public String getCreatedBy() { return createdBy; }
  public Instant getCreatedAt() { return createdAt; }
}
