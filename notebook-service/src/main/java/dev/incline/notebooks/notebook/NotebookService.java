package dev.incline.notebooks.notebook;

import dev.incline.notebooks.config.ComputeProperties;
import dev.incline.notebooks.config.MachineTypes;
import dev.incline.notebooks.config.NotebooksProperties;
import dev.incline.notebooks.datasets.DatasetInputs;
import dev.incline.notebooks.events.NotebookEvents;
import dev.incline.platform.error.ConflictException;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.InvalidRequestException.FieldError;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.paging.Cursors;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.project.ProjectDirectory;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Notebooks as the API changes them. Nothing here starts or stops Jupyter: the reconciler converges each
 * notebook's run to what its row says, so a request is one row update and a restart loses nothing.
 */
@Service
public class NotebookService {

  /** Also a Kubernetes label value: it ends with a letter or digit too. */
  private static final String NAME = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
  private static final String MOUNT = "[A-Za-z0-9][A-Za-z0-9._-]{0,62}";

  private final NotebookRepository notebooks;
  private final ProjectDirectory projects;
  private final MachineTypes machineTypes;
  private final DatasetInputs datasets;
  private final NotebookEvents events;
  private final NotebooksProperties properties;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final JsonMapper json;
  private final boolean kubernetes;

  NotebookService(NotebookRepository notebooks, ProjectDirectory projects, MachineTypes machineTypes, DatasetInputs datasets,
      NotebookEvents events, NotebooksProperties properties, TransactionTemplate tx, Clock clock, JsonMapper json,
      ComputeProperties compute) {
    this.notebooks = notebooks;
    this.projects = projects;
    this.machineTypes = machineTypes;
    this.datasets = datasets;
    this.events = events;
    this.properties = properties;
    this.tx = tx;
    this.clock = clock;
    this.json = json;
    this.kubernetes = "kubernetes".equals(compute.runtime());
  }

  public NotebookView create(Caller caller, NotebookRequest r) {
    caller.require(Role.MEMBER);
    List<FieldError> errors = new ArrayList<>();
    if (r.projectId() == null || r.projectId().isBlank()) {
      errors.add(new FieldError("projectId", "is required"));
    }
    if (r.name() == null || !r.name().matches(NAME)) {
      errors.add(new FieldError("name", "must be 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit"));
    }
    if (r.image() != null && (r.image().isBlank() || r.image().length() > 300 || r.image().chars().anyMatch(Character::isWhitespace))) {
      errors.add(new FieldError("image", "must be an image reference (no spaces, at most 300 characters)"));
    }
    int maxHours = properties.autoShutdown().maxHours();
    if (r.autoShutdownHours() != null && (r.autoShutdownHours() < 1 || r.autoShutdownHours() > maxHours)) {
      errors.add(new FieldError("autoShutdownHours", "must be between 1 and " + maxHours + " (this installation's limit)"));
    }
    List<NotebookRequest.Input> inputs = r.inputs() == null ? List.of() : r.inputs();
    Set<String> mounts = new HashSet<>();
    List<String> refs = new ArrayList<>();
    List<String> mountAs = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      NotebookRequest.Input in = inputs.get(i);
      if (in == null || in.dataset() == null || in.dataset().isBlank()) {
        errors.add(new FieldError("inputs[" + i + "].dataset", "is required: a dataset reference such as raw-text:1"));
        continue;
      }
      String mount = in.mountAs() != null ? in.mountAs() : in.dataset().split(":", 2)[0];
      if (!mount.matches(MOUNT)) {
        errors.add(new FieldError("inputs[" + i + "].mountAs", "must be a plain directory name (letters, digits, '.', '_', '-')"));
      } else if (!mounts.add(mount)) {
        errors.add(new FieldError("inputs[" + i + "].mountAs", "'" + mount + "' is used by another input"));
      }
      refs.add(in.dataset());
      mountAs.add(mount);
    }
    if (!inputs.isEmpty() && kubernetes && properties.agentUrl() == null) {
      // the pod's init container fetches them from this service: it must know where that is
      errors.add(new FieldError("inputs", "dataset inputs need incline.notebooks.agent-url on Kubernetes, which this "
          + "installation does not set; read the data from /storage"));
    }
    String machineType = r.machineType() != null ? r.machineType() : properties.defaultMachineType();
    if (errors.isEmpty() && machineTypes.find(caller.teamId(), machineType).isEmpty()) {
      errors.add(new FieldError("machineType", "unknown machine type '" + machineType + "'; known: "
          + String.join(", ", machineTypes.names(caller.teamId()))));
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    String projectId = projects.requireProject(caller, r.projectId());
    UUID id = PublicId.newUuid();
    String publicId = NotebookIds.publicId(id);
    List<DatasetInputs.Version> versions = datasets.use(caller, refs, publicId);
    List<NotebookInput> resolved = new ArrayList<>();
    for (int i = 0; i < versions.size(); i++) {
      resolved.add(new NotebookInput(refs.get(i), mountAs.get(i), versions.get(i).id(), versions.get(i).ref()));
    }
    int hours = r.autoShutdownHours() != null ? r.autoShutdownHours() : properties.autoShutdown().defaultHours();
    Notebook n = new Notebook(id, caller.teamId(), projectId, r.name(), r.image(), machineType, hours,
        json.writeValueAsString(resolved), caller.userId(), clock.instant());
    try {
      tx.executeWithoutResult(s -> notebooks.saveAndFlush(n));
    } catch (DataIntegrityViolationException e) {
      if (!resolved.isEmpty()) {
        datasets.release(caller.teamId(), publicId);
      }
      throw new ConflictException("name-taken", "a notebook named " + r.name() + " already exists in this team");
    }
    events.publish(n.getTeamId(), publicId, n.getStatus().wire(), null);
    return view(n);
  }

