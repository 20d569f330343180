package dev.incline.jobs.job;

import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.WorkloadSpec;
import dev.incline.jobs.storage.JobStorage;
import dev.incline.platform.error.ApiException;
import dev.incline.platform.id.PublicId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.incline.compute.WorkloadStatus;
import dev.incline.jobs.artifacts.ArtifactService;
import dev.incline.jobs.config.JobsProperties;
import dev.incline.jobs.events.WorkloadEvents;
import dev.incline.jobs.logs.LogFollowers;
import dev.incline.jobs.logs.LogStore;
import dev.incline.jobs.logs.Topics;
import dev.incline.jobs.machine.MachineType;
import dev.incline.jobs.machine.MachineTypeCatalog;
import dev.incline.jobs.stream.EventBus;
import dev.incline.jobs.workspace.WorkspaceService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Level-triggered: on every pass, each active job is compared with what the runtime observes and
 * moved one step towards it. Nothing depends on having seen an earlier event, so a restarted
 * service picks every running workload up again from the records and the runtime alone. One worker
 * per job at a time; a lease in the job row keeps other replicas off the jobs this one owns.
 */
@Component
public class JobReconciler implements SmartLifecycle {

  public static final String STARTED_METRIC = "incline.jobs.started";
  public static final String FINISHED_METRIC = "incline.jobs.finished";
  private static final Logger log = LoggerFactory.getLogger(JobReconciler.class);

  private final JobRepository jobs;
  private final WorkloadRuntime runtime;
  private final MachineTypeCatalog catalog;
  private final WorkspaceService workspaces;
  private final LogFollowers followers;
  private final LogStore logs;
  private final ArtifactService artifacts;
  private final WorkloadEvents events;
  private final EventBus bus;
  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final JobsProperties properties;
  private final JobService service;
  private final JsonMapper json;
  private final Clock clock;
  private final MeterRegistry registry;
  private final JobSecrets secrets;
  private final JobStorage storage;

  private final Set<UUID> inFlight = ConcurrentHashMap.newKeySet();
  private final Set<String> stopSent = ConcurrentHashMap.newKeySet();
  private volatile Thread loop;
  private volatile boolean running;

  JobReconciler(JobRepository jobs, WorkloadRuntime runtime, MachineTypeCatalog catalog, WorkspaceService workspaces,
      LogFollowers followers, LogStore logs, ArtifactService artifacts, WorkloadEvents events, EventBus bus,
      JdbcClient jdbc, TransactionTemplate tx, JobsProperties properties, JobService service, JsonMapper json,
      Clock clock, MeterRegistry registry, JobSecrets secrets, JobStorage storage) {
    this.jobs = jobs;
    this.runtime = runtime;
    this.catalog = catalog;
    this.workspaces = workspaces;
    this.followers = followers;
    this.logs = logs;
    this.artifacts = artifacts;
    this.events = events;
    this.bus = bus;
    this.jdbc = jdbc;
    this.tx = tx;
    this.properties = properties;
    this.service = service;
    this.json = json;
    this.clock = clock;
    this.registry = registry;
    this.secrets = secrets;
    this.storage = storage;
  }

  @Override
  public void start() {
    running = true;
    loop = Thread.ofPlatform().daemon().name("job-reconciler").start(this::loop);
  }

