package dev.incline.jobs.project;

import dev.incline.platform.id.PublicId;
import java.time.Instant;

public record ProjectView(String id, String name, String description, ProjectRequest.Repository repository,
    String createdBy, Instant createdAt, Instant updatedAt) {

  public static final String PREFIX = "prj";

  static ProjectView of(Project p) {
    ProjectRequest.Repository repo = p.getRepositoryUrl() == null ? null
        : new ProjectRequest.Repository(p.getRepositoryUrl(), p.getRepositoryRef());
    return new ProjectView(PublicId.encode(PREFIX, p.getId()), p.getName(), p.getDescription(), repo,
        p.getCreatedBy(), p.getCreatedAt(), p.getUpdatedAt());
  }
}