  /** Stops the run; the working directory and {@code /storage} stay. Stopping a stopped notebook changes nothing. */
  public NotebookView stop(Caller caller, String ref) {
    caller.require(Role.MEMBER);
    UUID id = require(caller, ref).getId();
    return change(caller, ref, id, n -> {
      if (n.isStopped() || n.getStatus().isFinal()) {
        n.setStopped(true, clock.instant());
        return false;
      }
      n.setStopped(true, clock.instant());
      return n.transition(NotebookStatus.STOPPING, "stopped by " + caller.userId(), clock.instant());
    });
  }

  /**
   * A new run of a Stopped or Failed notebook; a Stopping one starts again as soon as its run is gone; a
   * notebook that runs or is starting is left as it is.
   */
  public NotebookView start(Caller caller, String ref) {
    caller.require(Role.MEMBER);
    UUID id = require(caller, ref).getId();
    return change(caller, ref, id, n -> {
      if (!n.getStatus().isFinal() && !n.isStopped()) {
        return false;
      }
      n.setStopped(false, clock.instant());
      if (n.getStatus() == NotebookStatus.STOPPING) {
        return false; // the reconciler moves it on to Pending once stopped
      }
      return n.transition(NotebookStatus.PENDING, null, clock.instant());
    });
  }

  /** The reconciler stops the run, releases the dataset inputs and removes the record. */
  public void delete(Caller caller, String ref) {
    caller.require(Role.MEMBER);
    Notebook n = require(caller, ref);
    tx.executeWithoutResult(s -> notebooks.lock(caller.teamId(), n.getId()).ifPresent(locked -> {
      locked.markDeleted(clock.instant());
      notebooks.save(locked);
    }));
  }

  public NotebookView get(Caller caller, String ref) {
    return view(require(caller, ref));
  }

  public PageResponse<NotebookView> list(Caller caller, String projectId, Integer limit, String cursor) {
    int n = Cursors.limit(limit);
    UUID after = Cursors.decodeId(cursor);
    UUID from = after == null ? new UUID(0, 0) : after;
    List<Notebook> page = projectId == null
        ? notebooks.findByTeamIdAndIdGreaterThanOrderByIdAsc(caller.teamId(), from, Limit.of(n + 1))
        : notebooks.findByTeamIdAndProjectIdAndIdGreaterThanOrderByIdAsc(caller.teamId(), ProjectDirectory.canonical(projectId),
            from, Limit.of(n + 1));
    return PageResponse.of(page.stream().filter(x -> !x.isDeleted()).toList(), n, this::view, x -> x.getId().toString());
  }

  /** The team's notebook by id or name; another team's is a 404 like one that does not exist. */
  public Notebook require(Caller caller, String ref) {
    Optional<Notebook> n = NotebookIds.decode(ref).flatMap(id -> notebooks.findByTeamIdAndId(caller.teamId(), id))
        .or(() -> notebooks.findByTeamIdAndName(caller.teamId(), ref));
    return n.filter(x -> !x.isDeleted()).orElseThrow(() -> new NotFoundException("notebook", ref));
  }

  private NotebookView change(Caller caller, String ref, UUID id, java.util.function.Predicate<Notebook> change) {
    Notebook saved = tx.execute(s -> {
      Notebook n = notebooks.lock(caller.teamId(), id).filter(x -> !x.isDeleted())
          .orElseThrow(() -> new NotFoundException("notebook", ref));
      boolean announce = change.test(n);
      Notebook out = notebooks.save(n);
      if (announce) {
        events.publish(out.getTeamId(), out.getPublicId(), out.getStatus().wire(), out.getReason());
      }
      return out;
    });
    return view(saved);
  }

  public List<NotebookInput> inputs(Notebook n) {
    return json.readValue(n.getInputs(), new TypeReference<List<NotebookInput>>() {});
  }

  public NotebookView view(Notebook n) {
    Instant started = n.getStatus().isFinal() || n.getStatus() == NotebookStatus.PENDING ? null : n.getRunStartedAt();
    Instant shutdownAt = started == null ? null
        : started.plus(properties.autoShutdown().hour().multipliedBy(n.getAutoShutdownHours()));
    return new NotebookView(n.getPublicId(), n.getProjectId(), n.getName(), n.getImage() != null ? n.getImage() : properties.image(),
        n.getMachineType(), n.getAutoShutdownHours(), inputs(n), n.getStatus().wire(), n.getReason(),
        NotebookIds.basePath(n.getId()), started, shutdownAt, started == null ? null : n.getLastActivityAt(),
        n.getCreatedBy(), n.getCreatedAt(), n.getUpdatedAt());
  }
}
