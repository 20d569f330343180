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
 */
public final class KubernetesRuntime implements WorkloadRuntime, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KubernetesRuntime.class);
  private static final String BY_ID = "incline-id";
  private static final PatchContext MERGE = TeamNamespaces.MERGE;

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
    ensureTeam(ref.team());
    String ns = namespace(ref);
    String name = KubernetesResources.name(ref);
    Job existing = getJob(ns, name);
    if (existing != null) {
      if (!KubernetesResources.owns(existing.getMetadata().getLabels(), ref)) {
        throw nameTaken(ref, ns, name);
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
          throw nameTaken(ref, job.getMetadata().getNamespace(), job.getMetadata().getName());
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

  private static IllegalStateException nameTaken(WorkloadRef ref, String ns, String name) {
    return new IllegalStateException("a Job " + ns + "/" + name + " exists and is not the workload " + ref.id()
        + " of team " + ref.team());
  }

  // ---------------------------------------------------------------- observe

  @Override
  public WorkloadStatus observe(WorkloadRef ref) {
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
        Pod pod = JobStatusMapper.newest(job(ref) == null ? List.of() : pods(ref));
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

  /** The Job (its pod with it, in the background), its Service and its Secret; only objects labelled for this ref. */
  @Override
  public void delete(WorkloadRef ref) {
    String ns = namespace(ref);
    String name = KubernetesResources.name(ref);
    Job job = getJob(ns, name);
    if (job != null && KubernetesResources.owns(job.getMetadata().getLabels(), ref)) {
      client.batch().v1().jobs().inNamespace(ns).withName(name)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
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
   * The Jobs of every Incline team namespace: namespaces labelled as Incline's with the prefix, and in
   * each, Jobs whose team label is the namespace's team.
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
        Map<String, String> labels = job.getMetadata().getLabels();
        try {
          WorkloadRef ref = new WorkloadRef(labels.get(KubernetesResources.LABEL_TEAM),
              WorkloadRef.Kind.fromLabel(labels.get(KubernetesResources.LABEL_KIND)),
              labels.get(KubernetesResources.LABEL_ID));
          if (ref.team().equals(team)) {
            refs.add(ref);
          }
        } catch (RuntimeException e) {
          log.warn("ignoring Job {}/{} with malformed Incline labels {}", ns, job.getMetadata().getName(), labels);
        }
      }
    }
    return new ArrayList<>(refs);
  }

  @Override
  public void close() {
    closed = true;
    informers.values().forEach(Informers::stop);
    informers.clear();
    client.close();
  }
}
