package dev.incline.registry.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "model")
public class Model {

  @Id private UUID id;
  @Column(name = "team_id", nullable = false) private String teamId;
  @Column(name = "project_id", nullable = false) private String projectId;
  @Column(nullable = false) private String name;
  @Column(nullable = false) private String format;
  private String description;
  @Column(name = "last_version", nullable = false) private int lastVersion;
  @Column(name = "created_by", nullable = false) private String createdBy;
  @Column(name = "created_at", nullable = false) private Instant createdAt;

  protected Model() {}

  Model(UUID id, String teamId, String projectId, String name, String format, String description, String createdBy,
      Instant now) {
    this.id = id;
    this.teamId = teamId;
    this.projectId = projectId;
    this.name = name;
    this.format = format;
    this.description = description;
    this.createdBy = createdBy;
    this.createdAt = now;
  }

  public UUID getId() { return id; }
  public String getTeamId() { return teamId; }
  public String getProjectId() { return projectId; }
  public String getName() { return name; }
  public String getFormat() { return format; }
  public String getDescription() { return description; }
  public int getLastVersion() { return lastVersion; }
  public String getCreatedBy() { return createdBy; }
  public Instant getCreatedAt() { return createdAt; }

  /** The next version number; the row is locked by the caller, so numbers never repeat. */
  int nextVersion() {
    return ++lastVersion;
  }
}
