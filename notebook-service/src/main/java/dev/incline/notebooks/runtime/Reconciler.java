package dev.incline.notebooks.runtime;

import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.WorkloadStatus;
import dev.incline.notebooks.agent.NotebookTokens;
import dev.incline.notebooks.config.ComputeProperties;
import dev.incline.notebooks.config.MachineTypes;
import dev.incline.notebooks.config.NotebooksProperties;
import dev.incline.notebooks.datasets.DatasetInputs;
import dev.incline.notebooks.events.NotebookEvents;
import dev.incline.notebooks.notebook.Notebook;
import dev.incline.notebooks.notebook.NotebookIds;
import dev.incline.notebooks.notebook.NotebookInput;
import dev.incline.notebooks.notebook.NotebookRepository;
import dev.incline.notebooks.notebook.NotebookService;
import dev.incline.notebooks.notebook.NotebookStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Level-triggered: every tick compares each notebook's row with its run on the engine and takes the next
 * step: start a run for a Pending notebook, wait for Jupyter to answer with the run's token
 * (Provisioning → Running), watch a running one (it may exit; auto-shutdown; idle culling from Jupyter's
 * own activity), stop and remove the run of a Stopping or deleted one. Everything that matters is in the
 * row, so after a restart the same steps re-adopt runs that kept going (process runs live in their own
 * session, containers and pods outlive this service); what is in memory (the route table, when Jupyter
 * was last asked) is rebuilt on the way. Notebooks are reconciled in parallel, each by one thread at a
 * time, so a slow start (a dataset download, an image pull) holds up no other notebook.
 */
