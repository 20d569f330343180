package dev.incline.compute.kubernetes;

import dev.incline.compute.ArtifactFile;
import dev.incline.compute.LogStream;
import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.WorkloadStatus;
import dev.incline.compute.logs.StampedPosition;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Loggable;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs workloads on a Kubernetes cluster: each team in its own namespace
 * ({@code <prefix><team>}, with a ResourceQuota, a NetworkPolicy, the team PVC and a RoleBinding
 * for the control plane), each job as a {@code batch/v1} Job with a Secret for its secret values
 * and a Service for its exposed ports. Every object has a deterministic name and Incline's labels,
 * so apply finds what an earlier apply (or an earlier process) made, and a restarted service
 * re-adopts Jobs by listing them.
 *
 * <p><b>Team isolation</b>: a ref's namespace is computed from its team alone, and every object read
 * is checked against the ref's labels, so a ref of one team never reads or changes another team's
 * objects, even if names collided. A namespace labelled for another team is refused.
 *
 * <p><b>Converging objects</b>: create, and on "already exists" a JSON merge patch of the desired
 * object. A merge patch sets the fields Incline owns and leaves the rest alone (labels an admin
 * added, status, fields defaulted by the API server), needs no resourceVersion, and works on every
 * cluster; createOrReplace would wipe what others set, and server-side apply, while the better
 * long-term tool, cannot create objects on the mock API server the tests run on. The team's
 * objects are converged once per team per process, not on every apply.
 *
 * <p><b>Status</b> comes from informers on the Jobs and pods of each team namespace the runtime has
 * touched (started lazily, per namespace because the control plane's RBAC is per namespace, with a
 * periodic resync), with a GET when the cache has nothing yet.
 *
 * <p><b>Stop</b> marks the Job with {@value KubernetesResources#ANNOTATION_STOP_REQUESTED} and
 * deletes its pod with the grace period: the container gets SIGTERM, then SIGKILL, the log stream
 * delivers its last lines and ends, and the Job (backoffLimit 0) fails, so it is terminal and its
 * TTL applies. observe reports it as {@link Phase#FAILED} "stopped on request". The pod's log is then
 * gone from the cluster; the log follower has already stored it. A Job that never started (waiting
 * for Kueue) gets an activeDeadlineSeconds of 1, so that an admission after the stop ends it at once.
 *
 * <p><b>Notebooks</b> ({@link WorkloadRef.Kind#NOTEBOOK}) are a long-lived Pod instead of a Job
 * ({@link NotebookManifest}), with the same Secret and ClusterIP Service, and the same labels, so
 * the same informers see them and {@link #list()} re-adopts them. The Secret and Service are not
 * owned by the Pod: stop deletes only the Pod (a notebook's files live on the team volume), a start
 * after it makes a new Pod behind the same Service address, and delete removes all three. stop marks
 * the Pod with {@value KubernetesResources#ANNOTATION_STOP_REQUESTED} and deletes it with the grace
 * period; while it terminates observe says {@link Phase#SUCCEEDED} "stopped on request", once it is
 * gone {@link Phase#NOT_FOUND} ({@link NotebookStatusMapper}).
 */
public final class KubernetesRuntime implements WorkloadRuntime, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KubernetesRuntime.class);
  private static final String BY_ID = "incline-id";
  private static final PatchContext MERGE = TeamNamespaces.MERGE;
  private static final Duration TERMINATING_WAIT_EXTRA = Duration.ofSeconds(5);
  private static final Duration TERMINATING_WAIT_MAX = Duration.ofSeconds(60);

  private final KubernetesClient client;
  private final KubernetesRuntimeSettings settings;
  private final TeamNamespaces teams;
  private final Map<String, Informers> informers = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** The runtime owns the client from now on: {@link #close()} closes it. */
  public KubernetesRuntime(KubernetesClient client, KubernetesRuntimeSettings settings) {
    this.client = client;
    this.settings = settings;
    this.teams = new TeamNamespaces(client, settings);
  }

  private record Informers(SharedIndexInformer<Job> jobs, SharedIndexInformer<Pod> pods) {
    void stop() {
      jobs.stop();
      pods.stop();
    }
  }

  @Override
  public String name() {
    return "kubernetes";
  }

  KubernetesRuntimeSettings settings() {
    return settings;
  }

  private String namespace(WorkloadRef ref) {
    return KubernetesResources.namespace(settings, ref.team());
  }

  // ---------------------------------------------------------------- apply

  @Override
  public ApplyResult apply(WorkloadSpec spec) {
    WorkloadRef ref = spec.ref();
    if (ref.kind() == WorkloadRef.Kind.NOTEBOOK) {
      return applyNotebook(spec);
    }
    ensureTeam(ref.team());
    String ns = namespace(ref);
    String name = KubernetesResources.name(ref);
    Job existing = getJob(ns, name);
    if (existing != null) {
      if (!KubernetesResources.owns(existing.getMetadata().getLabels(), ref)) {
        throw nameTaken("Job", ref, ns, name);
      }
      return ApplyResult.UNCHANGED;
    }
    Secret secret = SecretManifest.secret(settings, spec);
    Service service = ServiceManifest.service(settings, spec);
    Job job = JobManifest.job(settings, spec);
    Job created;
    try {
      created = createJob(ref, secret, service, job);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      // The namespace was deleted behind this process's back: make the team's objects again, once.
      teams.forget(ref.team());
      ensureTeam(ref.team());
      created = createJob(ref, secret, service, job);
    }
    if (created == null) {
      return ApplyResult.UNCHANGED;
    }
    // The Secret and Service go when the Job goes (its TTL, or a delete), through the garbage collector.
    OwnerReference owner = new OwnerReferenceBuilder()
        .withApiVersion("batch/v1").withKind("Job").withName(name).withUid(created.getMetadata().getUid())
        .withBlockOwnerDeletion(false).withController(false)
        .build();
    secret.getMetadata().setOwnerReferences(List.of(owner));
    client.resource(secret).patch(MERGE, secret);
    if (service != null) {
      service.getMetadata().setOwnerReferences(List.of(owner));
      client.resource(service).patch(MERGE, service);
    }
    log.info("created {} {} of team {} as Job {}/{}", ref.kind().label(), ref.id(), ref.team(), ns, name);
    return ApplyResult.CREATED;
  }

  /** The Secret and Service first, so that the pod finds them; the Job last. Null when the Job exists. */
  private Job createJob(WorkloadRef ref, Secret secret, Service service, Job job) {
    teams.converge(secret, true);
    if (service != null) {
      teams.converge(service, true);
    }
    try {
      return client.resource(job).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        Job other = getJob(job.getMetadata().getNamespace(), job.getMetadata().getName());
        if (other != null && !KubernetesResources.owns(other.getMetadata().getLabels(), ref)) {
          throw nameTaken("Job", ref, job.getMetadata().getNamespace(), job.getMetadata().getName());
        }
        log.info("Job {} was created by a concurrent apply", job.getMetadata().getName());
        return null;
      }
      throw e;
    }
  }

  /** The team's namespace and what every team namespace has ({@link TeamNamespaces}), and its informers. */
  void ensureTeam(String team) {
    teams.ensure(team);
    informers(KubernetesResources.namespace(settings, team));
  }

  private static IllegalStateException nameTaken(String kind, WorkloadRef ref, String ns, String name) {
    return new IllegalStateException("a " + kind + " " + ns + "/" + name + " exists and is not the workload " + ref.id()
        + " of team " + ref.team());
  }

  /**
   * The Secret and Service, then the Pod. When the Pod exists, only a Service that went missing is
   * made again: what a reconciler calls on every pass stays one GET or two. A Pod still terminating
   * after a stop is waited for (it ends within its grace period): its name is taken until it is gone.
   * A Pod that has ended for good (its deadline, an eviction: phase Failed, which the kubelet never
   * restarts) is replaced, or a start after such an end would find it and do nothing.
   */
  private ApplyResult applyNotebook(WorkloadSpec spec) {
    WorkloadRef ref = spec.ref();
    ensureTeam(ref.team());
    String ns = namespace(ref);
    String name = KubernetesResources.name(ref);
    Service service = ServiceManifest.service(settings, spec);
    Pod existing = awaitNotTerminating(ref, getPod(ns, name));
    if (existing != null && !KubernetesResources.owns(existing.getMetadata().getLabels(), ref)) {
      throw nameTaken("Pod", ref, ns, name);
    }
    if (existing != null && existing.getStatus() != null
        && List.of("Failed", "Succeeded").contains(existing.getStatus().getPhase())) {
      log.info("notebook {} of team {} starts again: its pod {}/{} ended ({})", ref.id(), ref.team(), ns, name,
          existing.getStatus().getReason());
      client.pods().inNamespace(ns).withName(name).delete();
      existing = awaitNotTerminating(ref, getPod(ns, name));
    }
    if (existing != null) {
      if (service != null && client.services().inNamespace(ns).withName(name).get() == null) {
        teams.converge(service, true);
      }
      return ApplyResult.UNCHANGED;
    }
    Secret secret = SecretManifest.secret(settings, spec);
    Pod pod = NotebookManifest.pod(settings, spec);
    Pod created;
    try {
      created = createNotebook(ref, secret, service, pod);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      teams.forget(ref.team());
      ensureTeam(ref.team());
      created = createNotebook(ref, secret, service, pod);
    }
    if (created == null) {
      return ApplyResult.UNCHANGED;
    }
    log.info("created notebook {} of team {} as Pod {}/{}", ref.id(), ref.team(), ns, name);
    return ApplyResult.CREATED;
  }

  /** As {@link #createJob}: null when the Pod exists. */
  private Pod createNotebook(WorkloadRef ref, Secret secret, Service service, Pod pod) {
    teams.converge(secret, true);
    if (service != null) {
      teams.converge(service, true);
    }
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    try {
      return client.resource(pod).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        Pod other = getPod(ns, name);
        if (other != null && !KubernetesResources.owns(other.getMetadata().getLabels(), ref)) {
          throw nameTaken("Pod", ref, ns, name);
        }
        log.info("Pod {} was created by a concurrent apply, or is still terminating", name);
        return null;
      }
      throw e;
    }
  }

  /**
   * The pod, or null once a terminating one is gone; waits at most until its deletion deadline (the
   * grace period the stop gave it) and a little more, then refuses rather than report a start that
   * did not happen.
   */
  private Pod awaitNotTerminating(WorkloadRef ref, Pod pod) {
    if (pod == null || pod.getMetadata().getDeletionTimestamp() == null) {
      return pod;
    }
    // deletionTimestamp is when the grace period ends; a pod long past it (its node is gone) is not waited for
    Instant deadline = JobStatusMapper.time(pod.getMetadata().getDeletionTimestamp());
    Instant until = deadline == null ? Instant.now().plus(TERMINATING_WAIT_EXTRA)
        : min(deadline.plus(TERMINATING_WAIT_EXTRA), Instant.now().plus(TERMINATING_WAIT_MAX));
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    log.info("notebook {} of team {} waits for its stopped pod {}/{} to go", ref.id(), ref.team(), ns, name);
    while (pod != null && pod.getMetadata().getDeletionTimestamp() != null) {
      if (Instant.now().isAfter(until)) {
        throw new IllegalStateException("the notebook's previous pod " + ns + "/" + name
            + " is still terminating; apply again once it is gone");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for pod " + ns + "/" + name + " to go", e);
      }
      pod = getPod(ns, name);
    }
    return pod;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  // ---------------------------------------------------------------- observe

  @Override
  public WorkloadStatus observe(WorkloadRef ref) {
    if (ref.kind() == WorkloadRef.Kind.NOTEBOOK) {
      return NotebookStatusMapper.status(notebookPod(ref));
    }
    Job job = job(ref);
    if (job == null) {
      return WorkloadStatus.notFound();
    }
    return JobStatusMapper.status(job, pods(ref), settings.kueue().enabled());
  }

  /** This workload's Job, from the cache or else the API; null when there is none, or it is not this workload's. */
  Job job(WorkloadRef ref) {
    String ns = namespace(ref);
    String name = KubernetesResources.name(ref);
    Job job = informers(ns).jobs().getStore().getByKey(ns + "/" + name);
    if (job == null) {
      job = getJob(ns, name);
    }
    return job != null && KubernetesResources.owns(job.getMetadata().getLabels(), ref) ? job : null;
  }

  private Job getJob(String ns, String name) {
    return client.batch().v1().jobs().inNamespace(ns).withName(name).get();
  }

  /** This notebook's Pod, from the cache or else the API; null when there is none, or it is not this notebook's. */
  Pod notebookPod(WorkloadRef ref) {
    String ns = namespace(ref);
    String name = KubernetesResources.name(ref);
    Pod pod = informers(ns).pods().getStore().getByKey(ns + "/" + name);
    if (pod == null) {
      pod = getPod(ns, name);
    }
    return pod != null && KubernetesResources.owns(pod.getMetadata().getLabels(), ref) ? pod : null;
  }

  private Pod getPod(String ns, String name) {
    return client.pods().inNamespace(ns).withName(name).get();
  }

  private List<Pod> pods(WorkloadRef ref) {
    String ns = namespace(ref);
    List<Pod> pods = informers(ns).pods().getIndexer().byIndex(BY_ID, ref.id());
    if (pods.isEmpty()) {
      pods = client.pods().inNamespace(ns).withLabels(KubernetesResources.identity(ref)).list().getItems();
    }
    return pods.stream().filter(p -> KubernetesResources.owns(p.getMetadata().getLabels(), ref)).toList();
  }

  private Informers informers(String ns) {
    if (closed) {
      throw new IllegalStateException("the kubernetes runtime is closed");
    }
    return informers.computeIfAbsent(ns, n -> {
      long resync = settings.resync().toMillis();
      SharedIndexInformer<Job> jobs = client.batch().v1().jobs().inNamespace(n)
          .withLabel(KubernetesResources.LABEL_MANAGED_BY, KubernetesResources.MANAGED_BY)
          .runnableInformer(resync);
      SharedIndexInformer<Pod> pods = client.pods().inNamespace(n)
          .withLabel(KubernetesResources.LABEL_MANAGED_BY, KubernetesResources.MANAGED_BY)
          .runnableInformer(resync);
      pods.addIndexers(Map.of(BY_ID, pod -> {
        Map<String, String> labels = pod.getMetadata().getLabels();
        String id = labels == null ? null : labels.get(KubernetesResources.LABEL_ID);
        return id == null ? List.of() : List.of(id);
      }));
      // Not waited for: until they have synced, lookups fall back to the API.
      jobs.start();
      pods.start();
      return new Informers(jobs, pods);
    });
  }

  // ---------------------------------------------------------------- logs

  @Override
  public LogStream logs(WorkloadRef ref, String since) {
    StampedPosition after = StampedPosition.parse(since);
    String ns = namespace(ref);
    return KubernetesLogStream.follow(new KubernetesLogStream.Source() {
      @Override
      public KubernetesLogStream.Opened open(Instant sinceTime) {
        Phase phase = observe(ref).phase();
        if (phase == Phase.PENDING || phase == Phase.NOT_FOUND) {
          return null; // the main container has not started: there is no log to ask for yet
        }
        Pod pod = ref.kind() == WorkloadRef.Kind.NOTEBOOK ? notebookPod(ref)
            : JobStatusMapper.newest(job(ref) == null ? List.of() : pods(ref));
        if (pod == null) {
          return null;
        }
        var container = client.pods().inNamespace(ns).withName(pod.getMetadata().getName())
            .inContainer(KubernetesResources.MAIN_CONTAINER);
        Loggable loggable = sinceTime == null ? container.usingTimestamps()
            : container.usingTimestamps().sinceTime(sinceTime.truncatedTo(ChronoUnit.SECONDS).toString());
        LogWatch watch = loggable.watchLog();
        return new KubernetesLogStream.Opened(watch.getOutput(), watch);
      }

      @Override
      public boolean mayWriteMore() {
        Phase phase = observe(ref).phase();
        return phase == Phase.PENDING || phase == Phase.RUNNING;
      }
    }, after, ns + "/" + KubernetesResources.name(ref));
  }

  // ---------------------------------------------------------------- stop, delete

  @Override
  public void stop(WorkloadRef ref, Duration grace) {
    if (ref.kind() == WorkloadRef.Kind.NOTEBOOK) {
      stopNotebook(ref, grace);
      return;
    }
    Job job = job(ref);
    if (job == null || observe(ref).phase().finished()) {
      return;
    }
    String ns = namespace(ref);
    String name = KubernetesResources.name(ref);
    boolean neverStarted = job.getStatus() == null || job.getStatus().getStartTime() == null;
    String patch = neverStarted
        ? "{\"metadata\":{\"annotations\":{\"%s\":\"%s\"}},\"spec\":{\"activeDeadlineSeconds\":1}}"
        : "{\"metadata\":{\"annotations\":{\"%s\":\"%s\"}}}";
    client.batch().v1().jobs().inNamespace(ns).withName(name)
        .patch(MERGE, patch.formatted(KubernetesResources.ANNOTATION_STOP_REQUESTED, Instant.now()));
    long seconds = Math.max(0, (grace.toMillis() + 999) / 1000);
    for (Pod pod : pods(ref)) {
      client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).withGracePeriod(seconds).delete();
    }
    log.info("stopping {} {} of team {} (grace {} s)", ref.kind().label(), ref.id(), ref.team(), seconds);
  }

  /**
   * Marks the notebook's Pod as stopped, then deletes it with the grace period: Jupyter gets SIGTERM
   * and saves what it can, and the kubelet does not restart a pod that is being deleted. At least one
   * second: a grace period of 0 is a force delete, which frees the name before the container has
   * ended, and a start right after it would run two servers on the same files.
   */
  private void stopNotebook(WorkloadRef ref, Duration grace) {
    Pod pod = notebookPod(ref);
    if (pod == null) {
      return;
    }
    String ns = namespace(ref);
    String name = KubernetesResources.name(ref);
    long seconds = Math.max(1, (grace.toMillis() + 999) / 1000);
    try {
      client.pods().inNamespace(ns).withName(name).patch(MERGE, "{\"metadata\":{\"annotations\":{\"%s\":\"%s\"}}}"
          .formatted(KubernetesResources.ANNOTATION_STOP_REQUESTED, Instant.now()));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return; // gone meanwhile
      }
      throw e;
    }
    client.pods().inNamespace(ns).withName(name).withGracePeriod(seconds).delete();
    log.info("stopping notebook {} of team {} (grace {} s)", ref.id(), ref.team(), seconds);
  }

  /**
   * The Job (its pod with it, in the background) or the notebook's Pod (stopped as by {@link #stop}),
   * its Service and its Secret; only objects labelled for this ref.
   */
  @Override
  public void delete(WorkloadRef ref) {
    String ns = namespace(ref);
    String name = KubernetesResources.name(ref);
    if (ref.kind() == WorkloadRef.Kind.NOTEBOOK) {
      stopNotebook(ref, WorkloadSpec.DEFAULT_STOP_GRACE);
    } else {
      Job job = getJob(ns, name);
      if (job != null && KubernetesResources.owns(job.getMetadata().getLabels(), ref)) {
        client.batch().v1().jobs().inNamespace(ns).withName(name)
            .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
      }
    }
    Service service = client.services().inNamespace(ns).withName(name).get();
    if (service != null && KubernetesResources.owns(service.getMetadata().getLabels(), ref)) {
      client.services().inNamespace(ns).withName(name).delete();
    }
    Secret secret = client.secrets().inNamespace(ns).withName(name).get();
    if (secret != null && KubernetesResources.owns(secret.getMetadata().getLabels(), ref)) {
      client.secrets().inNamespace(ns).withName(name).delete();
    }
  }

  /** The agent sidecar uploads artifacts to S3 itself and job-service lists them: nothing to collect here. */
  @Override
  public List<ArtifactFile> artifacts(WorkloadRef ref) {
    return List.of();
  }

  /**
   * The Jobs and notebook Pods of every Incline team namespace: namespaces labelled as Incline's with
   * the prefix, and in each, Jobs and notebook Pods whose team label is the namespace's team. A
   * stopped notebook has no Pod, so it is not listed (its Service and Secret wait for a start or a
   * delete).
   */
  @Override
  public List<WorkloadRef> list() {
    Set<WorkloadRef> refs = new LinkedHashSet<>();
    for (Map.Entry<String, String> namespace : teams.list().entrySet()) {
      String ns = namespace.getKey();
      String team = namespace.getValue();
      informers(ns);
      List<Job> jobs = client.batch().v1().jobs().inNamespace(ns)
          .withLabel(KubernetesResources.LABEL_MANAGED_BY, KubernetesResources.MANAGED_BY).list().getItems();
      for (Job job : jobs) {
        adopt(refs, team, "Job", job.getMetadata());
      }
      // A Job's pods carry the kind "job": only notebook Pods are workloads of their own.
      List<Pod> notebooks = client.pods().inNamespace(ns)
          .withLabel(KubernetesResources.LABEL_MANAGED_BY, KubernetesResources.MANAGED_BY)
          .withLabel(KubernetesResources.LABEL_KIND, WorkloadRef.Kind.NOTEBOOK.label()).list().getItems();
      for (Pod pod : notebooks) {
        adopt(refs, team, "Pod", pod.getMetadata());
      }
    }
    return new ArrayList<>(refs);
  }

  private static void adopt(Set<WorkloadRef> refs, String team, String kind, ObjectMeta metadata) {
    Map<String, String> labels = metadata.getLabels();
    try {
      WorkloadRef ref = new WorkloadRef(labels.get(KubernetesResources.LABEL_TEAM),
          WorkloadRef.Kind.fromLabel(labels.get(KubernetesResources.LABEL_KIND)),
          labels.get(KubernetesResources.LABEL_ID));
      if (ref.team().equals(team)) {
        refs.add(ref);
      }
    } catch (RuntimeException e) {
      log.warn("ignoring {} {}/{} with malformed Incline labels {}", kind, metadata.getNamespace(), metadata.getName(),
          labels);
    }
  }

  @Override
  public void close() {
    closed = true;
    informers.values().forEach(Informers::stop);
    informers.clear();
    client.close();
  }
}
