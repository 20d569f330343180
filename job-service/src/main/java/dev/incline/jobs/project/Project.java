package dev.incline.jobs.project;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "project")
public class Project {

  @Id private UUID id;
  @Column(name = "team_id", nullable = false) private String teamId;
  @Column(nullable = false) private String name;
  private String description;
  @Column(name = "repository_url") private String repositoryUrl;
  @Column(name = "repository_ref") private String repositoryRef;
  @Column(name = "created_by", nullable = false) private String createdBy;
  @Column(name = "created_at", nullable = false) private Instant createdAt;
  @Column(name = "updated_at", nullable = false) private Instant updatedAt;

  protected Project() {}

  public Project(UUID id, String teamId, String name, String createdBy, Instant now) {
    this.id = id;
    this.teamId = teamId;
    this.name = name;
    this.createdBy = createdBy;
    this.createdAt = now;
    this.updatedAt = now;
  }

  public UUID getId() { return id; }
  public String getTeamId() { return teamId; }
  public String getName() { return name; }
  public String getDescription() { return description; }
  public String getRepositoryUrl() { return repositoryUrl; }
  public String getRepositoryRef() { return repositoryRef; }
  public String getCreatedBy() { return createdBy; }
  public Instant getCreatedAt() { return createdAt; }
  public Instant getUpdatedAt() { return updatedAt; }

  void rename(String name) { this.name = name; }
  void describe(String description) { this.description = description; }
  void repository(String url, String ref) { this.repositoryUrl = url; this.repositoryRef = ref; }
  void touched(Instant now) { this.updatedAt = now; }
}
