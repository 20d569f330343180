package dev.incline.storage.dataset;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "dataset_version")
public class DatasetVersion {

  public static final String DRAFT = "draft";
  public static final String COMMITTED = "committed";

  @Id private UUID id;
  @Column(name = "dataset_id", nullable = false) private UUID datasetId;
  @Column(name = "team_id", nullable = false) private String teamId;
  @Column(nullable = false) private int number;
  @Column(nullable = false) private String status;
  private String message;
  @Column(name = "produced_by_job") private String producedByJob;
  @Column(name = "created_by", nullable = false) private String createdBy;
  @Column(name = "created_at", nullable = false) private Instant createdAt;
  @Column(name = "committed_at") private Instant committedAt;

  protected DatasetVersion() {}

  DatasetVersion(UUID id, Dataset dataset, int number, String message, String producedByJob, String createdBy, Instant now) {
    this.id = id;
    this.datasetId = dataset.getId();
    this.teamId = dataset.getTeamId();
    this.number = number;
    this.status = DRAFT;
    this.message = message;
    this.producedByJob = producedByJob;
    this.createdBy = createdBy;
    this.createdAt = now;
  }

  public UUID getId() { return id; }
  public UUID getDatasetId() { return datasetId; }
  public String getTeamId() { return teamId; }
  public int getNumber() { return number; }
  public String getStatus() { return status; }
  public String getMessage() { return message; }
  public String getProducedByJob() { return producedByJob; }
  public String getCreatedBy() { return createdBy; }
  public Instant getCreatedAt() { return createdAt; }
  public Instant getCommittedAt() { return committedAt; }

  public boolean isDraft() { return DRAFT.equals(status); }

  void commit(Instant now) {
    this.status = COMMITTED;
    this.committedAt = now;
  }
}
