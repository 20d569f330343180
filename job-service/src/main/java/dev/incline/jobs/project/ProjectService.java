package dev.incline.jobs.project;

import dev.incline.platform.error.ConflictException;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.paging.Cursors;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
public class ProjectService {

  private final ProjectRepository projects;
  private final ObjectProvider<ProjectUsage> usage;
  private final Clock clock;

  // The job feature uses projects and answers whether a project is in use: a provider breaks the cycle.
  ProjectService(ProjectRepository projects, ObjectProvider<ProjectUsage> usage, Clock clock) {
    this.projects = projects;
    this.usage = usage;
    this.clock = clock;
  }

  /** The team's project, or a 404 that does not say whether another team has it. */
  public Project require(String teamId, String publicId) {
    UUID id = PublicId.require(ProjectView.PREFIX, publicId, "project");
    return projects.findByTeamIdAndId(teamId, id).orElseThrow(() -> new NotFoundException("project", publicId));
  }

  @Transactional
  public ProjectView create(Caller caller, ProjectRequest request) {
    if (request.name() == null) {
      throw new InvalidRequestException("name", "is required");
    }
    if (projects.existsByTeamIdAndName(caller.teamId(), request.name())) {
      throw new ConflictException("name-taken", "a project named '" + request.name() + "' already exists");
    }
    Project p = new Project(PublicId.newUuid(), caller.teamId(), request.name(), caller.userId(), clock.instant());
    apply(p, request);
    return ProjectView.of(projects.save(p));
  }

  @Transactional
  public ProjectView update(Caller caller, String id, ProjectRequest request) {
    Project p = require(caller.teamId(), id);
    if (request.name() != null && !request.name().equals(p.getName())) {
      if (projects.existsByTeamIdAndName(caller.teamId(), request.name())) {
        throw new ConflictException("name-taken", "a project named '" + request.name() + "' already exists");
      }
      p.rename(request.name());
    }
    apply(p, request);
    p.touched(clock.instant());
    return ProjectView.of(p);
  }

  private static void apply(Project p, ProjectRequest request) {
    if (request.description() != null) {
      p.describe(request.description());
    }
    if (request.repository() != null) {
      p.repository(request.repository().url(), request.repository().defaultRef());
    }
  }

  @Transactional(readOnly = true)
  public PageResponse<ProjectView> list(Caller caller, Integer limit, String cursor) {
    int n = Cursors.limit(limit);
    UUID after = Cursors.decodeId(cursor);
    List<Project> rows = after == null
        ? projects.findByTeamIdOrderByIdAsc(caller.teamId(), Limit.of(n + 1))
        : projects.findByTeamIdAndIdGreaterThanOrderByIdAsc(caller.teamId(), after, Limit.of(n + 1));
    return PageResponse.of(rows, n, ProjectView::of, p -> p.getId().toString());
  }

  @Transactional
  public void delete(Caller caller, String id) {
    Project p = require(caller.teamId(), id);
    if (usage.getObject().hasJobs(caller.teamId(), p.getId())) {
      throw new ConflictException("project-in-use", "project '" + id + "' still has jobs; delete them first");
    }
    projects.delete(p);
  }

  /** What else refers to a project; implemented by the job feature so that this one stays independent. */
  public interface ProjectUsage {
    boolean hasJobs(String teamId, UUID projectId);
  }
}
