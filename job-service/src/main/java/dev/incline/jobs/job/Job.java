package dev.incline.jobs.job;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/**
 * A training job's record. The reconciler moves {@link #getStatus() status}; the log follower moves
 * the log position and sequences through {@code LogStore}, which is why those columns are read-only
 * here and updates name only the columns that changed. JSON-valued fields are text, mapped by the service.
 */
@Entity
@Table(name = "job")
@org.hibernate.annotations.DynamicUpdate
public class Job implements org.springframework.data.domain.Persistable<UUID> {

  /** Ids are assigned before saving: without this, save() would SELECT first to tell new from old. */
  @jakarta.persistence.Transient private boolean isNew = true;

  @Override
  public UUID getId() { return id; }

  @Override
  public boolean isNew() { return isNew; }

  @jakarta.persistence.PostLoad
  @jakarta.persistence.PostPersist
  void markNotNew() { isNew = false; }

  @Id private UUID id;
  @Column(name = "team_id", nullable = false) private String teamId;
  @Column(name = "project_id", nullable = false) private UUID projectId;
  @Column(nullable = false) private String name;
  @Column(nullable = false) private String image;
  @Column(nullable = false) private String command;
  @Column(name = "machine_type", nullable = false) private String machineType;
  @Column(name = "workspace_upload_id") private UUID workspaceUploadId;
  @Column(name = "git_url") private String gitUrl;
  @Column(name = "git_ref") private String gitRef;
  @Column(nullable = false) private String env;
  @Column(nullable = false) private String ports;
  @Column(nullable = false) private String secrets = "[]";
  @Column(nullable = false) private String inputs = "[]";
  @Column(nullable = false) private String outputs = "[]";
  @Column(name = "max_runtime_seconds", nullable = false) private long maxRuntimeSeconds;
  @Column(nullable = false) private int retries;
  @Column(nullable = false) private int attempt;
  @Column(nullable = false) private JobStatus status;
  private String reason;
  @Column(name = "exit_code") private Integer exitCode;
  @Column(nullable = false) private String endpoints;
  @Column(name = "stop_requested", nullable = false) private boolean stopRequested;
  @Column(name = "deadline_exceeded", nullable = false) private boolean deadlineExceeded;
  @Column(nullable = false) private String runtime;
  @Column(name = "log_position", insertable = false, updatable = false) private String logPosition;
  @Column(name = "log_seq", nullable = false, insertable = false, updatable = false) private long logSeq;
  @Column(name = "metric_seq", nullable = false, insertable = false, updatable = false) private long metricSeq;
  @Column(name = "logs_drained", nullable = false, insertable = false, updatable = false) private boolean logsDrained;
  @Column(name = "created_by", nullable = false) private String createdBy;
  @Column(name = "created_at", nullable = false) private Instant createdAt;
  @Column(name = "started_at") private Instant startedAt;
  @Column(name = "finished_at") private Instant finishedAt;
  @Column(name = "updated_at", nullable = false) private Instant updatedAt;

  protected Job() {}

  Job(UUID id, String teamId, UUID projectId, String name, String image, String command, String machineType,
      String env, String ports, long maxRuntimeSeconds, int retries, String runtime, String createdBy, Instant now) {
    this.id = id;
    this.teamId = teamId;
    this.projectId = projectId;
    this.name = name;
    this.image = image;
    this.command = command;
    this.machineType = machineType;
    this.env = env;
    this.ports = ports;
    this.maxRuntimeSeconds = maxRuntimeSeconds;
    this.retries = retries;
    this.runtime = runtime;
    this.status = JobStatus.PENDING;
    this.endpoints = "{}";
    this.createdBy = createdBy;
    this.createdAt = now;
    this.updatedAt = now;
  }

  void workspaceUpload(UUID uploadId) { this.workspaceUploadId = uploadId; }
  void git(String url, String ref) { this.gitUrl = url; this.gitRef = ref; }

  /** Moves to a status; returns false when it was already there with the same reason. */
  boolean transition(JobStatus next, String reason, Instant now) {
    if (status == next && java.util.Objects.equals(this.reason, reason)) {
      return false;
    }
    if (next == JobStatus.RUNNING && startedAt == null) {
      startedAt = now;
    }
    if (next.terminal() && finishedAt == null) {
      finishedAt = now;
    }
    status = next;
    this.reason = reason;
    updatedAt = now;
    return true;
  }

  void finished(Integer exitCode) { this.exitCode = exitCode; }
  void started(Instant at) { if (at != null) { this.startedAt = at; } }
  void requestStop() { this.stopRequested = true; }
  void deadlineExceeded() { this.deadlineExceeded = true; }
  void endpoints(String json) { this.endpoints = json; }

  /** The next attempt after a retryable failure starts from a clean log position. */
  void retry(Instant now) {
    attempt++;
    exitCode = null;
    status = JobStatus.PENDING;
    reason = "retrying (attempt " + (attempt + 1) + " of " + (retries + 1) + ")";
    updatedAt = now;
  }

  public String getTeamId() { return teamId; }
  public UUID getProjectId() { return projectId; }
  public String getName() { return name; }
  public String getImage() { return image; }
  public String getCommand() { return command; }
  public String getMachineType() { return machineType; }
  public UUID getWorkspaceUploadId() { return workspaceUploadId; }
  public String getGitUrl() { return gitUrl; }
  public String getGitRef() { return gitRef; }
  public String getEnv() { return env; }
  public String getPorts() { return ports; }
  public String getSecrets() { return secrets; }
  public String getInputs() { return inputs; }
  public String getOutputs() { return outputs; }

  void storage(String secrets, String inputs, String outputs) {
    this.secrets = secrets;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  void outputs(String outputs) { this.outputs = outputs; }
  public long getMaxRuntimeSeconds() { return maxRuntimeSeconds; }
  public int getRetries() { return retries; }
  public int getAttempt() { return attempt; }
  public JobStatus getStatus() { return status; }
  public String getReason() { return reason; }
  public Integer getExitCode() { return exitCode; }
  public String getEndpoints() { return endpoints; }
  public boolean isStopRequested() { return stopRequested; }
  public boolean isDeadlineExceeded() { return deadlineExceeded; }
  public String getRuntime() { return runtime; }
  public String getLogPosition() { return logPosition; }
  public long getLogSeq() { return logSeq; }
  public long getMetricSeq() { return metricSeq; }
  public boolean isLogsDrained() { return logsDrained; }
  public String getCreatedBy() { return createdBy; }
  public Instant getCreatedAt() { return createdAt; }
  public Instant getStartedAt() { return startedAt; }
  public Instant getFinishedAt() { return finishedAt; }
  public Instant getUpdatedAt() { return updatedAt; }
}
