package dev.incline.deployments.serving;

import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.WorkloadStatus;
import dev.incline.deployments.config.ComputeProperties;
import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.deployments.deployment.Deployment;
import dev.incline.deployments.deployment.DeploymentRepository;
import dev.incline.deployments.deployment.DeploymentStatus;
import dev.incline.deployments.deployment.Replica;
import dev.incline.deployments.deployment.ReplicaRepository;
import dev.incline.deployments.events.DeploymentEvents;
import dev.incline.deployments.machine.MachineTypes;
import dev.incline.deployments.model.ModelCache;
import dev.incline.deployments.model.ModelRegistryClient;
import dev.incline.platform.id.PublicId;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Level-triggered: every tick compares each deployment's record with its replicas and the engine, and
 * takes the next step towards what the record says. Replicas of the current revision are started up
 * to the autoscaler's count; during a roll one new replica is started, and only once it is ready is
 * one old replica taken out of routing, drained and stopped (never fewer ready replicas than before).
 * State that matters is in the database; what is in memory (health streaks, load history, the routing
 * table) is rebuilt from probes after a restart, which re-adopts running replicas.
 *
 * <p>For the local runtimes ({@code process}, {@code docker}); on {@code kubernetes} the cluster runs
 * the replicas and {@code serving.kubernetes.KubernetesDeployments} converges its objects instead.
 */
@Component
@ConditionalOnExpression("'${incline.compute.runtime:process}' != 'kubernetes'")
public class Reconciler {

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  /** Health checks a ready replica may fail in a row before it leaves routing. */
  private static final int UNHEALTHY_AFTER = 3;

