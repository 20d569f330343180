package dev.incline.deployments.deployment;

import dev.incline.deployments.config.ComputeProperties;
import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.deployments.events.DeploymentEvents;
import dev.incline.deployments.machine.MachineTypes;
import dev.incline.deployments.model.ModelRegistryClient;
import dev.incline.deployments.serving.DeploymentIds;
import dev.incline.deployments.serving.ReplicaPool;
import dev.incline.platform.error.ConflictException;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.paging.Cursors;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.project.ProjectDirectory;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deployments as the API changes them. Nothing here starts or stops a replica: the reconciler
 * converges the replicas to what the record says, so a change is one row update and a restart of
 * this service loses nothing.
 */
@Service
public class DeploymentService {

  static final String MODEL_HEALTH_PATH = "/v2/health/ready";
  private static final String NAME = "[a-z0-9][a-z0-9-]{0,62}";

  private final DeploymentRepository deployments;
  private final ReplicaRepository replicas;
  private final ProjectDirectory projects;
  private final ModelRegistryClient models;
  private final MachineTypes machineTypes;
  private final DeploymentEvents events;
  private final ReplicaPool pool;
  private final DeploymentsProperties properties;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final Optional<ReplicaSource> replicaSource;
  /** On Kubernetes the cluster's objects change only with a revision: a new scale is one too. */
  private final boolean scaleIsARevision;

  DeploymentService(DeploymentRepository deployments, ReplicaRepository replicas, ProjectDirectory projects,
      ModelRegistryClient models, MachineTypes machineTypes, DeploymentEvents events, ReplicaPool pool,
      DeploymentsProperties properties, TransactionTemplate tx, Clock clock, ComputeProperties compute,
      Optional<ReplicaSource> replicaSource) {
    this.deployments = deployments;
    this.replicas = replicas;
    this.projects = projects;
    this.models = models;
    this.machineTypes = machineTypes;
    this.events = events;
    this.pool = pool;
    this.properties = properties;
    this.tx = tx;
    this.clock = clock;
    this.replicaSource = replicaSource;
    this.scaleIsARevision = "kubernetes".equals(compute.runtime());
  }

