package dev.incline.deployments.serving.kubernetes;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.kubernetes.serving.KubernetesServing;
import dev.incline.compute.kubernetes.serving.ServingSpec;
import dev.incline.compute.kubernetes.serving.ServingStatus;
import dev.incline.compute.kubernetes.serving.ServingStatusMapper;
import dev.incline.deployments.agent.DeploymentTokens;
import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.deployments.deployment.Deployment;
import dev.incline.deployments.deployment.DeploymentRepository;
import dev.incline.deployments.deployment.DeploymentStatus;
import dev.incline.deployments.deployment.DeploymentView;
import dev.incline.deployments.deployment.ReplicaSource;
import dev.incline.deployments.events.DeploymentEvents;
import dev.incline.deployments.machine.MachineTypes;
import dev.incline.deployments.serving.DeploymentIds;
import dev.incline.deployments.serving.ReplicaPool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deployments on Kubernetes ({@code incline.compute.runtime=kubernetes}): the cluster runs the
 * replicas, rolls a new revision ({@code maxUnavailable: 0}) and autoscales (an HPA); this service
 * converges each deployment's objects to its record and reports what the cluster says.
 *
 * <p>Level-triggered, like the local runtimes' reconciler: every tick, per deployment, applies its
 * {@link ServingSpec} (which writes only on a new revision, or a new token window), observes the
 * Deployment and its pods, routes inference to the deployment's Service while any pod is ready, and
 * sets the status ({@link KubernetesStatus}), with an event when it changed. A stopped deployment's
 * objects are deleted; a deleted deployment's row goes once they are. Nothing but the time a
 * revision has been rolling lives in memory, and after a restart that clock starts again.
 *
 * <p>The view's replicas are the pods the last tick saw ({@link ReplicaSource}): no cluster call per
 * API request.
 */
@Component
@ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "kubernetes")
public class KubernetesDeployments implements ReplicaSource {

  private static final Logger log = LoggerFactory.getLogger(KubernetesDeployments.class);
  /** How often objects on the cluster are checked against the records (deployments deleted while this service was down). */
  private static final Duration STRAYS_EVERY = Duration.ofMinutes(1);

  private final DeploymentRepository deployments;
  private final KubernetesServing serving;
  private final ReplicaPool pool;
  private final MachineTypes machineTypes;
  private final DeploymentEvents events;
  private final DeploymentTokens tokens;
  private final DeploymentsProperties properties;
  private final TransactionTemplate tx;
  private final Clock clock;
  /** What the last tick observed, per deployment: what the view shows. */
  private final Map<UUID, ServingStatus> observed = new ConcurrentHashMap<>();
  /** Since when the revision has been rolling out, per deployment (gone once it is Ready). */
  private final Map<UUID, Rollout> rollouts = new ConcurrentHashMap<>();
  private final Map<String, WorkloadSpec.Resources> resources = new ConcurrentHashMap<>();
  private volatile Instant straysChecked = Instant.EPOCH;

  private record Rollout(int revision, Instant since) {}

  KubernetesDeployments(DeploymentRepository deployments, KubernetesServing serving, ReplicaPool pool,
      MachineTypes machineTypes, DeploymentEvents events, DeploymentTokens tokens, DeploymentsProperties properties,
      TransactionTemplate tx, Clock clock) {
    this.deployments = deployments;
    this.serving = serving;
    this.pool = pool;
    this.machineTypes = machineTypes;
    this.events = events;
    this.tokens = tokens;
    this.properties = properties;
    this.tx = tx;
    this.clock = clock;
  }

  @Scheduled(fixedDelayString = "${incline.deployments.reconcile-interval:1s}", initialDelayString = "1s")
  public void tick() {
    for (DeploymentRepository.Key k : deployments.keys()) {
      try {
        reconcile(k.getTeamId(), k.getId());
      } catch (RuntimeException e) {
        log.warn("deployment {}: {}", DeploymentIds.publicId(k.getId()), e.toString());
      }
    }
    Instant now = clock.instant();
    if (straysChecked.plus(STRAYS_EVERY).isBefore(now)) {
      straysChecked = now;
      removeStrays();
    }
  }