@Component
public class Reconciler implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  /** Added to auto-shutdown for the engine's own bound: the service stops the run first, cleanly. */
  private static final Duration ENGINE_MARGIN = Duration.ofMinutes(10);
  private static final Duration SWEEP_EVERY = Duration.ofSeconds(30);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final NotebookRepository notebooks;
  private final NotebookService service;
  private final WorkloadRuntime runtime;
  private final JupyterClient jupyter;
  private final Routes routes;
  private final DatasetInputs datasets;
  private final MachineTypes machineTypes;
  private final NotebookEvents events;
  private final NotebooksProperties properties;
  private final ComputeProperties compute;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final NotebookTokens tokens;
  private final boolean local;
  private final ExecutorService workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("notebook-reconcile-", 0).factory());
  private final Set<UUID> inFlight = ConcurrentHashMap.newKeySet();
  private final Map<UUID, Instant> lastAsked = new ConcurrentHashMap<>();
  private final Map<UUID, Instant> stopIssued = new ConcurrentHashMap<>();
  private volatile Instant lastSweep = Instant.EPOCH;

  Reconciler(NotebookRepository notebooks, NotebookService service, WorkloadRuntime runtime, JupyterClient jupyter, Routes routes,
      DatasetInputs datasets, MachineTypes machineTypes, NotebookEvents events, NotebooksProperties properties,
      ComputeProperties compute, TransactionTemplate tx, Clock clock, NotebookTokens tokens) {
    this.notebooks = notebooks;
    this.service = service;
    this.runtime = runtime;
    this.jupyter = jupyter;
    this.routes = routes;
    this.datasets = datasets;
    this.machineTypes = machineTypes;
    this.events = events;
    this.properties = properties;
    this.compute = compute;
    this.tx = tx;
    this.clock = clock;
    this.tokens = tokens;
    this.local = "process".equals(runtime.name());
  }

  @Scheduled(fixedDelayString = "${incline.notebooks.reconcile-interval:2s}", initialDelayString = "1s")
  public void tick() {
    for (NotebookRepository.Key k : notebooks.keys()) {
      UUID id = k.getId();
      if (!inFlight.add(id)) {
        continue; // still on its last step
      }
      workers.execute(() -> {
        try {
          reconcile(k.getTeamId(), id);
        } catch (RuntimeException e) {
          log.warn("notebook {}: {}", NotebookIds.publicId(id), e.toString());
        } finally {
          inFlight.remove(id);
        }
      });
    }
    Instant now = clock.instant();
    if (Duration.between(lastSweep, now).compareTo(SWEEP_EVERY) >= 0) {
      lastSweep = now;
      sweep();
    }
  }

  void reconcile(String teamId, UUID id) {
    Optional<Notebook> found = notebooks.findByTeamIdAndId(teamId, id);
    if (found.isEmpty()) {
      return;
    }
    Notebook n = found.get();
    if (n.isDeleted()) {
      remove(n);
      return;
    }
    switch (n.getStatus()) {
      case PENDING -> start(n);
      case PROVISIONING -> provisioning(n);
      case RUNNING -> running(n);
      case STOPPING -> stopping(n);
      case STOPPED, FAILED -> routes.remove(id);
    }
  }

  private void start(Notebook n) {
    if (n.isStopped()) {
      update(n, x -> x.transition(NotebookStatus.STOPPED, x.getReason(), clock.instant()));
      return;
    }
    if (local && !jupyterInstalled()) {
      update(n, x -> x.transition(NotebookStatus.FAILED, "Jupyter is not installed on this machine: neither jupyter-lab nor "
          + "jupyter-notebook is on the process runtime's PATH (" + compute.processPath() + "); install Debian's "
          + "jupyter-notebook (apt-get install jupyter-notebook) or set incline.compute.process-path", clock.instant()));
      return;
    }
    String token = HexFormat.of().formatHex(bytes(32));
    int port = local ? freePort() : properties.port();
    Optional<Notebook> begun = update(n, x -> {
      if (x.getStatus() != NotebookStatus.PENDING || x.isStopped()) {
        return false;
      }
      x.beginRun(token, port, clock.instant());
      return x.transition(NotebookStatus.PROVISIONING, "starting Jupyter", clock.instant());
    });
    // Only the instance that moved the row on starts the run (several may share the database).
    begun.filter(x -> x.getStatus() == NotebookStatus.PROVISIONING && token.equals(x.getToken())).ifPresent(x -> {
      runtime.delete(NotebookSpecs.ref(x)); // what an interrupted earlier run left (its exit code, its container)
      apply(x);
    });
  }

  /** Starts the run the row describes; an engine that refuses (no such image, no dataset) fails the notebook. */
  private void apply(Notebook n) {
    try {
      runtime.apply(spec(n));
      log.info("notebook {} of team {}: started a run on {}", n.getPublicId(), n.getTeamId(), runtime.name());
    } catch (RuntimeException e) {
      fail(n, "could not start: " + e.getMessage());
    }
  }

  private WorkloadSpec spec(Notebook n) {
    WorkloadSpec.Resources resources = machineTypes.find(n.getTeamId(), n.getMachineType()).orElse(WorkloadSpec.Resources.none());
    List<WorkloadSpec.DatasetMount> mounts = new ArrayList<>();
    for (NotebookInput in : service.inputs(n)) {
      Path host = runtime.name().equals("kubernetes") ? null : datasets.materialise(n.getTeamId(), in.versionId());
      mounts.add(new WorkloadSpec.DatasetMount(in.mountAs(), in.versionId(), host));
    }
    Duration maxRuntime = properties.autoShutdown().hour().multipliedBy(n.getAutoShutdownHours()).plus(ENGINE_MARGIN);
    String image = n.getImage() != null ? n.getImage() : properties.image();
    // on Kubernetes the pod's agent fetches the inputs from this service, with a token for this notebook
    String agentToken = mounts.isEmpty() || !runtime.name().equals("kubernetes") ? null
        : tokens.issue(n.getTeamId(), n.getPublicId(), maxRuntime);
    return NotebookSpecs.spec(n, local, image, runPort(n), resources, mounts,
        maxRuntime, agentToken);
  }

  private int runPort(Notebook n) {
    return n.getHostPort() != null ? n.getHostPort() : properties.port();
  }

  private void provisioning(Notebook n) {
    if (n.isStopped()) {
      update(n, x -> x.transition(NotebookStatus.STOPPING, x.getReason(), clock.instant()));
      return;
    }
    WorkloadStatus st = runtime.observe(NotebookSpecs.ref(n));
    boolean late = n.getRunStartedAt() != null && clock.instant().isAfter(n.getRunStartedAt().plus(properties.startTimeout()));
    switch (st.phase()) {
      case NOT_FOUND -> apply(n); // the row was saved, the run not started (a restart in between)
      case SUCCEEDED, FAILED -> fail(n, NotebookSpecs.describeExit(st.exitCode(), st.reason()));
      case PENDING -> {
        if (late) {
          fail(n, "the run did not start within " + properties.startTimeout().toSeconds() + " s"
              + (st.reason() == null ? "" : ": " + st.reason()));
        } else if (st.reason() != null && !("waiting: " + st.reason()).equals(n.getReason())) {
          // what it waits for (an image pull, a GPU node) is worth seeing before it fails
          update(n, x -> x.getStatus() == NotebookStatus.PROVISIONING
              && x.transition(NotebookStatus.PROVISIONING, "waiting: " + st.reason(), clock.instant()));
        }
      }
      case RUNNING -> {
        URI endpoint = st.endpoints().get(runPort(n));
        Optional<JupyterClient.Activity> up = endpoint == null ? Optional.empty()
            : jupyter.activity(endpoint, NotebookIds.basePath(n.getId()), n.getToken());
        if (up.isPresent()) {
          update(n, x -> {
            if (x.getStatus() != NotebookStatus.PROVISIONING) {
              return false;
            }
            x.running(endpoint.toString());
            return x.transition(NotebookStatus.RUNNING, null, clock.instant());
          }).filter(x -> x.getStatus() == NotebookStatus.RUNNING)
              .ifPresent(x -> routes.put(x.getId(), new Routes.Route(x.getTeamId(), endpoint, x.getToken())));
        } else if (late) {
          fail(n, "Jupyter did not answer within " + properties.startTimeout().toSeconds() + " s of starting");
        }
      }
    }
  }

  private void running(Notebook n) {
    if (n.isStopped()) {
      update(n, x -> x.transition(NotebookStatus.STOPPING, x.getReason(), clock.instant()));
      return;
    }
    WorkloadStatus st = runtime.observe(NotebookSpecs.ref(n));
    if (st.phase() != Phase.RUNNING) {
      routes.remove(n.getId());
      fail(n, NotebookSpecs.describeExit(st.exitCode(), st.reason()));
      return;
    }
    URI endpoint = st.endpoints().getOrDefault(runPort(n), n.getEndpoint() == null ? null : URI.create(n.getEndpoint()));
    if (endpoint == null) {
      return;
    }
    // after a restart, and when an engine moves the run's address (a container re-created)
    routes.put(n.getId(), new Routes.Route(n.getTeamId(), endpoint, n.getToken()));
    Instant now = clock.instant();
    Instant shutdownAt = n.getRunStartedAt().plus(properties.autoShutdown().hour().multipliedBy(n.getAutoShutdownHours()));
    if (!now.isBefore(shutdownAt)) {
      requestStop(n, "auto-shutdown: stopped after " + n.getAutoShutdownHours() + " h of running (autoShutdownHours)");
      return;
    }
    NotebooksProperties.Idle idle = properties.idle();
    if (!idle.enabled()) {
      return;
    }
    Instant asked = lastAsked.get(n.getId());
    if (asked != null && Duration.between(asked, now).compareTo(idle.checkInterval()) < 0) {
      return;
    }
    lastAsked.put(n.getId(), now);
    Optional<JupyterClient.Activity> activity = jupyter.activity(endpoint, NotebookIds.basePath(n.getId()), n.getToken());
    if (activity.isEmpty()) {
      return; // not answering now: no evidence of idleness either
    }
    JupyterClient.Activity a = activity.get();
    Instant last = a.lastActiveAsOf(now);
    Instant known = n.getLastActivityAt();
    if (last != null && (known == null || last.isAfter(known))) {
      Optional<Notebook> saved = update(n, x -> {
        x.activity(last);
        return false;
      });
      known = saved.map(Notebook::getLastActivityAt).orElse(last);
    }
    if (known != null && Duration.between(known, now).compareTo(idle.timeout()) >= 0) {
      requestStop(n, "idle: Jupyter reported no activity for " + human(idle.timeout()) + " (last at " + known + ")");
    }
  }

  private void requestStop(Notebook n, String reason) {
    log.info("notebook {} of team {}: {}", n.getPublicId(), n.getTeamId(), reason);
    update(n, x -> {
      if (x.getStatus().isFinal() || x.getStatus() == NotebookStatus.STOPPING) {
        return false;
      }
      x.setStopped(true, clock.instant());
      return x.transition(NotebookStatus.STOPPING, reason, clock.instant());
    }).filter(x -> x.getStatus() == NotebookStatus.STOPPING).ifPresent(this::stopping);
  }

  private void stopping(Notebook n) {
    routes.remove(n.getId());
    WorkloadRef ref = NotebookSpecs.ref(n);
    WorkloadStatus st = runtime.observe(ref);
    if (st.phase() == Phase.RUNNING || st.phase() == Phase.PENDING) {
      Instant issued = stopIssued.get(n.getId());
      Instant now = clock.instant();
      if (issued == null) {
        stopIssued.put(n.getId(), now);
        runtime.stop(ref, properties.stopGrace());
      } else if (now.isAfter(issued.plus(properties.stopGrace()).plus(Duration.ofSeconds(30)))) {
        runtime.delete(ref); // it ignored the stop and the kill: remove it
      }
      return;
    }
    runtime.delete(ref);
    stopIssued.remove(n.getId());
    lastAsked.remove(n.getId());
    update(n, x -> {
      if (x.getStatus() != NotebookStatus.STOPPING) {
        return false;
      }
      x.endRun(clock.instant());
      // started again while it stopped: the old run is gone, a new one begins
      return x.isStopped() ? x.transition(NotebookStatus.STOPPED, x.getReason(), clock.instant())
          : x.transition(NotebookStatus.PENDING, null, clock.instant());
    });
  }

  private void fail(Notebook n, String reason) {
    log.info("notebook {} of team {} failed: {}", n.getPublicId(), n.getTeamId(), reason);
    routes.remove(n.getId());
    runtime.delete(NotebookSpecs.ref(n));
    lastAsked.remove(n.getId());
    update(n, x -> {
      if (x.getStatus().isFinal()) {
        return false;
      }
      x.endRun(clock.instant());
      return x.transition(NotebookStatus.FAILED, reason, clock.instant());
    });
  }

  /** A deleted notebook: its run goes, its dataset versions are released, then its row. Its working directory stays. */
  private void remove(Notebook n) {
    routes.remove(n.getId());
    runtime.delete(NotebookSpecs.ref(n));
    if (!service.inputs(n).isEmpty() && !datasets.release(n.getTeamId(), n.getPublicId())) {
      return; // storage-service did not hear it: next tick
    }
    tx.executeWithoutResult(s -> notebooks.lock(n.getTeamId(), n.getId()).ifPresent(notebooks::delete));
    stopIssued.remove(n.getId());
    lastAsked.remove(n.getId());
    events.publish(n.getTeamId(), n.getPublicId(), "Deleted", null);
  }

  /** Runs the engine has whose notebook is gone, Stopped or Failed: what a crash between two steps left. */
  private void sweep() {
    List<WorkloadRef> refs;
    try {
      refs = runtime.list();
    } catch (RuntimeException e) {
      log.warn("cannot list notebook runs: {}", e.toString());
      return;
    }
    for (WorkloadRef ref : refs) {
      if (ref.kind() != WorkloadRef.Kind.NOTEBOOK) {
        continue;
      }
      Optional<UUID> id = NotebookIds.decode(ref.id());
      if (id.isEmpty() || inFlight.contains(id.get())) {
        continue;
      }
      Optional<Notebook> n = notebooks.findByTeamIdAndId(ref.team(), id.get());
      if (n.isEmpty() || n.get().getStatus().isFinal()) {
        if (runtime.observe(ref).phase() != Phase.NOT_FOUND) {
          log.info("removing a leftover run of notebook {} of team {}", ref.id(), ref.team());
          runtime.delete(ref);
        }
      }
    }
  }

  /**
   * Changes the row under its lock; {@code change} says whether the change is worth an event. Answers
   * the saved row, or empty when the row is gone.
   */
  private Optional<Notebook> update(Notebook n, java.util.function.Predicate<Notebook> change) {
    boolean[] announce = {false};
    Optional<Notebook> saved = Optional.ofNullable(tx.execute(s -> notebooks.lock(n.getTeamId(), n.getId()).map(x -> {
      announce[0] = change.test(x);
      return notebooks.save(x);
    }).orElse(null)));
    if (announce[0]) {
      saved.ifPresent(x -> events.publish(x.getTeamId(), x.getPublicId(), x.getStatus().wire(), x.getReason()));
    }
    return saved;
  }

  private boolean jupyterInstalled() {
    for (String dir : compute.processPath().split(":")) {
      if (dir.isBlank()) {
        continue;
      }
      for (String exe : List.of("jupyter-lab", "jupyter-notebook")) {
        if (Files.isExecutable(Path.of(dir, exe))) {
          return true;
        }
      }
    }
    return false;
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String human(Duration d) {
    if (d.toSeconds() % 3600 == 0) {
      return d.toHours() + " h";
    }
    if (d.toSeconds() % 60 == 0) {
      return d.toMinutes() + " min";
    }
    return d.toSeconds() + " s";
  }

  @Override
  public void destroy() {
    workers.shutdownNow();
  }
}
