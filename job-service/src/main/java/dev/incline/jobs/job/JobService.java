package dev.incline.jobs.job;

import dev.incline.compute.WorkloadRuntime;
import dev.incline.jobs.config.JobsProperties;
import dev.incline.jobs.storage.StorageClient;
import dev.incline.jobs.events.WorkloadEvents;
import dev.incline.jobs.logs.LogStore;
import dev.incline.jobs.machine.MachineTypeCatalog;
import dev.incline.jobs.project.Project;
import dev.incline.jobs.project.ProjectService;
import dev.incline.jobs.workspace.WorkspaceService;
import dev.incline.jobs.workspace.WorkspaceUpload;
import dev.incline.jobs.workspace.WorkspaceView;
import dev.incline.platform.error.ConflictException;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.idempotency.IdempotencyStore;
import dev.incline.platform.paging.Cursors;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import jakarta.persistence.criteria.Predicate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.data.domain.Sort;
import org.springframework.data.jpa.domain.Specification;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

@Service
public class JobService implements ProjectService.ProjectUsage {

  private final JobRepository jobs;
  private final ProjectService projects;
  private final WorkspaceService workspaces;
  private final MachineTypeCatalog catalog;
  private final JobsProperties properties;
  private final WorkloadRuntime runtime;
  private final WorkloadEvents events;
  private final IdempotencyStore idempotency;
  private final LogStore logs;
  private final JsonMapper json;
  private final Clock clock;
  private final StorageClient storage;

  JobService(JobRepository jobs, ProjectService projects, WorkspaceService workspaces, MachineTypeCatalog catalog,
      JobsProperties properties, WorkloadRuntime runtime, WorkloadEvents events, IdempotencyStore idempotency, StorageClient storage,
      LogStore logs, JsonMapper json, Clock clock) {
    this.jobs = jobs;
    this.projects = projects;
    this.workspaces = workspaces;
    this.catalog = catalog;
    this.properties = properties;
    this.runtime = runtime;
    this.storage = storage;
    this.events = events;
    this.idempotency = idempotency;
    this.logs = logs;
    this.json = json;
    this.clock = clock;
  }

  @Override
  public boolean hasJobs(String teamId, UUID projectId) {
    return jobs.existsByTeamIdAndProjectId(teamId, projectId);
  }

  public IdempotencyStore.Outcome<JobView> create(Caller caller, JobRequest request, String idempotencyKey) {
    JobValidator.validate(request, catalog, properties);
    return idempotency.execute(caller.teamId(), idempotencyKey, request, JobView.class, () -> insert(caller, request));
  }

  private JobView insert(Caller caller, JobRequest r) {
    Project project = projects.require(caller.teamId(), r.projectId());
    WorkspaceUpload upload = null;
    if (r.workspace() != null && r.workspace().uploadId() != null) {
      upload = workspaces.find(caller.teamId(), r.workspace().uploadId())
          .orElseThrow(() -> new InvalidRequestException("workspace.uploadId",
              "upload '" + r.workspace().uploadId() + "' not found"));
    }
    String machineType = r.machineType() != null ? r.machineType() : properties.defaultMachineType();
    if (catalog.find(machineType).isEmpty()) {
      throw new InvalidRequestException("machineType", "no machine type given and the default '" + machineType + "' is not in the catalog");
    }
    UUID id = PublicId.newUuid();
    List<JobData.Input> inputs = resolveInputs(caller, r, publicId(id));
    try {
      return insert(caller, r, project, upload, machineType, id, inputs);
    } catch (RuntimeException e) {
      if (!inputs.isEmpty()) {
        storage.release(caller.teamId(), publicId(id)); // the job was not stored: it uses nothing
      }
      throw e;
    }
  }

  /**
   * Asks storage-service, as the caller, whether the secrets exist and which committed versions the
   * inputs name, recording the job as their user (so they cannot be deleted under it). Nothing is
   * left for later: a job naming what is not there is refused now.
   */
  private List<JobData.Input> resolveInputs(Caller caller, JobRequest r, String jobId) {
    boolean secrets = r.secrets() != null && !r.secrets().isEmpty();
    boolean inputs = r.inputs() != null && !r.inputs().isEmpty();
    boolean outputs = r.outputs() != null && !r.outputs().isEmpty();
    if ((inputs || outputs) && runtime.name().equals("kubernetes") && properties.agentUrl() == null) {
      throw new InvalidRequestException(inputs ? "inputs" : "outputs",
          "dataset inputs and outputs on kubernetes need the agent, and this installation sets no incline.jobs.agent-url");
    }
    if (secrets) {
      storage.checkSecrets(caller, r.projectId(), r.secrets());
    }
    if (!inputs) {
      return List.of();
    }
    List<String> refs = r.inputs().stream().map(JobRequest.Input::dataset).toList();
    List<StorageClient.Version> versions = storage.use(caller, refs, jobId,
        field -> field.startsWith("refs[") ? "inputs" + field.substring(4) + ".dataset" : field);
    List<JobData.Input> out = new java.util.ArrayList<>();
    for (int i = 0; i < refs.size(); i++) {
      StorageClient.Version v = versions.get(i);
      out.add(new JobData.Input(refs.get(i), JobValidator.mountAs(r.inputs().get(i)), v.id(), v.ref()));
    }
    return out;
  }