  @Override
  public void stop() {
    running = false;
    if (loop != null) {
      loop.interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  private void loop() {
    while (running) {
      try {
        pass();
        Thread.sleep(properties.reconcileInterval().toMillis());
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("reconcile pass failed; retrying", e);
        try {
          Thread.sleep(properties.reconcileInterval().toMillis() * 4);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** One pass over every active job; each job on its own virtual thread, one at a time per job. */
  public void pass() {
    for (UUID id : jobs.findIdsByStatusIn(JobStatus.ACTIVE)) {
      if (inFlight.add(id)) {
        Thread.ofVirtual().name("reconcile-" + id).start(() -> {
          try {
            reconcile(id);
          } catch (RuntimeException e) {
            log.warn("reconciling job {} failed; retrying on the next pass", JobService.publicId(id), e);
          } finally {
            inFlight.remove(id);
          }
        });
      }
    }
  }

  private boolean claim(UUID id) {
    return jdbc.sql("""
            UPDATE job SET lease_owner = ?, lease_until = now() + make_interval(secs => ?)
            WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < now())""")
        .params(properties.replicaId(), properties.leaseDuration().toSeconds(), id, properties.replicaId())
        .update() == 1;
  }

  void reconcile(UUID id) {
    if (!running || !claim(id)) {
      return;
    }
    Job job = jobs.findById(id).orElse(null);
    if (job == null || job.getStatus().terminal()) {
      return;
    }
    WorkloadRef ref = JobSpecs.ref(job);
    if (job.getStatus() == JobStatus.PENDING) {
      start(job, ref);
      return;
    }
    WorkloadStatus observed = runtime.observe(ref);
    if (!observed.phase().finished() && observed.phase() != Phase.NOT_FOUND) {
      enforceStopAndDeadline(job, ref, observed);
    }
    switch (observed.phase()) {
      case PENDING -> update(id, j -> transition(j, JobStatus.PROVISIONING, observed.reason()));
      case RUNNING -> {
        followers.ensure(id, ref);
        update(id, j -> {
          j.started(observed.startedAt());
          j.endpoints(endpoints(observed));
          transition(j, JobStatus.RUNNING, null);
        });
      }
      case SUCCEEDED, FAILED -> finish(job, ref, observed);
      case NOT_FOUND -> update(id, j -> {
        transition(j, JobStatus.FAILED, "the workload disappeared from the " + runtime.name() + " runtime");
      });
    }
  }

  private void start(Job job, WorkloadRef ref) {
    if (job.isStopRequested()) {
      return; // stop() already moved it to Stopped
    }
    MachineType machine = catalog.find(job.getMachineType()).orElse(null);
    if (machine == null) {
      update(job.getId(), j -> transition(j, JobStatus.FAILED, "machine type " + job.getMachineType() + " was removed from the catalog"));
      return;
    }
    WorkloadSpec.Workspace workspace = null;
    if (job.getWorkspaceUploadId() != null) {
      var upload = workspaces.find(job.getTeamId(), dev.incline.platform.id.PublicId.encode("upl", job.getWorkspaceUploadId()));
      if (upload.isEmpty()) {
        update(job.getId(), j -> transition(j, JobStatus.FAILED, "its workspace upload no longer exists"));
        return;
      }
      workspace = new WorkloadSpec.Workspace.Archive(URI.create(workspaces.downloadLink(upload.get()).toString()),
          upload.get().getFileName());
    } else if (job.getGitUrl() != null) {
      workspace = new WorkloadSpec.Workspace.Git(job.getGitUrl(), job.getGitRef());
    }
    // Secrets and datasets before Provisioning: while storage-service is unreachable the job stays
    // Pending (nothing applied yet) and the next pass tries again.
    Map<String, String> secretEnv = new LinkedHashMap<>(secrets.secretEnv(job));
    List<WorkloadSpec.DatasetMount> mounts;
    try {
      secretEnv.putAll(storage.secretValues(job.getTeamId(), PublicId.encode("prj", job.getProjectId()), service.secrets(job)));
      mounts = storage.mounts(job.getTeamId(), service.inputs(job));
    } catch (ApiException e) {
      if (e.status().value() == 503) {
        log.info("job {} waits for storage-service: {}", ref.id(), e.getMessage());
        return; // next pass tries again
      }
      update(job.getId(), j -> transition(j, JobStatus.FAILED, "could not prepare its secrets and datasets: " + e.getMessage()));
      return;
    } catch (RuntimeException e) {
      log.info("job {} could not prepare its inputs", ref.id(), e);
      update(job.getId(), j -> transition(j, JobStatus.FAILED, "could not prepare its datasets: " + describe(e)));
      return;
    }
    WorkloadSpec spec = JobSpecs.workload(job, service.env(job), service.ports(job), machine, workspace, secretEnv)
        .withDatasets(mounts)
        .withOutputs(service.outputs(job).stream().map(o -> new WorkloadSpec.DatasetOutput(o.dataset(), o.from())).toList());
    update(job.getId(), j -> transition(j, JobStatus.PROVISIONING, null));
    try {
      runtime.apply(spec);
      // Follow from the start: waiting for a pass to observe Running delayed a job's first lines
      // by a reconcile interval (docs/performance.md, section 2).
      followers.ensure(job.getId(), ref);
      Counter.builder(STARTED_METRIC).tag("runtime", runtime.name()).register(registry).increment();
    } catch (RuntimeException e) {
      log.info("job {} could not start", ref.id(), e);
      update(job.getId(), j -> transition(j, JobStatus.FAILED, "could not start: " + describe(e)));
    }
  }

  private void enforceStopAndDeadline(Job job, WorkloadRef ref, WorkloadStatus observed) {
    Instant started = observed.startedAt() != null ? observed.startedAt() : job.getStartedAt();
    if (!job.isStopRequested() && !job.isDeadlineExceeded() && started != null
        && clock.instant().isAfter(started.plusSeconds(job.getMaxRuntimeSeconds()))) {
      update(job.getId(), Job::deadlineExceeded);
      job.deadlineExceeded();
    }
    if ((job.isStopRequested() || job.isDeadlineExceeded()) && stopSent.add(ref.id())) {
      runtime.stop(ref, properties.stopGrace());
    }
  }

  private void finish(Job job, WorkloadRef ref, WorkloadStatus observed) {
    followers.ensure(job.getId(), ref);
    if (!logs.state(job.getId()).drained()) {
      return; // the follower is still storing the last lines; next pass
    }
    artifacts.collect(job, ref);
    String outputFailure = null;
    if (observed.phase() == Phase.SUCCEEDED && !job.isStopRequested() && !job.isDeadlineExceeded()) {
      List<JobData.Output> outputs = service.outputs(job);
      if (outputs.stream().anyMatch(o -> o.version() == null)) {
        try {
          List<JobData.Output> done = storage.produceOutputs(job.getTeamId(), PublicId.encode("prj", job.getProjectId()),
              JobService.publicId(job.getId()), ref, outputs);
          String doneJson = service.outputsJson(done);
          update(job.getId(), j -> j.outputs(doneJson));
        } catch (JobStorage.OutputFailure e) {
          outputFailure = e.getMessage();
        } catch (RuntimeException e) {
          log.info("job {} succeeded; its outputs wait for storage-service: {}", ref.id(), describe(e));
          return; // next pass tries again; the workload and its workspace stay until then
        }
      }
    }
    stopSent.remove(ref.id());
    boolean retry = observed.phase() == Phase.FAILED && !job.isStopRequested() && !job.isDeadlineExceeded()
        && job.getAttempt() < job.getRetries();
    if (retry) {
      tx.executeWithoutResult(s -> {
        Job j = jobs.findById(job.getId()).orElseThrow();
        j.retry(clock.instant());
        logs.resetPosition(j.getId());
        record(j);
      });
      return;
    }
    JobStatus status;
    String reason;
    if (job.isStopRequested()) {
      status = JobStatus.STOPPED;
      reason = "stopped on request";
    } else if (job.isDeadlineExceeded()) {
      status = JobStatus.FAILED;
      reason = "exceeded maxRuntimeSeconds (" + job.getMaxRuntimeSeconds() + " s)";
    } else if (outputFailure != null) {
      status = JobStatus.FAILED;
      reason = outputFailure;
    } else {
      status = observed.phase() == Phase.SUCCEEDED ? JobStatus.SUCCEEDED : JobStatus.FAILED;
      reason = observed.reason();
    }
    update(job.getId(), j -> {
      j.started(observed.startedAt());
      j.finished(observed.exitCode());
      transition(j, status, reason);
      TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
        @Override
        public void afterCommit() {
          bus.publish(Topics.logs(j.getId()), EventBus.END);
          bus.publish(Topics.metrics(j.getId()), EventBus.END);
        }
      });
    });
    Counter.builder(FINISHED_METRIC).tag("status", status.wire()).register(registry).increment();
  }

  private void update(UUID id, Consumer<Job> change) {
    tx.executeWithoutResult(s -> {
      Job j = jobs.findById(id).orElseThrow();
      if (!j.getStatus().terminal()) {
        change.accept(j);
      }
    });
  }

  private void transition(Job j, JobStatus status, String reason) {
    if (j.transition(status, reason, clock.instant())) {
      record(j);
    }
  }

  private void record(Job j) {
    events.record(j.getTeamId(), "job", j.getId(), JobService.publicId(j.getId()), j.getStatus().wire(), j.getReason(),
        j.getExitCode(), clock.instant());
  }

  private String endpoints(WorkloadStatus observed) {
    Map<String, String> out = new TreeMap<>();
    observed.endpoints().forEach((port, uri) -> out.put(Integer.toString(port), uri.toString()));
    return json.writeValueAsString(out);
  }

  private static String describe(RuntimeException e) {
    Throwable t = e;
    while (t.getCause() != null && t.getMessage() == null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

}
