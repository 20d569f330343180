package dev.incline.deployments.deployment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One deployment: what it serves, how many replicas, and where its rollout stands. */
@Entity
@Table(name = "deployment")
public class Deployment {

  @Id private UUID id;
  @Column(name = "team_id", nullable = false) private String teamId;
  @Column(name = "project_id", nullable = false) private String projectId;
  @Column(nullable = false) private String name;
  @Column(name = "model_ref") private String modelRef;
  @Column(name = "model_id") private String modelId;
  @Column(name = "model_name") private String modelName;
  @Column(name = "model_version_id") private String modelVersionId;
  @Column(name = "model_version") private Integer modelVersion;
  private String image;
  /** JSON array, or null for the image's own command. */
  private String command;
  private Integer port;
  @Column(name = "health_path", nullable = false) private String healthPath;
  @Column(name = "machine_type") private String machineType;
  @Column(name = "min_replicas", nullable = false) private int minReplicas;
  @Column(name = "max_replicas", nullable = false) private int maxReplicas;
  @Column(name = "target_concurrency", nullable = false) private int targetConcurrency;
  @Column(nullable = false) private int revision;
  @Column(name = "desired_replicas", nullable = false) private int desiredReplicas;
  @Column(nullable = false) private boolean stopped;
  @Column(nullable = false) private String status;
  private String reason;
  @Column(nullable = false) private int failures;
  @Column(name = "created_by", nullable = false) private String createdBy;
  @Column(name = "created_at", nullable = false) private Instant createdAt;
  @Column(name = "updated_at", nullable = false) private Instant updatedAt;
  @Column(name = "deleted_at") private Instant deletedAt;

  protected Deployment() {}

  Deployment(UUID id, String teamId, String projectId, String name, String machineType, String createdBy, Instant now) {
    this.id = id;
    this.teamId = teamId;
    this.projectId = projectId;
    this.name = name;
    this.machineType = machineType;
    this.createdBy = createdBy;
    this.createdAt = now;
    this.updatedAt = now;
    this.revision = 1;
    this.status = DeploymentStatus.PENDING.wire();
  }

  public UUID getId() { return id; }
  public String getTeamId() { return teamId; }
  public String getProjectId() { return projectId; }
  public String getName() { return name; }
  public String getModelRef() { return modelRef; }
  public String getModelId() { return modelId; }
  public String getModelName() { return modelName; }
  public String getModelVersionId() { return modelVersionId; }
  public Integer getModelVersion() { return modelVersion; }
  public String getImage() { return image; }
  public String getCommand() { return command; }
  public Integer getPort() { return port; }
  public String getHealthPath() { return healthPath; }
  public String getMachineType() { return machineType; }
  public int getMinReplicas() { return minReplicas; }
  public int getMaxReplicas() { return maxReplicas; }
  public int getTargetConcurrency() { return targetConcurrency; }
  public int getRevision() { return revision; }
  public int getDesiredReplicas() { return desiredReplicas; }
  public boolean isStopped() { return stopped; }
  public DeploymentStatus getStatus() { return DeploymentStatus.fromWire(status); }
  public String getReason() { return reason; }
  public int getFailures() { return failures; }
  public String getCreatedBy() { return createdBy; }
  public Instant getCreatedAt() { return createdAt; }
  public Instant getUpdatedAt() { return updatedAt; }

  /** Whether a model version is served (else a custom image). */
  public boolean servesModel() {
    return modelVersionId != null;
  }

  void serveModel(String ref, String modelId, String modelName, String versionId, int version, String healthPath) {
    this.modelRef = ref;
    this.modelId = modelId;
    this.modelName = modelName;
    this.modelVersionId = versionId;
    this.modelVersion = version;
    this.image = null;
    this.command = null;
    this.port = null;
    this.healthPath = healthPath;
  }

  void serveImage(String image, String commandJson, int port, String healthPath) {
    this.modelRef = null;
    this.modelId = null;
    this.modelName = null;
    this.modelVersionId = null;
    this.modelVersion = null;
    this.image = image;
    this.command = commandJson;
    this.port = port;
    this.healthPath = healthPath;
  }

  void scale(String machineType, int min, int max, int targetConcurrency) {
    this.machineType = machineType;
    this.minReplicas = min;
    this.maxReplicas = max;
    this.targetConcurrency = targetConcurrency;
    this.desiredReplicas = Math.max(min, Math.min(max, desiredReplicas));
  }

  /** What is served changed: replicas of the older revision roll away. */
  void nextRevision(Instant now) {
    revision++;
    failures = 0;
    updatedAt = now;
  }

  void setStopped(boolean stopped, Instant now) {
    this.stopped = stopped;
    this.failures = 0;
    this.updatedAt = now;
  }

  /** Deleted by its team: out of routing; the reconciler stops the replicas and removes the row. */
  void markDeleted(Instant now) {
    this.deletedAt = now;
    this.stopped = true;
    this.updatedAt = now;
  }

  public boolean isDeleted() {
    return deletedAt != null;
  }

  public void setDesiredReplicas(int desired) {
    this.desiredReplicas = desired;
  }

  public void replicaFailed() {
    failures++;
  }

  /** @return whether the status or reason changed */
  public boolean setStatus(DeploymentStatus next, String reason, Instant now) {
    if (next.wire().equals(status) && java.util.Objects.equals(reason, this.reason)) {
      return false;
    }
    this.status = next.wire();
    this.reason = reason;
    this.updatedAt = now;
    return true;
  }
}