  private JobView insert(Caller caller, JobRequest r, Project project, WorkspaceUpload upload, String machineType, UUID id,
      List<JobData.Input> inputs) {
    Job job = new Job(
        id, caller.teamId(), project.getId(),
        r.name() != null ? r.name() : defaultName(r.command()),
        r.image() != null ? r.image() : properties.defaultImage(),
        r.command(), machineType,
        json.writeValueAsString(r.env() == null ? Map.of() : r.env()),
        json.writeValueAsString(r.ports() == null ? List.of() : r.ports()),
        r.maxRuntimeSeconds() != null ? r.maxRuntimeSeconds() : properties.defaultMaxRuntime().toSeconds(),
        r.retries() != null ? r.retries() : 0,
        runtime.name(), caller.userId(), clock.instant());
    job.storage(json.writeValueAsString(r.secrets() == null ? List.of() : r.secrets()), json.writeValueAsString(inputs),
        json.writeValueAsString(r.outputs() == null ? List.of()
            : r.outputs().stream().map(o -> new JobData.Output(o.dataset(), o.from().replaceAll("/+$", ""), null, null)).toList()));
    if (upload != null) {
      job.workspaceUpload(upload.getId());
    } else if (r.workspace() != null && r.workspace().git() != null) {
      job.git(r.workspace().git().url(), r.workspace().git().ref());
    } else if (project.getRepositoryUrl() != null && r.workspace() == null) {
      // A project with a repository runs its jobs from it unless a job brings its own workspace.
      job.git(project.getRepositoryUrl(), project.getRepositoryRef());
    }
    jobs.save(job);
    events.record(job.getTeamId(), "job", job.getId(), publicId(job.getId()), job.getStatus().wire(), null, null, job.getCreatedAt());
    return view(job);
  }

  static String defaultName(String command) {
    String first = command.strip().split("\\s+")[0];
    String base = first.substring(first.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "");
    return base.isEmpty() ? "job" : base.length() > 60 ? base.substring(0, 60) : base;
  }

  public static String publicId(UUID id) {
    return PublicId.encode(JobView.PREFIX, id);
  }

  /** The team's job, or a 404 that does not say whether another team has it. */
  public Job require(String teamId, String publicId) {
    UUID id = PublicId.require(JobView.PREFIX, publicId, "job");
    return jobs.findByTeamIdAndId(teamId, id).orElseThrow(() -> new NotFoundException("job", publicId));
  }

  @Transactional(readOnly = true)
  public JobView get(Caller caller, String id) {
    return view(require(caller.teamId(), id));
  }

  @Transactional(readOnly = true)
  public PageResponse<JobView> list(Caller caller, String projectId, String status, Integer limit, String cursor) {
    int n = Cursors.limit(limit);
    UUID afterId = Cursors.decodeId(cursor);
    UUID project = projectId == null ? null : projects.require(caller.teamId(), projectId).getId();
    JobStatus wanted;
    try {
      wanted = status == null ? null : JobStatus.fromWire(status);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("status", "must be one of Pending, Provisioning, Running, Succeeded, Failed, Stopped");
    }
    // Newest first, as a person reading a job list expects.
    Specification<Job> spec = (root, q, cb) -> {
      List<Predicate> where = new ArrayList<>();
      where.add(cb.equal(root.get("teamId"), caller.teamId()));
      if (project != null) {
        where.add(cb.equal(root.get("projectId"), project));
      }
      if (wanted != null) {
        where.add(cb.equal(root.get("status"), wanted));
      }
      if (afterId != null) {
        where.add(cb.lessThan(root.get("id"), afterId));
      }
      return cb.and(where.toArray(Predicate[]::new));
    };
    List<Job> rows = jobs.findBy(spec, q -> q.sortBy(Sort.by(Sort.Direction.DESC, "id")).limit(n + 1).all());
    return PageResponse.of(rows, n, this::view, j -> j.getId().toString());
  }

