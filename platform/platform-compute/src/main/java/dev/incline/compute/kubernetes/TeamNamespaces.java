package dev.incline.compute.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The team namespaces every kind of workload runs in ({@code <prefix><team>}, with a ResourceQuota, a
 * NetworkPolicy, the team PVC, a RoleBinding for the control plane and, with Kueue, a LocalQueue),
 * converged once per team per process; shared by the job runtime ({@link KubernetesRuntime}) and
 * model deployments ({@code serving.KubernetesServing}).
 *
 * <p>Objects are converged by create, then on "already exists" a JSON merge patch of the desired
 * object: it sets the fields Incline owns and leaves the rest alone (labels an admin added, status,
 * fields defaulted by the API server), needs no resourceVersion, and works on every cluster. A
 * namespace labelled for another team is refused.
 */
public final class TeamNamespaces {

  private static final Logger log = LoggerFactory.getLogger(TeamNamespaces.class);
  static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
  private static final ResourceDefinitionContext LOCAL_QUEUES = new ResourceDefinitionContext.Builder()
      .withGroup("kueue.x-k8s.io").withVersion("v1beta1").withKind(LocalQueueManifest.KIND)
      .withPlural("localqueues").withNamespaced(true).build();

  private final KubernetesClient client;
  private final KubernetesRuntimeSettings settings;
  private final Set<String> readyTeams = ConcurrentHashMap.newKeySet();

  public TeamNamespaces(KubernetesClient client, KubernetesRuntimeSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  /** The team's namespace name. */
  public String namespace(String team) {
    return KubernetesResources.namespace(settings, team);
  }

  /**
   * The team's namespace and what every team namespace has, converged once per team per process.
   *
   * @return true when this call converged them, false when an earlier call of this process had
   */
  public boolean ensure(String team) {
    if (readyTeams.contains(team)) {
      return false;
    }
    Namespace desired = NamespaceManifest.namespace(settings, team);
    String ns = desired.getMetadata().getName();
    Namespace existing = client.namespaces().withName(ns).get();
    if (existing != null) {
      checkTeam(existing, team);
    }
    converge(desired, true);
    // The RoleBinding first: in a new namespace it is what lets the control plane create the rest.
    converge(RoleBindingManifest.controller(settings, team), true);
    whileBindingPropagates(() -> converge(ResourceQuotaManifest.quota(settings, team), true));
    converge(NetworkPolicyManifest.isolation(settings, team), true);
    // Only created, never patched: a claim's spec is immutable but for growing, which is an admin's call.
    converge(StorageManifest.teamStorage(settings, team), false);
    if (settings.kueue().enabled()) {
      var queue = LocalQueueManifest.localQueue(settings, team);
      var queues = client.genericKubernetesResources(LOCAL_QUEUES).inNamespace(ns);
      try {
        queues.resource(queue).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        queues.withName(queue.getMetadata().getName()).patch(MERGE, queue);
      }
    }
    readyTeams.add(team);
    log.info("team {} is ready in namespace {}", team, ns);
    return true;
  }

  /** Forgets that the team is ready, so that the next {@link #ensure} converges it again (its namespace went away). */
  public void forget(String team) {
    readyTeams.remove(team);
  }

  /**
   * Incline's team namespaces on the cluster, name to team: those labelled as Incline's, with a team
   * label and the prefix. What re-adoption lists workloads in.
   */
  public Map<String, String> list() {
    Map<String, String> teams = new LinkedHashMap<>();
    for (Namespace namespace : client.namespaces()
        .withLabel(KubernetesResources.LABEL_MANAGED_BY, KubernetesResources.MANAGED_BY).list().getItems()) {
      String ns = namespace.getMetadata().getName();
      Map<String, String> labels = namespace.getMetadata().getLabels();
      String team = labels == null ? null : labels.get(KubernetesResources.LABEL_TEAM);
      if (team != null && ns.startsWith(settings.namespacePrefix())) {
        teams.put(ns, team);
      }
    }
    return teams;
  }

  /**
   * Runs the first call that needs the RoleBinding just made, retrying "forbidden" for a few seconds:
   * the API server's authorizer may not see a new binding at once, and a team's first workload must
   * not fail for that.
   */
  private void whileBindingPropagates(Runnable call) {
    for (int attempt = 1; ; attempt++) {
      try {
        call.run();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 403 || attempt >= 10) {
          throw e;
        }
        try {
          Thread.sleep(100L * attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private static void checkTeam(Namespace namespace, String team) {
    Map<String, String> labels = namespace.getMetadata().getLabels();
    String owner = labels == null ? null : labels.get(KubernetesResources.LABEL_TEAM);
    if (owner != null && !owner.equals(team)) {
      throw new IllegalStateException("namespace " + namespace.getMetadata().getName() + " belongs to team " + owner
          + ", not to " + team + "; Incline never touches it");
    }
  }

  /** What one converge call did. */
  public enum Converged { CREATED, PATCHED, UNCHANGED }

  /** Creates the object, or on "already exists" merge-patches it (or leaves it when {@code patch} is false). */
  public <T extends HasMetadata> Converged converge(T desired, boolean patch) {
    try {
      client.resource(desired).create();
      return Converged.CREATED;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    if (!patch) {
      return Converged.UNCHANGED;
    }
    client.resource(desired).patch(MERGE, desired);
    return Converged.PATCHED;
  }
}
