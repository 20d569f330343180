package dev.incline.compute.kubernetes.serving;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.kubernetes.KubernetesResources;
import dev.incline.compute.kubernetes.KubernetesRuntimeSettings;
import dev.incline.compute.kubernetes.TeamNamespaces;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs model-serving deployments on a Kubernetes cluster: each as a Deployment, a ClusterIP Service
 * and (when its replicas follow the load) an HPA, made by {@link ServingManifests}, in the team's
 * namespace, which is made and converged as for jobs ({@link TeamNamespaces}). Every object carries
 * the deployment's labels ({@code incline.dev/kind: deployment}), so a restarted service finds them
 * again with {@link #list()}, and every object read is checked against them: a call for one team
 * never reads or changes another team's objects.
 *
 * <p><b>apply</b> creates what is missing, and replaces an object whose {@code incline.dev/revision}
 * annotation is not the spec's revision; an object of the same revision is left alone (so applying
 * the same spec again writes nothing). A replace is a PUT of the whole desired object with the
 * existing resourceVersion, so that fields a new revision drops (a model's init container) go too;
 * labels and annotations others added to the object's metadata are kept, the Service keeps its
 * cluster IP, and an autoscaled Deployment keeps its current replica count (within the new bounds)
 * rather than falling back to the minimum while the HPA catches up.
 *
 * <p>The caller owns the client; this class holds no informers: {@link #observe} reads the
 * Deployment and its pods from the API server.
 */
public final class KubernetesServing {

  private static final Logger log = LoggerFactory.getLogger(KubernetesServing.class);
  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
  private static final int CONFLICT_RETRIES = 5;

  private final KubernetesClient client;
  private final KubernetesRuntimeSettings settings;
  private final TeamNamespaces teams;

  public KubernetesServing(KubernetesClient client, KubernetesRuntimeSettings settings) {
    this.client = client;
    this.settings = settings;
    this.teams = new TeamNamespaces(client, settings);
  }

  /** What an apply did, taken over the deployment's objects. */
  public enum Applied {
    /** The Deployment was created (a first apply, or after it was deleted). */
    CREATED,
    /** An existing object was replaced, created or deleted: a new revision, or a missing Service or HPA. */
    UPDATED,
    /** Every object was there, of this revision. */
    UNCHANGED
  }

  // ---------------------------------------------------------------- apply

  /** Creates or converges the deployment's objects; see the class comment. Idempotent. */
  public Applied apply(ServingSpec spec) {
    return apply(spec, null);
  }

  /**
   * As {@link #apply(ServingSpec)}, and first keeps the model fetch's token in the Secret
   * {@code model.tokenSecretName} (key {@code token}), labelled as this deployment's: a changed
   * token is written without rolling the pods (each pod reads it when it starts). A null token leaves
   * the Secret to the caller.
   */
  public Applied apply(ServingSpec spec, String modelToken) {
    try {
      return converge(spec, modelToken);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      // The namespace was deleted behind this process's back: make the team's objects again, once.
      teams.forget(spec.team());
      return converge(spec, modelToken);
    }
  }

  private Applied converge(ServingSpec spec, String modelToken) {
    WorkloadRef ref = spec.ref();
    teams.ensure(ref.team());
    String ns = ServingResources.namespace(settings, ref.team());
    String name = ServingResources.name(ref);
    boolean changed = false;

    if (modelToken != null) {
      changed |= token(ref, ServingManifests.tokenSecret(settings, spec, modelToken));
    }
    Applied service = replace(ref, spec.revision(), () -> ServingManifests.service(settings, spec),
        () -> client.services().inNamespace(ns).withName(name).get(),
        (existing, desired) -> {
          // allocated by the API server, immutable: a PUT without them would be refused (or reallocate)
          desired.getSpec().setClusterIP(existing.getSpec().getClusterIP());
          desired.getSpec().setClusterIPs(existing.getSpec().getClusterIPs());
          desired.getSpec().setIpFamilies(existing.getSpec().getIpFamilies());
          desired.getSpec().setIpFamilyPolicy(existing.getSpec().getIpFamilyPolicy());
        });
    Applied deployment = replace(ref, spec.revision(), () -> ServingManifests.deployment(settings, spec),
        () -> client.apps().deployments().inNamespace(ns).withName(name).get(),
        (existing, desired) -> {
          if (spec.autoscaled() && existing.getSpec().getReplicas() != null) {
            int now = existing.getSpec().getReplicas();
            desired.getSpec().setReplicas(Math.clamp(now, spec.minReplicas(), spec.maxReplicas()));
          }
        });
    Optional<HorizontalPodAutoscaler> hpa = ServingManifests.autoscaler(settings, spec);
    Applied autoscaler = Applied.UNCHANGED;
    if (hpa.isPresent()) {
      autoscaler = replace(ref, spec.revision(), hpa::get,
          () -> client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).withName(name).get(),
          (existing, desired) -> {});
    } else {
      HorizontalPodAutoscaler existing = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns)
          .withName(name).get();
      if (existing != null) {
        checkOwned(existing, ref);
        client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).withName(name).delete();
        autoscaler = Applied.UPDATED;
      }
    }

    if (deployment == Applied.CREATED) {
      log.info("created deployment {} of team {} (revision {}) as {}/{}", ref.id(), ref.team(), spec.revision(), ns, name);
      return Applied.CREATED;
    }
    changed |= service != Applied.UNCHANGED || deployment != Applied.UNCHANGED || autoscaler != Applied.UNCHANGED;
    if (changed) {
      log.info("converged deployment {} of team {} to revision {} (Deployment {}, Service {}, HPA {})", ref.id(), ref.team(),
          spec.revision(), deployment, service, hpa.isPresent() ? autoscaler : "none");
    }
    return changed ? Applied.UPDATED : Applied.UNCHANGED;
  }

  /**
   * Creates the desired object, or replaces the existing one when its revision differs. Retries a
   * PUT that lost a race (the Deployment controller writes status all the time) from a fresh read.
   */
  private <T extends HasMetadata> Applied replace(WorkloadRef ref, int revision, Supplier<T> desiredOf,
      Supplier<T> current, BiConsumer<T, T> carryOver) {
    for (int attempt = 1; ; attempt++) {
      T existing = current.get();
      T desired = desiredOf.get();
      if (existing == null) {
        try {
          client.resource(desired).create();
          return Applied.CREATED;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409 || attempt >= CONFLICT_RETRIES) {
            throw e;
          }
          continue; // made meanwhile by a concurrent apply: compare with it
        }
      }
      checkOwned(existing, ref);
      if (Integer.toString(revision).equals(annotation(existing))) {
        return Applied.UNCHANGED;
      }
      carryOver.accept(existing, desired);
      desired.setMetadata(merged(existing.getMetadata(), desired.getMetadata()));
      try {
        client.resource(desired).update();
        return Applied.UPDATED;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= CONFLICT_RETRIES) {
          throw e;
        }
      }
    }
  }

  /** The existing metadata (resourceVersion, uid, finalizers, others' labels), with our labels and annotations over it. */
  private static ObjectMeta merged(ObjectMeta existing, ObjectMeta desired) {
    Map<String, String> labels = new LinkedHashMap<>(existing.getLabels() == null ? Map.of() : existing.getLabels());
    labels.putAll(desired.getLabels());
    Map<String, String> annotations = new LinkedHashMap<>(
        existing.getAnnotations() == null ? Map.of() : existing.getAnnotations());
    annotations.putAll(desired.getAnnotations());
    return new ObjectMetaBuilder(existing).withLabels(labels).withAnnotations(annotations).build();
  }

  /** Creates the token Secret, or writes a changed token into it; true when it wrote. */
  private boolean token(WorkloadRef ref, Secret desired) {
    String ns = desired.getMetadata().getNamespace();
    String name = desired.getMetadata().getName();
    Secret existing = client.secrets().inNamespace(ns).withName(name).get();
    if (existing == null) {
      try {
        client.resource(desired).create();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        existing = client.secrets().inNamespace(ns).withName(name).get();
      }
    }
    checkOwned(existing, ref);
    String want = desired.getStringData().get(ServingResources.TOKEN_KEY);
    if (want.equals(storedToken(existing))) {
      return false;
    }
    client.secrets().inNamespace(ns).withName(name).patch(MERGE, desired);
    return true;
  }

  /** The token a Secret holds: in {@code data} as the API server keeps it (or in {@code stringData}, as a mock server may). */
  private static String storedToken(Secret secret) {
    String data = secret.getData() == null ? null : secret.getData().get(ServingResources.TOKEN_KEY);
    if (data != null) {
      return new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8);
    }
    return secret.getStringData() == null ? null : secret.getStringData().get(ServingResources.TOKEN_KEY);
  }

  private static String annotation(HasMetadata o) {
    Map<String, String> annotations = o.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(ServingResources.ANNOTATION_REVISION);
  }

  private static void checkOwned(HasMetadata o, WorkloadRef ref) {
    if (o != null && !KubernetesResources.owns(o.getMetadata().getLabels(), ref)) {
      throw new IllegalStateException("a " + o.getKind() + " " + o.getMetadata().getNamespace() + "/"
          + o.getMetadata().getName() + " exists and is not the deployment " + ref.id() + " of team " + ref.team());
    }
  }

  private static boolean owned(HasMetadata o, WorkloadRef ref) {
    return o != null && KubernetesResources.owns(o.getMetadata().getLabels(), ref);
  }

  // ---------------------------------------------------------------- observe

  /** The Deployment's replica counts and each pod's state; {@link ServingStatus#notFound()} when there is no Deployment of it. */
  public ServingStatus observe(String team, String deploymentId) {
    WorkloadRef ref = ServingResources.ref(team, deploymentId);
    String ns = ServingResources.namespace(settings, team);
    Deployment deployment = client.apps().deployments().inNamespace(ns).withName(ServingResources.name(ref)).get();
    if (!owned(deployment, ref)) {
      return ServingStatus.notFound();
    }
    List<Pod> pods = client.pods().inNamespace(ns).withLabels(KubernetesResources.identity(ref)).list().getItems()
        .stream().filter(p -> owned(p, ref)).toList();
    return ServingStatusMapper.status(deployment, pods);
  }

  /** {@code http://<service>.<namespace>.svc.cluster.local:80}: where the deployment answers inside the cluster. */
  public URI endpoint(String team, String deploymentId) {
    return ServingResources.endpoint(settings, team, deploymentId);
  }

  // ---------------------------------------------------------------- delete, list

  /**
   * The HPA, the Deployment (its pods go in the background, each with its grace period), the Service
   * and the Secrets labelled as the deployment's; only objects labelled as this deployment's. Idempotent.
   */
  public void delete(String team, String deploymentId) {
    WorkloadRef ref = ServingResources.ref(team, deploymentId);
    String ns = ServingResources.namespace(settings, team);
    String name = ServingResources.name(ref);
    var hpas = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns);
    if (owned(hpas.withName(name).get(), ref)) {
      hpas.withName(name).delete();
    }
    var deployments = client.apps().deployments().inNamespace(ns);
    if (owned(deployments.withName(name).get(), ref)) {
      deployments.withName(name).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    }
    var services = client.services().inNamespace(ns);
    if (owned(services.withName(name).get(), ref)) {
      services.withName(name).delete();
    }
    for (Secret secret : client.secrets().inNamespace(ns).withLabels(KubernetesResources.identity(ref)).list().getItems()) {
      if (owned(secret, ref)) {
        client.secrets().inNamespace(ns).withName(secret.getMetadata().getName()).delete();
      }
    }
  }

  /**
   * Every deployment on the cluster, of all teams, as refs of kind {@code deployment}: Deployments
   * labelled as Incline's deployments in Incline's team namespaces, whose team label is the
   * namespace's team. What a restarted service re-adopts.
   */
  public List<WorkloadRef> list() {
    Set<WorkloadRef> refs = new LinkedHashSet<>();
    for (Map.Entry<String, String> namespace : teams.list().entrySet()) {
      String ns = namespace.getKey();
      List<Deployment> deployments = client.apps().deployments().inNamespace(ns)
          .withLabel(KubernetesResources.LABEL_MANAGED_BY, KubernetesResources.MANAGED_BY)
          .withLabel(KubernetesResources.LABEL_KIND, WorkloadRef.Kind.DEPLOYMENT.label())
          .list().getItems();
      for (Deployment d : deployments) {
        Map<String, String> labels = d.getMetadata().getLabels();
        try {
          WorkloadRef ref = ServingResources.ref(labels.get(KubernetesResources.LABEL_TEAM),
              labels.get(KubernetesResources.LABEL_ID));
          if (Objects.equals(ref.team(), namespace.getValue()) && owned(d, ref)) {
            refs.add(ref);
          }
        } catch (RuntimeException e) {
          log.warn("ignoring Deployment {}/{} with malformed Incline labels {}", ns, d.getMetadata().getName(), labels);
        }
      }
    }
    return new ArrayList<>(refs);
  }
}