  private final DeploymentRepository deployments;
  private final ReplicaRepository replicas;
  private final WorkloadRuntime runtime;
  private final ReplicaPool pool;
  private final ModelCache modelCache;
  private final ModelRegistryClient registry;
  private final MachineTypes machineTypes;
  private final DeploymentEvents events;
  private final DeploymentsProperties properties;
  private final TransactionTemplate tx;
  private final java.time.Clock clock;
  private final HttpClient probes = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1))
      .version(HttpClient.Version.HTTP_1_1).build();
  private final Map<UUID, Autoscaler> autoscalers = new ConcurrentHashMap<>();
  private final Map<UUID, Long> lastTick = new ConcurrentHashMap<>();
  private final Map<UUID, Integer> healthFailures = new ConcurrentHashMap<>();
  private final Map<String, WorkloadSpec.Resources> resources = new ConcurrentHashMap<>();

  Reconciler(DeploymentRepository deployments, ReplicaRepository replicas, WorkloadRuntime runtime, ReplicaPool pool,
      ModelCache modelCache, ModelRegistryClient registry, MachineTypes machineTypes, DeploymentEvents events,
      DeploymentsProperties properties, ComputeProperties compute, TransactionTemplate tx, java.time.Clock clock) {
    this.deployments = deployments;
    this.replicas = replicas;
    this.runtime = runtime;
    this.pool = pool;
    this.modelCache = modelCache;
    this.registry = registry;
    this.machineTypes = machineTypes;
    this.events = events;
    this.properties = properties;
    this.tx = tx;
    this.clock = clock;
  }

  @Scheduled(fixedDelayString = "${incline.deployments.reconcile-interval:1s}", initialDelayString = "1s")
  public void tick() {
    Set<String> live = new HashSet<>();
    for (DeploymentRepository.Key k : deployments.keys()) {
      try {
        reconcile(k.getTeamId(), k.getId(), live);
      } catch (RuntimeException e) {
        log.warn("deployment {}: {}", DeploymentIds.publicId(k.getId()), e.toString());
      }
    }
    removeStrays(live);
  }

  /** One deployment: observe, route, roll, scale, report. */
  void reconcile(String teamId, UUID id, Set<String> live) {
    tx.executeWithoutResult(s -> {
      Optional<Deployment> found = deployments.lock(teamId, id);
      if (found.isEmpty()) {
        return;
      }
      Deployment d = found.get();
      Instant now = clock.instant();
      List<Replica> all = replicas.findByTeamIdAndDeploymentIdOrderByCreatedAt(teamId, id);
      List<Replica> alive = new ArrayList<>();
      String failure = null;
      for (Replica r : all) {
        String problem = observe(d, r, now);
        if (problem == null) {
          alive.add(r);
          live.add(DeploymentIds.replicaId(r.getId()));
        } else if (r.getRevision() == d.getRevision() && r.getState() != Replica.State.DRAINING) {
          d.replicaFailed();
          failure = problem;
        }
      }
      if (d.isDeleted() && alive.isEmpty()) {
        pool.forgetDeployment(id);
        autoscalers.remove(id);
        deployments.delete(d);
        events.publish(teamId, DeploymentIds.publicId(id), DeploymentStatus.STOPPED.wire(), "deleted");
        return;
      }
      List<Replica> current = alive.stream().filter(r -> r.getRevision() == d.getRevision() && r.getState() != Replica.State.DRAINING).toList();
      List<Replica> old = alive.stream().filter(r -> r.getRevision() != d.getRevision() && r.getState() != Replica.State.DRAINING).toList();
      int desired = d.isStopped() ? 0 : desired(d, current.size(), now);
      if (!d.isStopped()) {
        d.setDesiredReplicas(desired);
      }
      boolean failed = d.getFailures() >= properties.maxFailures();
      String startProblem = null;
      if (d.isStopped()) {
        alive.forEach(r -> drain(d, r, now));
      } else if (!old.isEmpty()) {
        // rolling: one new replica at a time; an old one goes only when the new ones are ready
        boolean starting = current.stream().anyMatch(r -> r.getState() != Replica.State.READY);
        if (!starting) {
          if (current.size() < desired && !failed) {
            startProblem = start(d, now);
          } else if (current.size() >= desired) {
            drain(d, old.stream().min(Comparator.comparing(Replica::getCreatedAt)).orElseThrow(), now);
          }
        }
      } else if (current.size() < desired && !failed) {
        for (int i = current.size(); i < desired && startProblem == null; i++) {
          startProblem = start(d, now);
        }
      } else if (current.size() > desired) {
        // the newest first: not-yet-ready replicas before ready ones
        List<Replica> extra = current.stream()
            .sorted(Comparator.comparing((Replica r) -> r.getState() == Replica.State.READY).thenComparing(Replica::getCreatedAt,
                Comparator.reverseOrder()))
            .limit(current.size() - desired).toList();
        extra.forEach(r -> drain(d, r, now));
      }
      if (startProblem != null) {
        d.replicaFailed();
        failure = startProblem;
      }
      status(d, current, old, alive, failure, now);
      deployments.save(d);
    });
  }

  /** @return why the replica is gone (and it was removed), or null while it lives */
  private String observe(Deployment d, Replica r, Instant now) {
    WorkloadRef ref = ref(d, r);
    WorkloadStatus st;
    try {
      st = runtime.observe(ref);
    } catch (RuntimeException e) {
      log.debug("observe {}: {}", ref.id(), e.toString());
      return null; // the engine did not answer: look again next tick
    }
    if (st.phase() == Phase.NOT_FOUND || st.phase().finished()) {
      String why = "replica " + ref.id() + (st.phase() == Phase.NOT_FOUND ? " disappeared"
          : " exited" + (st.exitCode() != null ? " with code " + st.exitCode() : "")) + (st.reason() != null ? ": " + st.reason() : "");
      remove(d, r);
      return r.getState() == Replica.State.DRAINING ? null : why;
    }
    URI endpoint = endpoint(d, r, st);
    switch (r.getState()) {
      case DRAINING -> {
        boolean idle = pool.inFlight(r.getId()) == 0;
        boolean overdue = r.getDrainingAt() != null && r.getDrainingAt().plus(properties.drainTimeout()).isBefore(now);
        if (idle || overdue) {
          remove(d, r);
        }
      }
      case STARTING -> {
        if (endpoint != null && healthy(endpoint, d.getHealthPath())) {
          r.ready(endpoint.toString(), now);
          if (!d.isStopped()) {
            pool.add(d.getTeamId(), d.getId(), r.getId(), endpoint);
          }
        } else if (r.getCreatedAt().plus(properties.readyTimeout()).isBefore(now)) {
          String why = "replica " + ref.id() + " was not ready after " + properties.readyTimeout().toSeconds() + " s ("
              + d.getHealthPath() + " did not answer 200)";
          remove(d, r);
          return why;
        } else {
          r.starting(endpoint == null ? null : endpoint.toString(), st.phase() == Phase.PENDING ? st.reason() : null);
        }
      }
      case READY, UNHEALTHY -> {
        if (endpoint != null && healthy(endpoint, d.getHealthPath())) {
          healthFailures.remove(r.getId());
          if (!d.isStopped() && (r.getState() == Replica.State.UNHEALTHY || !pool.routed(d.getId(), r.getId()))) {
            r.ready(endpoint.toString(), now); // also re-adopts replicas after a restart of this service
            pool.add(d.getTeamId(), d.getId(), r.getId(), endpoint);
          }
        } else {
          int n = healthFailures.merge(r.getId(), 1, Integer::sum);
          if (n >= UNHEALTHY_AFTER && r.getState() == Replica.State.READY) {
            pool.remove(d.getId(), r.getId());
            r.unhealthy(d.getHealthPath() + " failed " + n + " checks in a row");
          }
        }
      }
    }
    return null;
  }

  private int desired(Deployment d, int current, Instant now) {
    long t = System.nanoTime();
    Long previous = lastTick.put(d.getId(), t);
    double concurrency = previous == null ? 0 : pool.concurrencySince(d.getId(), t - previous);
    Autoscaler a = autoscalers.computeIfAbsent(d.getId(),
        k -> new Autoscaler(properties.autoscaling().window(), properties.autoscaling().scaleDownDelay()));
    return a.desired(now, concurrency, current, d.getMinReplicas(), d.getMaxReplicas(), d.getTargetConcurrency());
  }

  /** @return why no replica could be started, or null */
  private String start(Deployment d, Instant now) {
    UUID id = PublicId.newUuid();
    Integer hostPort = runtime.name().equals("process") ? freePort() : null;
    try {
      Path modelDir = null;
      String modelFile = null;
      if (d.servesModel()) {
        ModelRegistryClient.ResolvedModel m = registry.resolve(registry.serviceCaller(d.getTeamId()),
            d.getModelId() + ":" + d.getModelVersionId(), "model"); // pinned: an alias may have moved since
        modelFile = m.onnxFile();
        modelDir = modelCache.ensure(d.getTeamId(), m.modelId(), m.versionId(), m.files());
      }
      List<String> custom = d.getCommand() == null ? List.of() : List.of("/bin/sh", "-c", d.getCommand());
      WorkloadSpec spec = ReplicaSpecs.spec(runtime.name(), d, DeploymentIds.replicaId(id), hostPort, modelDir, modelFile,
          resources(d), properties.modelServer(), custom);
      Replica r = replicas.save(new Replica(id, d, hostPort, now));
      runtime.apply(spec);
      log.info("deployment {} revision {}: started replica {}", DeploymentIds.publicId(d.getId()), d.getRevision(),
          DeploymentIds.replicaId(r.getId()));
      return null;
    } catch (RuntimeException e) {
      log.warn("deployment {}: cannot start a replica: {}", DeploymentIds.publicId(d.getId()), e.getMessage());
      return "cannot start a replica: " + e.getMessage();
    }
  }

  private WorkloadSpec.Resources resources(Deployment d) {
    if (d.getMachineType() == null) {
      return WorkloadSpec.Resources.none();
    }
    return resources.computeIfAbsent(d.getMachineType(), name -> machineTypes.find(d.getTeamId(), name)
        .orElseThrow(() -> new IllegalStateException("machine type " + name + " is no longer in the catalog")));
  }

  private void drain(Deployment d, Replica r, Instant now) {
    pool.remove(d.getId(), r.getId());
    r.drain(now);
  }

  /** Stops and forgets a replica. The model server drains what it still has on SIGTERM. */
  private void remove(Deployment d, Replica r) {
    pool.forget(d.getId(), r.getId());
    healthFailures.remove(r.getId());
    WorkloadRef ref = ref(d, r);
    try {
      runtime.stop(ref, Duration.ofSeconds(10));
      if (runtime.observe(ref).phase() != Phase.RUNNING) {
        runtime.delete(ref);
      }
    } catch (RuntimeException e) {
      log.debug("stop {}: {}", ref.id(), e.toString());
    }
    replicas.delete(r);
  }

  private void status(Deployment d, List<Replica> current, List<Replica> old, List<Replica> alive, String failure, Instant now) {
    long readyCurrent = current.stream().filter(r -> r.getState() == Replica.State.READY).count();
    DeploymentStatus next;
    String reason;
    if (d.isStopped()) {
      boolean none = alive.isEmpty();
      next = none ? DeploymentStatus.STOPPED : DeploymentStatus.UPDATING;
      reason = none ? null : "stopping " + alive.size() + " replica(s)";
    } else if (d.getFailures() >= properties.maxFailures()) {
      next = DeploymentStatus.FAILED;
      String still = old.isEmpty() ? "" : "; " + old.size() + " replica(s) of the previous revision still serve";
      reason = failure != null ? "revision " + d.getRevision() + " failed " + d.getFailures() + " times; last: " + failure + still
          : d.getStatus() == DeploymentStatus.FAILED ? d.getReason() : "revision " + d.getRevision() + " keeps failing" + still;
    } else if (!old.isEmpty()) {
      next = DeploymentStatus.UPDATING;
      reason = "rolling to revision " + d.getRevision() + ": " + readyCurrent + " of " + d.getDesiredReplicas() + " ready";
    } else if (readyCurrent >= d.getMinReplicas()) {
      next = DeploymentStatus.READY;
      reason = null;
    } else if (d.getStatus() == DeploymentStatus.PENDING && current.isEmpty()) {
      next = DeploymentStatus.PENDING;
      reason = failure;
    } else if (d.getStatus() == DeploymentStatus.READY || d.getStatus() == DeploymentStatus.UPDATING) {
      next = DeploymentStatus.UPDATING;
      reason = readyCurrent + " of " + d.getMinReplicas() + " replica(s) ready" + (failure != null ? "; " + failure : "");
    } else {
      next = DeploymentStatus.DEPLOYING;
      reason = failure;
    }
    if (d.setStatus(next, reason, now)) {
      events.publish(d.getTeamId(), DeploymentIds.publicId(d.getId()), next.wire(), reason);
    }
  }

  private URI endpoint(Deployment d, Replica r, WorkloadStatus st) {
    int port = r.getHostPort() != null ? r.getHostPort() : d.servesModel() ? properties.modelServer().port() : d.getPort();
    return st.endpoints().get(port);
  }

  private boolean healthy(URI endpoint, String path) {
    try {
      HttpResponse<Void> r = probes.send(HttpRequest.newBuilder(URI.create(endpoint.toString().replaceAll("/+$", "") + path))
          .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Replicas the engine runs that no deployment knows (the row was removed while the service was down). */
  private void removeStrays(Set<String> live) {
    try {
      for (WorkloadRef ref : runtime.list()) {
        if (ref.kind() == WorkloadRef.Kind.DEPLOYMENT && !live.contains(ref.id())) {
          Optional<UUID> replicaId = DeploymentIds.decodeReplica(ref.id());
          if (replicaId.isPresent() && replicas.existsById(replicaId.get())) {
            continue; // created during this tick
          }
          log.info("removing replica {} that no deployment knows", ref.id());
          runtime.stop(ref, Duration.ofSeconds(5));
          runtime.delete(ref);
        }
      }
    } catch (RuntimeException e) {
      log.debug("listing replicas: {}", e.toString());
    }
  }

  private static WorkloadRef ref(Deployment d, Replica r) {
    return new WorkloadRef(d.getTeamId(), WorkloadRef.Kind.DEPLOYMENT, DeploymentIds.replicaId(r.getId()));
  }

  private static int freePort() {
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free local port", e);
    }
  }
}