  public DeploymentView create(Caller caller, DeploymentRequest r) {
    caller.require(Role.MEMBER);
    List<InvalidRequestException.FieldError> errors = new ArrayList<>();
    if (r.projectId() == null || r.projectId().isBlank()) {
      errors.add(new InvalidRequestException.FieldError("projectId", "is required"));
    }
    if (r.name() == null || !r.name().matches(NAME)) {
      errors.add(new InvalidRequestException.FieldError("name",
          "must be 1-63 lower-case letters, digits and '-', starting with a letter or digit"));
    }
    if ((r.model() == null) == (r.image() == null)) {
      errors.add(new InvalidRequestException.FieldError("model", "give either model (<model>:<version|alias>) or image"));
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    String projectId = projects.requireProject(caller, r.projectId());
    Deployment d = new Deployment(PublicId.newUuid(), caller.teamId(), projectId, r.name(), null, caller.userId(), clock.instant());
    applyServed(caller, d, r, true);
    applyScale(caller, d, r, true);
    d.setDesiredReplicas(d.getMinReplicas());
    try {
      tx.executeWithoutResult(s -> deployments.saveAndFlush(d));
    } catch (DataIntegrityViolationException e) {
      throw new ConflictException("name-taken", "a deployment named " + r.name() + " already exists in this team");
    }
    events.publish(d.getTeamId(), DeploymentIds.publicId(d.getId()), d.getStatus().wire(), null);
    return view(d);
  }

  /**
   * Changes what is served (a new revision, rolled replica by replica) and/or the scale (no roll; on
   * Kubernetes a new revision too, since the cluster's objects are replaced only with one).
   */
  public DeploymentView patch(Caller caller, String ref, DeploymentRequest r) {
    caller.require(Role.MEMBER);
    if (r.projectId() != null || r.name() != null) {
      throw new InvalidRequestException(r.projectId() != null ? "projectId" : "name", "cannot be changed");
    }
    Deployment current = require(caller, ref);
    // resolve outside the row lock: it calls other services
    Deployment probe = copyServed(current);
    boolean served = r.model() != null || r.image() != null || r.command() != null || r.port() != null
        || r.healthPath() != null || r.machineType() != null;
    if (served) {
      applyServed(caller, probe, merged(current, r), false);
    }
    return tx.execute(s -> {
      Deployment d = deployments.lock(caller.teamId(), current.getId()).orElseThrow(() -> new NotFoundException("deployment", ref));
      boolean revised = served && changed(d, probe);
      if (revised) {
        if (probe.servesModel()) {
          d.serveModel(probe.getModelRef(), probe.getModelId(), probe.getModelName(), probe.getModelVersionId(),
              probe.getModelVersion(), probe.getHealthPath());
        } else {
          d.serveImage(probe.getImage(), probe.getCommand(), probe.getPort(), probe.getHealthPath());
        }
        d.scale(probe.getMachineType(), d.getMinReplicas(), d.getMaxReplicas(), d.getTargetConcurrency());
        d.nextRevision(clock.instant());
      }
      if (r.replicas() != null || r.autoscaling() != null) {
        int min = d.getMinReplicas();
        int max = d.getMaxReplicas();
        int target = d.getTargetConcurrency();
        applyScale(caller, d, r, false);
        boolean rescaled = min != d.getMinReplicas() || max != d.getMaxReplicas() || target != d.getTargetConcurrency();
        if (rescaled && !revised && scaleIsARevision) {
          d.nextRevision(clock.instant());
        }
      }
      return view(deployments.save(d));
    });
  }

  public DeploymentView stop(Caller caller, String ref) {
    caller.require(Role.MEMBER);
    return setStopped(caller, ref, true);
  }

  public DeploymentView start(Caller caller, String ref) {
    caller.require(Role.MEMBER);
    return setStopped(caller, ref, false);
  }

  private DeploymentView setStopped(Caller caller, String ref, boolean stopped) {
    UUID id = require(caller, ref).getId();
    return tx.execute(s -> {
      Deployment d = deployments.lock(caller.teamId(), id).orElseThrow(() -> new NotFoundException("deployment", ref));
      if (d.isStopped() != stopped) {
        d.setStopped(stopped, clock.instant());
      }
      return view(deployments.save(d));
    });
  }

  /**
   * Takes the deployment out of routing at once; the reconciler stops its replicas and removes the
   * record once none is left.
   */
  public void delete(Caller caller, String ref) {
    caller.require(Role.MEMBER);
    Deployment d = require(caller, ref);
    tx.executeWithoutResult(s -> deployments.lock(caller.teamId(), d.getId()).ifPresent(locked -> {
      locked.markDeleted(clock.instant());
      deployments.save(locked);
    }));
    pool.forgetDeployment(d.getId());
  }

  public DeploymentView get(Caller caller, String ref) {
    return view(require(caller, ref));
  }

  public PageResponse<DeploymentView> list(Caller caller, String projectId, Integer limit, String cursor) {
    int n = Cursors.limit(limit);
    UUID after = Cursors.decodeId(cursor);
    UUID from = after == null ? new UUID(0, 0) : after;
    List<Deployment> page = projectId == null
        ? deployments.findByTeamIdAndIdGreaterThanOrderByIdAsc(caller.teamId(), from, Limit.of(n + 1))
        : deployments.findByTeamIdAndProjectIdAndIdGreaterThanOrderByIdAsc(caller.teamId(), ProjectDirectory.canonical(projectId),
            from, Limit.of(n + 1));
    return PageResponse.of(page.stream().filter(d -> !d.isDeleted()).toList(), n, this::view, d -> d.getId().toString());
  }

  /** The team's deployment by id or name; another team's is a 404 like one that does not exist. */
  public Deployment require(Caller caller, String ref) {
    Optional<Deployment> d = DeploymentIds.decode(ref).flatMap(id -> deployments.findByTeamIdAndId(caller.teamId(), id))
        .or(() -> deployments.findByTeamIdAndName(caller.teamId(), ref));
    return d.filter(x -> !x.isDeleted()).orElseThrow(() -> new NotFoundException("deployment", ref));
  }

  private DeploymentRequest merged(Deployment d, DeploymentRequest r) {
    boolean toImage = r.image() != null;
    boolean toModel = r.model() != null;
    String model = toModel ? r.model() : toImage ? null : d.getModelRef();
    String image = toImage ? r.image() : toModel ? null : d.getImage();
    String command = r.command() != null ? r.command() : toModel ? null : d.getCommand();
    Integer port = r.port() != null ? r.port() : toModel ? null : d.getPort();
    String health = r.healthPath() != null ? r.healthPath() : (toModel || toImage) ? null : d.getHealthPath();
    return new DeploymentRequest(null, null, model, image, command, port, health,
        r.machineType() != null ? r.machineType() : d.getMachineType(), null, null);
  }

  /** Validates and resolves what a request serves into {@code d}. */
  private void applyServed(Caller caller, Deployment d, DeploymentRequest r, boolean creating) {
    List<InvalidRequestException.FieldError> errors = new ArrayList<>();
    if (r.machineType() != null && !r.machineType().isBlank()) {
      if (machineTypes.find(caller.teamId(), r.machineType()).isEmpty()) {
        errors.add(new InvalidRequestException.FieldError("machineType", "unknown machine type '" + r.machineType()
            + "'; known: " + String.join(", ", machineTypes.names(caller.teamId()))));
      }
    }
    if (r.healthPath() != null && (!r.healthPath().startsWith("/") || r.healthPath().length() > 200)) {
      errors.add(new InvalidRequestException.FieldError("healthPath", "must be a path starting with '/'"));
    }
    if (r.model() != null) {
      if (r.command() != null || r.port() != null) {
        errors.add(new InvalidRequestException.FieldError(r.command() != null ? "command" : "port",
            "is for custom images; a model is served by the model server"));
      }
      if (!errors.isEmpty()) {
        throw new InvalidRequestException(errors);
      }
      ModelRegistryClient.ResolvedModel m = models.resolve(caller, r.model(), "model");
      if (!m.format().equals("onnx")) {
        throw new InvalidRequestException("model", "the model server serves ONNX models; " + m.name() + " is "
            + m.format() + " (deploy a custom image that serves it instead)");
      }
      if (m.onnxFile() == null) {
        throw new InvalidRequestException("model", m.name() + ":" + m.version() + " has no model.onnx (and not exactly one .onnx file)");
      }
      d.serveModel(r.model(), m.modelId(), m.name(), m.versionId(), m.version(),
          r.healthPath() != null ? r.healthPath() : MODEL_HEALTH_PATH);
    } else {
      if (r.image() == null || r.image().isBlank() || r.image().length() > 300) {
        errors.add(new InvalidRequestException.FieldError("image", "is required for a custom deployment"));
      }
      if (r.command() == null || r.command().isBlank()) {
        errors.add(new InvalidRequestException.FieldError("command", "is required for a custom image: the command that "
            + "starts its server on $PORT"));
      }
      if (r.port() == null || r.port() < 1 || r.port() > 65535) {
        errors.add(new InvalidRequestException.FieldError("port", "must be the port (1-65535) the server listens on"));
      }
      if (!errors.isEmpty()) {
        throw new InvalidRequestException(errors);
      }
      d.serveImage(r.image(), r.command(), r.port(), r.healthPath() != null ? r.healthPath() : MODEL_HEALTH_PATH);
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    d.scale(r.machineType() == null || r.machineType().isBlank() ? null : r.machineType(), Math.max(1, d.getMinReplicas()),
        Math.max(1, d.getMaxReplicas()), Math.max(1, d.getTargetConcurrency()));
  }

  private void applyScale(Caller caller, Deployment d, DeploymentRequest r, boolean creating) {
    Integer min = r.replicas() != null && r.replicas().min() != null ? r.replicas().min() : creating ? 1 : d.getMinReplicas();
    Integer max = r.replicas() != null && r.replicas().max() != null ? r.replicas().max()
        : creating || (r.replicas() != null && r.replicas().min() != null && r.replicas().min() > d.getMaxReplicas()) ? min
        : d.getMaxReplicas();
    int target = r.autoscaling() != null && r.autoscaling().targetConcurrency() != null ? r.autoscaling().targetConcurrency()
        : creating ? 8 : d.getTargetConcurrency();
    List<InvalidRequestException.FieldError> errors = new ArrayList<>();
    if (min < 1 || min > properties.maxReplicas()) {
      errors.add(new InvalidRequestException.FieldError("replicas.min", "must be between 1 and " + properties.maxReplicas()
          + " (stop a deployment to run none)"));
    }
    if (max < min || max > properties.maxReplicas()) {
      errors.add(new InvalidRequestException.FieldError("replicas.max", "must be between replicas.min and " + properties.maxReplicas()));
    }
    if (target < 1 || target > 10_000) {
      errors.add(new InvalidRequestException.FieldError("autoscaling.targetConcurrency", "must be between 1 and 10000"));
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    d.scale(d.getMachineType(), min, max, target);
  }

  private static Deployment copyServed(Deployment d) {
    Deployment c = new Deployment(d.getId(), d.getTeamId(), d.getProjectId(), d.getName(), d.getMachineType(), d.getCreatedBy(),
        d.getCreatedAt());
    c.scale(d.getMachineType(), d.getMinReplicas(), d.getMaxReplicas(), d.getTargetConcurrency());
    return c;
  }

  private static boolean changed(Deployment d, Deployment probe) {
    return !java.util.Objects.equals(d.getModelVersionId(), probe.getModelVersionId())
        || !java.util.Objects.equals(d.getImage(), probe.getImage())
        || !java.util.Objects.equals(d.getCommand(), probe.getCommand())
        || !java.util.Objects.equals(d.getPort(), probe.getPort())
        || !java.util.Objects.equals(d.getHealthPath(), probe.getHealthPath())
        || !java.util.Objects.equals(d.getMachineType(), probe.getMachineType());
  }

  public DeploymentView view(Deployment d) {
    String id = DeploymentIds.publicId(d.getId());
    List<DeploymentView.ReplicaView> replicaViews = replicaSource.map(source -> source.replicas(d)).orElseGet(() ->
        replicas.findByTeamIdAndDeploymentIdOrderByCreatedAt(d.getTeamId(), d.getId()).stream()
            .map(r -> new DeploymentView.ReplicaView(DeploymentIds.replicaId(r.getId()), r.getRevision(), r.getState().wire(),
                pool.routed(d.getId(), r.getId()), r.getReason(), r.getCreatedAt(), r.getReadyAt()))
            .toList());
    int ready = (int) replicaViews.stream().filter(DeploymentView.ReplicaView::ready).count();
    DeploymentView.ModelView model = d.servesModel() ? new DeploymentView.ModelView(d.getModelId(), d.getModelName(),
        d.getModelVersionId(), d.getModelVersion(), d.getModelName() + ":" + d.getModelVersion()) : null;
    return new DeploymentView(id, d.getProjectId(), d.getName(), d.getModelRef(), model, d.getImage(), d.getCommand(),
        d.getPort(), d.getHealthPath(), d.getMachineType(),
        new DeploymentView.ReplicasView(d.getMinReplicas(), d.getMaxReplicas(), d.getDesiredReplicas(), ready),
        new DeploymentView.AutoscalingView(d.getTargetConcurrency()), d.getRevision(), d.getStatus().wire(), d.getReason(),
        "/deployments/" + id, replicaViews, d.getCreatedBy(), d.getCreatedAt(), d.getUpdatedAt());
  }
}
