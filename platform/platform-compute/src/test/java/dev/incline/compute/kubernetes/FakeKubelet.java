package dev.incline.compute.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the kubelet, the scheduler and the Job controller on fabric8's mock API server (CRUD mode):
 * creates a Job's pod, moves it (or a notebook's pod) through its phases, sets the Job's conditions,
 * and serves the main container's log with {@code timestamps}/{@code sinceTime} as the API server does. The CRUD mode
 * has no log endpoint, so log requests are answered by a dispatcher in front of it.
 */
public final class FakeKubelet implements AutoCloseable {

  /** Kept referenced: java.util.logging holds loggers weakly, and a collected one forgets its level. */
  private static final java.util.logging.Logger MOCK_LOG = quiet(java.util.logging.Logger.getLogger("io.fabric8.mockwebserver"));
  private static final Pattern LOG_PATH = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log(\\?.*)?");

  private final KubernetesMockServer server;
  private final KubernetesClient admin;
  /** Lines per pod ({@code ns/name}), each with the time the "kubelet" saw it. */
  private final Map<String, List<Line>> logs = new ConcurrentHashMap<>();
  /** Every log request's query, for assertions on sinceTime. */
  public final List<Map<String, String>> logRequests = new CopyOnWriteArrayList<>();
  private final AtomicInteger podCounter = new AtomicInteger();
  private volatile Thread autopilot;

  record Line(Instant time, String text) {}

  /** The mock server logs every request at INFO; the tests' output should show what went wrong instead. */
  private static java.util.logging.Logger quiet(java.util.logging.Logger logger) {
    logger.setLevel(java.util.logging.Level.WARNING);
    return logger;
  }

