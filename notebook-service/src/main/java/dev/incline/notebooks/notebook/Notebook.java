package dev.incline.notebooks.notebook;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One notebook: what it runs, whether it should run, and where its current run stands. */
@Entity
@Table(name = "notebook")
public class Notebook {

  @Id private UUID id;
  @Column(name = "team_id", nullable = false) private String teamId;
  @Column(name = "project_id", nullable = false) private String projectId;
  @Column(nullable = false) private String name;
  private String image;
  @Column(name = "machine_type", nullable = false) private String machineType;
  @Column(name = "auto_shutdown_hours", nullable = false) private int autoShutdownHours;
  /** JSON array of {@link NotebookInput}. */
  @Column(nullable = false) private String inputs;
  @Column(nullable = false) private boolean stopped;
  @Column(nullable = false) private String status;
  private String reason;
  private String token;
  @Column(name = "host_port") private Integer hostPort;
  private String endpoint;
  @Column(name = "run_started_at") private Instant runStartedAt;
  @Column(name = "last_activity_at") private Instant lastActivityAt;
  @Column(name = "created_by", nullable = false) private String createdBy;
  @Column(name = "created_at", nullable = false) private Instant createdAt;
  @Column(name = "updated_at", nullable = false) private Instant updatedAt;
  @Column(name = "deleted_at") private Instant deletedAt;

  protected Notebook() {}

  Notebook(UUID id, String teamId, String projectId, String name, String image, String machineType, int autoShutdownHours,
      String inputs, String createdBy, Instant now) {
    this.id = id;
    this.teamId = teamId;
    this.projectId = projectId;
    this.name = name;
    this.image = image;
    this.machineType = machineType;
    this.autoShutdownHours = autoShutdownHours;
    this.inputs = inputs;
    this.createdBy = createdBy;
    this.createdAt = now;
    this.updatedAt = now;
    this.status = NotebookStatus.PENDING.wire();
  }

  public UUID getId() { return id; }
  public String getPublicId() { return NotebookIds.publicId(id); }
  public String getTeamId() { return teamId; }
  public String getProjectId() { return projectId; }
  public String getName() { return name; }
  public String getImage() { return image; }
  public String getMachineType() { return machineType; }
  public int getAutoShutdownHours() { return autoShutdownHours; }
  public String getInputs() { return inputs; }
  public boolean isStopped() { return stopped; }
  public NotebookStatus getStatus() { return NotebookStatus.fromWire(status); }
  public String getReason() { return reason; }
  public String getToken() { return token; }
  public Integer getHostPort() { return hostPort; }
  public String getEndpoint() { return endpoint; }
  public Instant getRunStartedAt() { return runStartedAt; }
  public Instant getLastActivityAt() { return lastActivityAt; }
  public String getCreatedBy() { return createdBy; }
  public Instant getCreatedAt() { return createdAt; }
  public Instant getUpdatedAt() { return updatedAt; }
  public boolean isDeleted() { return deletedAt != null; }

  /** Moves to {@code next}; false when it was there already (nothing to announce). */
  public boolean transition(NotebookStatus next, String why, Instant now) {
    boolean changed = getStatus() != next || !java.util.Objects.equals(reason, why);
    this.status = next.wire();
    this.reason = why;
    this.updatedAt = now;
    return changed;
  }

  /** A new run: its own token and port, nothing known of the last run's Jupyter. */
  public void beginRun(String token, Integer hostPort, Instant now) {
    this.token = token;
    this.hostPort = hostPort;
    this.endpoint = null;
    this.runStartedAt = now;
    this.lastActivityAt = now;
    this.updatedAt = now;
  }

  public void running(String endpoint) {
    this.endpoint = endpoint;
  }

  /** The run is gone: its token opens nothing any more and is forgotten. */
  public void endRun(Instant now) {
    this.token = null;
    this.endpoint = null;
    this.hostPort = null;
    this.updatedAt = now;
  }

  public void setStopped(boolean stopped, Instant now) {
    this.stopped = stopped;
    this.updatedAt = now;
  }

  public void activity(Instant at) {
    if (lastActivityAt == null || at.isAfter(lastActivityAt)) {
      this.lastActivityAt = at;
    }
  }

  public void markDeleted(Instant now) {
    this.deletedAt = now;
    this.stopped = true;
    this.updatedAt = now;
  }
}