  /** One deployment: apply (or delete), observe, route, report. */
  void reconcile(String teamId, UUID id) {
    tx.executeWithoutResult(s -> {
      Optional<Deployment> found = deployments.lock(teamId, id);
      if (found.isEmpty()) {
        return;
      }
      Deployment d = found.get();
      String publicId = DeploymentIds.publicId(id);
      Instant now = clock.instant();
      String problem = null;
      ServingStatus st;
      if (d.isStopped()) {
        pool.forget(id, id);
        rollouts.remove(id);
        st = serving.observe(teamId, publicId);
        if (st.found() || d.isDeleted()) {
          serving.delete(teamId, publicId); // the pods go in the background, each draining its requests
          st = serving.observe(teamId, publicId);
        }
        if (d.isDeleted() && !st.found()) {
          observed.remove(id);
          pool.forgetDeployment(id);
          deployments.delete(d);
          events.publish(teamId, publicId, DeploymentStatus.STOPPED.wire(), "deleted");
          return;
        }
      } else {
        try {
          ServingSpec spec = ServingSpecs.spec(d, resources(d), properties.modelServer(), properties.agentUrl());
          serving.apply(spec, spec.model() == null ? null : tokens.issue(teamId, publicId));
        } catch (RuntimeException e) {
          problem = "cannot apply revision " + d.getRevision() + " on the cluster: " + e.getMessage();
          log.warn("deployment {}: {}", publicId, problem);
        }
        st = serving.observe(teamId, publicId);
        if (KubernetesStatus.serving(st) > 0) {
          pool.add(teamId, id, id, serving.endpoint(teamId, publicId));
        } else {
          pool.forget(id, id);
        }
        if (st.found()) {
          d.setDesiredReplicas(st.desired());
        }
      }
      observed.put(id, st);
      Rollout rollout = rollouts.compute(id, (k, r) -> r != null && r.revision() == d.getRevision() ? r
          : new Rollout(d.getRevision(), now));
      boolean overdue = !rollout.since().plus(properties.readyTimeout()).isAfter(now);
      KubernetesStatus.Next next = KubernetesStatus.next(d.getStatus(), d.isStopped(), d.getRevision(), d.getMinReplicas(),
          st, overdue, problem);
      if (next.status() == DeploymentStatus.READY || d.isStopped()) {
        rollouts.remove(id);
      }
      if (d.setStatus(next.status(), next.reason(), now)) {
        log.info("deployment {} of team {}: {}{}", publicId, teamId, next.status().wire(),
            next.reason() == null ? "" : " (" + next.reason() + ")");
        events.publish(teamId, publicId, next.status().wire(), next.reason());
      }
      deployments.save(d);
    });
  }

  private WorkloadSpec.Resources resources(Deployment d) {
    if (d.getMachineType() == null) {
      return WorkloadSpec.Resources.none();
    }
    return resources.computeIfAbsent(d.getMachineType(), name -> machineTypes.find(d.getTeamId(), name)
        .orElseThrow(() -> new IllegalStateException("machine type " + name + " is no longer in the catalog")));
  }

  /** Deployments on the cluster that no record knows (deleted while this service was down): their objects go. */
  private void removeStrays() {
    try {
      for (WorkloadRef ref : serving.list()) {
        Optional<UUID> id = DeploymentIds.decode(ref.id());
        if (id.isPresent() && deployments.findByTeamIdAndId(ref.team(), id.get()).isPresent()) {
          continue;
        }
        log.info("removing deployment {} of team {} from the cluster: no deployment record has it", ref.id(), ref.team());
        serving.delete(ref.team(), ref.id());
      }
    } catch (RuntimeException e) {
      log.warn("listing deployments on the cluster: {}", e.toString());
    }
  }

  /** The pods the last tick saw, as replicas: ready ones serve (they are in the Service), terminating ones drain. */
  @Override
  public List<DeploymentView.ReplicaView> replicas(Deployment d) {
    ServingStatus st = observed.get(d.getId());
    if (st == null) {
      return List.of();
    }
    return st.replicas().stream().map(KubernetesDeployments::view).toList();
  }

  static DeploymentView.ReplicaView view(ServingStatus.ReplicaStatus pod) {
    String state = ServingStatusMapper.TERMINATING.equals(pod.phase()) ? "Draining"
        : pod.ready() ? "Ready"
        : "Failed".equals(pod.phase()) ? "Unhealthy"
        : "Starting";
    return new DeploymentView.ReplicaView(pod.name(), pod.revision() == null ? 0 : pod.revision(), state, pod.ready(),
        pod.reason(), null, null);
  }
}