  private FakeKubelet() {
    Map<io.fabric8.mockwebserver.ServerRequest, java.util.Queue<io.fabric8.mockwebserver.ServerResponse>> responses =
        new HashMap<>();
    KubernetesMixedDispatcher crud = new KubernetesMixedDispatcher(responses) {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        Matcher m = LOG_PATH.matcher(request.getPath());
        if ("GET".equals(request.getMethod()) && m.matches()) {
          return serveLog(m.group(1), m.group(2), m.group(3));
        }
        return super.dispatch(request);
      }
    };
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, crud, false);
    server.init();
    admin = server.createClient();
  }

  public static FakeKubelet start() {
    return new FakeKubelet();
  }

  /** A new client of the mock API server (each runtime owns and closes its own). */
  public KubernetesClient newClient() {
    return server.createClient();
  }

  /** The API server's address, for clients built from properties. */
  public String url() {
    return "http://" + server.getHostName() + ":" + server.getPort();
  }

  /** For expectations that play an API server's refusals ({@code server().expect()...}). */
  public KubernetesMockServer server() {
    return server;
  }

  public KubernetesClient admin() {
    return admin;
  }

  // ------------------------------------------------------------ logs

  private MockResponse serveLog(String ns, String pod, String query) {
    Map<String, String> params = query(query);
    logRequests.add(params);
    // No API calls here: the dispatcher runs on the mock server's event loop, which a call back would block.
    Instant since = params.containsKey("sinceTime") ? Instant.parse(params.get("sinceTime")) : Instant.EPOCH;
    boolean stamps = "true".equals(params.get("timestamps"));
    StringBuilder body = new StringBuilder();
    for (Line line : logs.getOrDefault(ns + "/" + pod, List.of())) {
      if (!line.time().isBefore(since)) {
        body.append(stamps ? line.time() + " " : "").append(line.text()).append('\n');
      }
    }
    // The whole log so far, then the end: the runtime reopens with sinceTime while the container runs.
    return new MockResponse().setResponseCode(200).setBody(body.toString());
  }

  private static Map<String, String> query(String query) {
    Map<String, String> params = new LinkedHashMap<>();
    if (query == null || query.length() < 2) {
      return params;
    }
    for (String pair : query.substring(1).split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.put(k, v);
    }
    return params;
  }

  /** The main container prints these lines now (several may share a second, as on a real node). */
  public void print(Pod pod, String... lines) {
    print(pod, Instant.now().truncatedTo(ChronoUnit.MILLIS), lines);
  }

  public void print(Pod pod, Instant time, String... lines) {
    List<Line> log = logs.computeIfAbsent(key(pod), k -> new CopyOnWriteArrayList<>());
    for (String line : lines) {
      log.add(new Line(time, line));
    }
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  // ------------------------------------------------------------ the Job controller and the kubelet

  public Job job(String ns, String name) {
    return admin.batch().v1().jobs().inNamespace(ns).withName(name).get();
  }

  /** What the Job controller does for a Job that is not suspended: one pod from its template, Pending. */
  public Pod createPod(String ns, String jobName) {
    Job job = job(ns, jobName);
    Map<String, String> labels = new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
    labels.put("batch.kubernetes.io/job-name", jobName);
    Pod pod = new PodBuilder()
        .withNewMetadata()
          .withName(jobName + "-" + "abcde".substring(0, 1) + podCounter.incrementAndGet())
          .withNamespace(ns)
          .withLabels(labels)
          .withCreationTimestamp(Instant.now().toString())
        .endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec())
        .withNewStatus().withPhase("Pending").endStatus()
        .build();
    pod = admin.resource(pod).create();
    updateJobStatus(ns, jobName, b -> b.editOrNewStatus().withStartTime(Instant.now().toString()).withActive(1)
        .endStatus());
    return pod;
  }

  public Pod pod(Pod pod) {
    return admin.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).get();
  }

  /** The scheduler found no node: PodScheduled=False with its message. */
  public Pod unschedulable(Pod pod, String message) {
    return updatePod(pod, b -> b.editOrNewStatus().withPhase("Pending").withConditions(new PodConditionBuilder()
        .withType("PodScheduled").withStatus("False").withReason("Unschedulable").withMessage(message).build())
        .endStatus());
  }

  public Pod imagePullBackOff(Pod pod, String message) {
    String image = pod.getSpec().getContainers().getFirst().getImage();
    return updatePod(pod, b -> b.editOrNewStatus().withPhase("Pending").withConditions().withContainerStatuses(
        new ContainerStatusBuilder().withName(KubernetesResources.MAIN_CONTAINER).withImage(image)
            .withState(new ContainerStateBuilder().withNewWaiting().withReason("ImagePullBackOff").withMessage(message)
                .endWaiting().build())
            .build())
        .endStatus());
  }

  public Pod running(Pod pod) {
    return updatePod(pod, b -> b.editOrNewStatus().withPhase("Running").withConditions().withContainerStatuses(
        main(pod, new ContainerStateBuilder().withNewRunning().withStartedAt(Instant.now().toString()).endRunning()
            .build()))
        .endStatus());
  }

  /**
   * A container of a pod that restarts Always ended and waits to be started again: the pod stays
   * Running, the container waits in CrashLoopBackOff with its last end as {@code lastState}.
   */
  public Pod crashLoopBackOff(Pod pod, int exitCode, String reason, int restarts) {
    return updatePod(pod, b -> b.editOrNewStatus().withPhase("Running").withContainerStatuses(
        new ContainerStatusBuilder().withName(KubernetesResources.MAIN_CONTAINER)
            .withImage(pod.getSpec().getContainers().getFirst().getImage())
            .withRestartCount(restarts)
            .withState(new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff")
                .withMessage("back-off 10s restarting failed container").endWaiting().build())
            .withLastState(new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode).withReason(reason)
                .withStartedAt(Instant.now().minusSeconds(5).toString()).withFinishedAt(Instant.now().toString())
                .endTerminated().build())
            .build())
        .endStatus());
  }

  /** The kubelet failed the pod as a whole (activeDeadlineSeconds: "DeadlineExceeded"; "Evicted"), with its containers. */
  public Pod podFailed(Pod pod, String reason, String message) {
    return updatePod(pod, b -> b.editOrNewStatus().withPhase("Failed").withReason(reason).withMessage(message)
        .withContainerStatuses(main(pod, new ContainerStateBuilder().withNewTerminated().withExitCode(143)
            .withReason("Error").withFinishedAt(Instant.now().toString()).endTerminated().build()))
        .endStatus());
  }

  /** The main container ends: its terminated state, the pod's phase, and the Job's condition. */
  public Pod terminate(Pod pod, int exitCode, String reason) {
    Pod current = pod(pod);
    String started = Instant.now().toString();
    ContainerStatus before = current.getStatus() == null || current.getStatus().getContainerStatuses() == null
        ? null : current.getStatus().getContainerStatuses().stream().findFirst().orElse(null);
    if (before != null && before.getState().getRunning() != null) {
      started = before.getState().getRunning().getStartedAt();
    }
    String startedAt = started;
    Pod updated = updatePod(current, b -> b.editOrNewStatus().withPhase(exitCode == 0 ? "Succeeded" : "Failed")
        .withContainerStatuses(main(pod, new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode)
            .withReason(reason).withStartedAt(startedAt).withFinishedAt(Instant.now().toString()).endTerminated()
            .build()))
        .endStatus());
    String ns = pod.getMetadata().getNamespace();
    String jobName = pod.getMetadata().getLabels().get("batch.kubernetes.io/job-name");
    updateJobStatus(ns, jobName, b -> b.editOrNewStatus().withActive(0)
        .withSucceeded(exitCode == 0 ? 1 : 0).withFailed(exitCode == 0 ? 0 : 1)
        .withCompletionTime(exitCode == 0 ? Instant.now().toString() : null)
        .withConditions(new JobConditionBuilder().withType(exitCode == 0 ? "Complete" : "Failed").withStatus("True")
            .withReason(exitCode == 0 ? null : "BackoffLimitExceeded")
            .withMessage(exitCode == 0 ? null : "Job has reached the specified backoff limit")
            .withLastTransitionTime(Instant.now().toString()).build())
        .endStatus());
    return updated;
  }

  /** activeDeadlineSeconds passed: the Job controller fails the Job and deletes its pods. */
  public void deadlineExceeded(String ns, String jobName) {
    admin.pods().inNamespace(ns).withLabel("batch.kubernetes.io/job-name", jobName).delete();
    updateJobStatus(ns, jobName, b -> b.editOrNewStatus().withActive(0).withFailed(1)
        .withConditions(new JobConditionBuilder().withType("Failed").withStatus("True").withReason("DeadlineExceeded")
            .withMessage("Job was active longer than specified deadline")
            .withLastTransitionTime(Instant.now().toString()).build())
        .endStatus());
  }

  private static ContainerStatus main(Pod pod, io.fabric8.kubernetes.api.model.ContainerState state) {
    return new ContainerStatusBuilder().withName(KubernetesResources.MAIN_CONTAINER)
        .withImage(pod.getSpec().getContainers().getFirst().getImage()).withState(state).build();
  }

  private Pod updatePod(Pod pod, Function<PodBuilder, PodBuilder> change) {
    Pod current = pod(pod);
    Pod updated = change.apply(new PodBuilder(current)).build();
    return admin.resource(updated).updateStatus();
  }

  private void updateJobStatus(String ns, String name, Function<JobBuilder, JobBuilder> change) {
    Job updated = change.apply(new JobBuilder(job(ns, name))).build();
    admin.resource(updated).updateStatus();
  }

  // ------------------------------------------------------------ autopilot

  /**
   * What the autopilot's main container does: prints its lines, then exits with its code, or, when
   * {@code untilStopped}, runs until its pod is deleted (what {@code stop} does).
   */
  public record Script(List<String> lines, int exitCode, boolean untilStopped) {
    public Script(List<String> lines, int exitCode) {
      this(lines, exitCode, false);
    }
  }

  /**
   * Runs every unsuspended Job that has no pod yet, each on its own thread: a pod, Running, the
   * script's lines printed, then terminated with its exit code. For tests that drive the runtime
   * through a service.
   */
  public void autopilot(Function<Job, Script> scripts) {
    autopilot = Thread.ofPlatform().daemon().name("fake-kubelet").start(() -> {
      java.util.Set<String> started = ConcurrentHashMap.newKeySet();
      while (!Thread.currentThread().isInterrupted()) {
        try {
          for (Job job : admin.batch().v1().jobs().inAnyNamespace().list().getItems()) {
            String key = job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
            if (!Boolean.TRUE.equals(job.getSpec().getSuspend()) && started.add(key)) {
              Thread.ofVirtual().name("fake-pod-" + key).start(() -> run(job, scripts.apply(job)));
            }
          }
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          // the API server is going away with the test
        }
      }
    });
  }

  private void run(Job job, Script script) {
    try {
      Pod pod = running(createPod(job.getMetadata().getNamespace(), job.getMetadata().getName()));
      for (String line : script.lines()) {
        print(pod, line);
        Thread.sleep(20);
      }
      if (script.untilStopped()) {
        while (pod(pod) != null) {
          Thread.sleep(50);
        }
        return; // deleted: the Job controller's part (failing the Job) is not needed for the runtime's status
      }
      terminate(pod, script.exitCode(), script.exitCode() == 0 ? "Completed" : "Error");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // deleted meanwhile, or the API server is going away with the test
    }
  }

  public List<Pod> pods(String ns) {
    return new ArrayList<>(admin.pods().inNamespace(ns).list().getItems());
  }

  @Override
  public void close() {
    if (autopilot != null) {
      autopilot.interrupt();
    }
    admin.close();
    server.destroy();
  }
}