  /**
   * Stops a job. Idempotent: a job that already finished is returned as it is (200), so that a
   * retried stop never fails; a pending job stops at once; a running one gets SIGTERM from the
   * reconciler, and SIGKILL after the grace period.
   */
  @Transactional
  public JobView stop(Caller caller, String id) {
    Job job = require(caller.teamId(), id);
    if (job.getStatus().terminal() || job.isStopRequested()) {
      return view(job);
    }
    job.requestStop();
    if (job.getStatus() == JobStatus.PENDING) {
      job.transition(JobStatus.STOPPED, "stopped before it started", clock.instant());
      events.record(job.getTeamId(), "job", job.getId(), publicId(job.getId()), job.getStatus().wire(), job.getReason(), null, clock.instant());
    }
    return view(job);
  }

  @Transactional
  public void delete(Caller caller, String id, java.util.function.Consumer<Job> cleanUp) {
    Job job = require(caller.teamId(), id);
    if (!job.getStatus().terminal()) {
      throw new ConflictException("job-active", "job '" + id + "' is " + job.getStatus().wire() + "; stop it before deleting it");
    }
    if (!inputs(job).isEmpty() || !outputs(job).isEmpty()) {
      storage.release(job.getTeamId(), publicId(job.getId())); // its record no longer holds the versions it read
    }
    cleanUp.accept(job);
    logs.deleteJob(job.getId());
    events.deleteWorkload(job.getTeamId(), job.getId());
    jobs.delete(job);
  }

  public JobView view(Job j) {
    JobRequest.Workspace workspace = null;
    if (j.getWorkspaceUploadId() != null) {
      workspace = new JobRequest.Workspace(PublicId.encode(WorkspaceView.PREFIX, j.getWorkspaceUploadId()), null);
    } else if (j.getGitUrl() != null) {
      workspace = new JobRequest.Workspace(null, new JobRequest.Git(j.getGitUrl(), j.getGitRef()));
    }
    return new JobView(
        publicId(j.getId()), PublicId.encode("prj", j.getProjectId()), j.getName(), j.getImage(), j.getCommand(),
        j.getMachineType(), workspace, env(j), ports(j), j.getMaxRuntimeSeconds(), j.getRetries(), j.getAttempt(),
        j.getStatus(), j.getReason(), j.getExitCode(), j.isStopRequested(),
        json.readValue(j.getEndpoints(), new TypeReference<Map<String, String>>() {}),
        j.getRuntime(), j.getCreatedBy(), j.getCreatedAt(), j.getStartedAt(), j.getFinishedAt(),
        secrets(j), inputs(j), outputs(j));
  }

  public List<String> secrets(Job j) {
    return json.readValue(j.getSecrets(), new TypeReference<List<String>>() {});
  }

  public List<JobData.Input> inputs(Job j) {
    return json.readValue(j.getInputs(), new TypeReference<List<JobData.Input>>() {});
  }

  public List<JobData.Output> outputs(Job j) {
    return json.readValue(j.getOutputs(), new TypeReference<List<JobData.Output>>() {});
  }

  /** The agent sent every file of an output (Kubernetes); false when the job has no such output. */
  @Transactional
  public boolean markOutputUploaded(String teamId, UUID jobId, String dataset) {
    Job job = jobs.findByTeamIdAndId(teamId, jobId).orElseThrow();
    List<JobData.Output> outs = outputs(job);
    if (outs.stream().noneMatch(o -> o.dataset().equals(dataset))) {
      return false;
    }
    job.outputs(outputsJson(outs.stream()
        .map(o -> o.dataset().equals(dataset) ? new JobData.Output(o.dataset(), o.from(), o.version(), true) : o).toList()));
    return true;
  }

  public String outputsJson(List<JobData.Output> outputs) {
    return json.writeValueAsString(outputs);
  }

  Map<String, String> env(Job j) {
    return json.readValue(j.getEnv(), new TypeReference<Map<String, String>>() {});
  }

  List<Integer> ports(Job j) {
    return json.readValue(j.getPorts(), new TypeReference<List<Integer>>() {});
  }

  /**
   * Whether a job's streams can end: the reconciler makes a job terminal only after its follower
   * stored the last line, so a terminal job gets no more lines or points.
   */
  public boolean isFinished(UUID jobId) {
    return jobs.findById(jobId).map(j -> j.getStatus().terminal()).orElse(true);
  }
}
