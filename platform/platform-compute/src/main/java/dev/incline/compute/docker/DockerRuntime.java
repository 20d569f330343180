package dev.incline.compute.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse.ContainerState;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.NetworkSettings;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.incline.compute.ArtifactFile;
import dev.incline.compute.ExitCodes;
import dev.incline.compute.LogStream;
import dev.incline.compute.logs.StampedPosition;
import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.WorkloadStatus;
import dev.incline.compute.host.HostRunDirectory;
import dev.incline.compute.workspace.WorkspaceFetcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each workload as one container on a Docker engine, with its directories bind-mounted from
 * the host in the same layout as the process runtime ({@link HostRunDirectory}): the workspace is
 * fetched on the host before the container exists, and artifacts are read from the host afterwards.
 * Everything else the runtime knows is on the container (its deterministic name and its labels), so
 * a restarted service re-adopts running workloads by listing labelled containers.
 *
 * <p><b>Images are never pulled</b>: the engine may have no registry to pull from, and a pull hidden
 * in {@code apply} would stall a reconciler for minutes. When the image is not on the engine, apply
 * still returns {@link ApplyResult#CREATED} and the workload is {@link Phase#FAILED} with the reason
 * {@code image <x> not found on the Docker host}: the user sees why on the workload itself, and a
 * reconciler does not retry a mistake that retrying cannot fix. (The reason is kept in a
 * {@code failed} file in the workload's directory, as there is no container to keep it on.)
 *
 * <p>{@link #stop} blocks until the engine has stopped the container: at most the grace period and
 * the time to kill it.
 */
public final class DockerRuntime implements WorkloadRuntime, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration RESPONSE_TIMEOUT = Duration.ofMinutes(2);
  private static final String FAILED_FILE = "failed";
  private static final String STOP_REQUESTED_FILE = "stop_requested";

  private final DockerRuntimeSettings settings;
  private final WorkspaceFetcher fetcher;
  /** For calls that answer at once: a wedged engine then fails a reconcile instead of hanging it. */
  private final DockerClient docker;
  /** For calls that last as long as the container: log follows and stops. */
  private final DockerClient streaming;

  public DockerRuntime(DockerRuntimeSettings settings) {
    this.settings = settings;
    this.fetcher = new WorkspaceFetcher(settings.archiveLimits());
    this.docker = client(settings.dockerHost(), RESPONSE_TIMEOUT);
    this.streaming = client(settings.dockerHost(), null);
  }

  static DockerClient client(URI host, Duration responseTimeout) {
    var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host.toString()).build();
    var http = new ZerodepDockerHttpClient.Builder().dockerHost(host).connectionTimeout(CONNECT_TIMEOUT);
    if (responseTimeout != null) {
      http.responseTimeout(responseTimeout);
    }
    return DockerClientImpl.getInstance(config, http.build());
  }

  /** Throws, saying why, unless an engine answers at the settings' address. */
  public static void ping(DockerRuntimeSettings settings) {
    try (DockerClient client = client(settings.dockerHost(), Duration.ofSeconds(5))) {
      client.pingCmd().exec();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("no Docker engine answers at " + settings.dockerHost() + ": " + rootMessage(e), e);
    }
  }

  /** Whether an engine answers at the settings' address. */
  public static boolean available(DockerRuntimeSettings settings) {
    try {
      ping(settings);
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  @Override
  public String name() {
    return "docker";
  }

  private HostRunDirectory dir(WorkloadRef ref) {
    return HostRunDirectory.of(settings.workRoot(), ref);
  }

  @Override
  public ApplyResult apply(WorkloadSpec spec) {
    WorkloadRef ref = spec.ref();
    HostRunDirectory dir = dir(ref);
    Optional<InspectContainerResponse> existing = byName(ref);
    if (existing.isPresent()) {
      if (!owned(existing.get(), ref)) {
        throw nameTaken(ref);
      }
      converge(existing.get(), dir);
      return ApplyResult.UNCHANGED;
    }
    if (Files.exists(dir.root().resolve(FAILED_FILE))) {
      return ApplyResult.UNCHANGED;
    }
    try {
      // No container: whatever is in the directory is what an interrupted apply left. Start over.
      dir.delete();
      Files.createDirectories(dir.root());
      if (!imageExists(spec.image())) {
        return fail(dir, imageMissing(spec.image()));
      }
      Path storage = HostRunDirectory.storage(settings.storageRoot(), ref);
      for (Path p : List.of(dir.artifacts(), dir.datasets(), storage)) {
        Files.createDirectories(p);
      }
      for (WorkloadSpec.DatasetMount d : spec.datasets()) {
        // the mount point: runc cannot make it inside /datasets, which is mounted read-only first
        Files.createDirectories(dir.datasets().resolve(d.mountAs()));
      }
      if (spec.workspace() != null) {
        fetcher.fetch(spec.workspace(), dir.workspace());
      }
      Files.createDirectories(dir.workspace());
      // The image's user may not be root (Jupyter images are not): let it write where it is meant to.
      openUp(dir.workspace(), true);
      openUp(dir.artifacts(), false);
      openUp(storage, false);

      DockerSpecs.ContainerSpec container = DockerSpecs.container(spec, dir, storage);
      String id;
      try {
        id = container.applyTo(docker.createContainerCmd(container.image())).exec().getId();
      } catch (ConflictException e) {
        if (inspect(ref).isEmpty()) {
          throw nameTaken(ref);
        }
        log.info("container {} was created by a concurrent apply", container.name());
        return ApplyResult.UNCHANGED;
      } catch (NotFoundException e) {
        return fail(dir, imageMissing(spec.image())); // removed between the check and the create
      }
      if (Files.exists(dir.root().resolve(STOP_REQUESTED_FILE))) {
        return ApplyResult.CREATED; // stopped while its workspace was fetched: observe says so, nothing runs
      }
      start(id, container.name());
      log.info("started {} {} of team {} as container {}", ref.kind().label(), ref.id(), ref.team(), container.name());
      return ApplyResult.CREATED;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing the workspace", e);
    }
  }

  static String imageMissing(String image) {
    return "image " + image + " not found on the Docker host";
  }

  private ApplyResult fail(HostRunDirectory dir, String reason) throws IOException {
    Files.createDirectories(dir.root());
    Files.writeString(dir.root().resolve(FAILED_FILE), reason);
    log.info("workload {} failed before it started: {}", dir.root(), reason);
    return ApplyResult.CREATED;
  }

  /** A container that was created but never started (the start call failed or was cut short) is started. */
  private void converge(InspectContainerResponse c, HostRunDirectory dir) {
    ContainerState state = c.getState();
    if ("created".equals(state.getStatus()) && isBlank(state.getError()) && time(state.getStartedAt()) == null
        && !Files.exists(dir.root().resolve(STOP_REQUESTED_FILE))) {
      start(c.getId(), c.getName());
    }
  }

  private void start(String id, String name) {
    try {
      docker.startContainerCmd(id).exec();
    } catch (NotModifiedException alreadyStarted) {
      // a concurrent apply started it
    } catch (DockerException e) {
      // A command that cannot start (missing executable) leaves the error on the container: observe reports it.
      log.info("container {} did not start: {}", name, e.getMessage());
    }
  }

  private boolean imageExists(String image) {
    try {
      docker.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** This workload's container; empty when there is none, or when the name belongs to another team's. */
  private Optional<InspectContainerResponse> inspect(WorkloadRef ref) {
    return byName(ref).filter(c -> owned(c, ref));
  }

  private Optional<InspectContainerResponse> byName(WorkloadRef ref) {
    try {
      return Optional.of(docker.inspectContainerCmd(DockerSpecs.containerName(ref)).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  private static boolean owned(InspectContainerResponse c, WorkloadRef ref) {
    Map<String, String> labels = c.getConfig() == null || c.getConfig().getLabels() == null
        ? Map.of() : c.getConfig().getLabels();
    return ref.team().equals(labels.get(DockerSpecs.LABEL_TEAM)) && ref.id().equals(labels.get(DockerSpecs.LABEL_ID))
        && ref.kind().label().equals(labels.get(DockerSpecs.LABEL_KIND));
  }

  /** The name is taken by a container that is not this workload's: never touch it, say so. */
  private static IllegalStateException nameTaken(WorkloadRef ref) {
    return new IllegalStateException("a container named " + DockerSpecs.containerName(ref)
        + " exists and is not this team's workload");
  }

  @Override
  public WorkloadStatus observe(WorkloadRef ref) {
    Optional<InspectContainerResponse> container = inspect(ref);
    HostRunDirectory dir = dir(ref);
    if (container.isPresent()) {
      return status(container.get(), Files.exists(dir.root().resolve(STOP_REQUESTED_FILE)));
    }
    Path failed = dir.root().resolve(FAILED_FILE);
    try {
      if (Files.exists(failed)) {
        return new WorkloadStatus(Phase.FAILED, null, Files.readString(failed), null, null, Map.of());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir.exists()
        ? new WorkloadStatus(Phase.PENDING, null, "preparing the workspace", null, null, Map.of())
        : WorkloadStatus.notFound();
  }

  static WorkloadStatus status(InspectContainerResponse c, boolean stopRequested) {
    ContainerState state = c.getState();
    Instant started = time(state.getStartedAt());
    Instant finished = time(state.getFinishedAt());
    String error = isBlank(state.getError()) ? null : state.getError();
    Integer exit = state.getExitCodeLong() == null ? null : state.getExitCodeLong().intValue();
    String status = state.getStatus() == null ? "" : state.getStatus();
    return switch (status) {
      case "created" -> {
        if (error != null) {
          yield new WorkloadStatus(Phase.FAILED, exit, "the container could not start: " + error, null, finished, Map.of());
        }
        yield stopRequested
            ? new WorkloadStatus(Phase.FAILED, null, "stopped before it started", null, null, Map.of())
            : new WorkloadStatus(Phase.PENDING, null, "container created", null, null, Map.of());
      }
      case "running", "paused", "restarting" ->
          new WorkloadStatus(Phase.RUNNING, null, null, started, null, endpoints(c.getNetworkSettings()));
      default -> { // exited, dead, removing
        // An OOM kill that the main process survived (a killed child) is not the workload's failure.
        if (Boolean.TRUE.equals(state.getOOMKilled()) && (exit == null || exit != 0)) {
          yield new WorkloadStatus(Phase.FAILED, exit, "out of memory (OOMKilled)", started, finished, Map.of());
        }
        if (exit != null && exit == 0 && !"dead".equals(status)) {
          yield new WorkloadStatus(Phase.SUCCEEDED, 0, null, started, finished, Map.of());
        }
        String reason = error != null ? error : exit == null ? "the container is " + status : ExitCodes.describe(exit);
        yield new WorkloadStatus(Phase.FAILED, exit, reason, started, finished, Map.of());
      }
    };
  }

  /** Published ports by container port, as loopback URLs (they are published on 127.0.0.1 only). */
  static Map<Integer, URI> endpoints(NetworkSettings network) {
    Map<Integer, URI> endpoints = new TreeMap<>();
    if (network == null || network.getPorts() == null) {
      return endpoints;
    }
    for (Map.Entry<ExposedPort, Ports.Binding[]> e : network.getPorts().getBindings().entrySet()) {
      if (e.getValue() == null) {
        continue;
      }
      for (Ports.Binding b : e.getValue()) {
        if (b != null && b.getHostPortSpec() != null && !b.getHostPortSpec().isBlank()) {
          endpoints.put(e.getKey().getPort(), URI.create("http://" + DockerSpecs.PUBLISH_IP + ":" + b.getHostPortSpec()));
          break;
        }
      }
    }
    return endpoints;
  }

  /** Docker's zero time ({@code 0001-01-01T00:00:00Z}) means never. */
  static Instant time(String s) {
    if (isBlank(s) || s.startsWith("0001-")) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Follows the container's log. The container is looked up again on every (re)open, so a follower
   * started while the workspace is still being fetched waits for the container, and one whose
   * workload has failed without a container, or was deleted, simply ends.
   */
  @Override
  public LogStream logs(WorkloadRef ref, String since) {
    StampedPosition after = StampedPosition.parse(since);
    return DockerLogStream.follow(new DockerLogStream.Source() {
      @Override
      public void open(Long sinceSeconds, ResultCallback<Frame> callback) {
        Optional<InspectContainerResponse> container = inspect(ref);
        if (container.isEmpty()) {
          callback.onComplete(); // nothing to read (yet): mayWriteMore() tells whether to wait
          return;
        }
        var cmd = streaming.logContainerCmd(container.get().getId())
            .withStdOut(true).withStdErr(true).withTimestamps(true).withFollowStream(true);
        if (sinceSeconds != null) {
          cmd.withSince(Math.toIntExact(sinceSeconds));
        }
        cmd.exec(callback);
      }

      @Override
      public boolean mayWriteMore() {
        Phase phase = observe(ref).phase();
        return phase == Phase.PENDING || phase == Phase.RUNNING;
      }
    }, after, DockerSpecs.containerName(ref));
  }

  @Override
  public void stop(WorkloadRef ref, Duration grace) {
    HostRunDirectory dir = dir(ref);
    try {
      if (dir.exists()) {
        // Remembered so that a container created but not yet started is never started later.
        Files.writeString(dir.root().resolve(STOP_REQUESTED_FILE), Instant.now().toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Optional<InspectContainerResponse> container = inspect(ref);
    if (container.isEmpty()) {
      return;
    }
    int seconds = (int) Math.min(Integer.MAX_VALUE, Math.max(0, (grace.toMillis() + 999) / 1000));
    try {
      streaming.stopContainerCmd(container.get().getId()).withTimeout(seconds).exec();
    } catch (NotModifiedException | NotFoundException alreadyDone) {
      // not running, or gone: stopped either way
    }
  }

  @Override
  public void delete(WorkloadRef ref) {
    Optional<InspectContainerResponse> container = inspect(ref);
    if (container.isPresent()) {
      try {
        docker.removeContainerCmd(container.get().getId()).withForce(true).withRemoveVolumes(true).exec();
      } catch (NotFoundException gone) {
        // removed meanwhile
      } catch (ConflictException inProgress) {
        awaitRemoval(ref); // another delete is removing it
      }
    }
    dir(ref).delete();
  }

  private void awaitRemoval(WorkloadRef ref) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (inspect(ref).isPresent()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("container " + DockerSpecs.containerName(ref) + " is still being removed");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a container's removal", e);
      }
    }
  }

  @Override
  public List<ArtifactFile> artifacts(WorkloadRef ref) {
    return dir(ref).artifactFiles();
  }

  @Override
  public List<ArtifactFile> workspaceFiles(WorkloadRef ref, String dir) {
    return dir(ref).workspaceFiles(dir);
  }

  /** Labelled containers in every state, and directories of workloads that have none (failed or being prepared). */
  @Override
  public List<WorkloadRef> list() {
    Set<WorkloadRef> refs = new LinkedHashSet<>();
    List<Container> containers = docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(List.of(DockerSpecs.LABEL_KIND)).exec();
    for (Container c : containers) {
      Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
      try {
        refs.add(new WorkloadRef(labels.get(DockerSpecs.LABEL_TEAM),
            WorkloadRef.Kind.fromLabel(labels.get(DockerSpecs.LABEL_KIND)), labels.get(DockerSpecs.LABEL_ID)));
      } catch (RuntimeException e) {
        log.warn("ignoring container {} with malformed Incline labels {}", String.join(",", c.getNames()), labels);
      }
    }
    refs.addAll(HostRunDirectory.list(settings.workRoot()));
    return new ArrayList<>(refs);
  }

  @Override
  public void close() {
    for (DockerClient client : List.of(docker, streaming)) {
      try {
        client.close();
      } catch (IOException e) {
        log.debug("closing a Docker client", e);
      }
    }
  }

  /** Makes a mount writable for any user: directories 0777, and (recursively, for the workspace) files +rw. */
  private static void openUp(Path root, boolean recursive) throws IOException {
    Set<PosixFilePermission> all = PosixFilePermissions.fromString("rwxrwxrwx");
    if (!recursive) {
      Files.setPosixFilePermissions(root, all);
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.setPosixFilePermissions(p, all);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
          perms.addAll(Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
              PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE));
          Files.setPosixFilePermissions(p, perms);
        }
      }
    }
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
