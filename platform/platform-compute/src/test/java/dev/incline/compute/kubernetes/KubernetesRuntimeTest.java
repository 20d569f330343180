package dev.incline.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.incline.compute.LogLine;
import dev.incline.compute.LogStream;
import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime.ApplyResult;
import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.WorkloadStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The runtime against fabric8's mock API server, with {@link FakeKubelet} playing the node. */
class KubernetesRuntimeTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String TEAM_A = "team_aaa";
  private static final String TEAM_B = "team_bbb";

  private FakeKubelet kubelet;
  private KubernetesClient api;
  private KubernetesRuntimeSettings settings;
  private KubernetesRuntime runtime;
  private final List<KubernetesRuntime> runtimes = new ArrayList<>();

  @BeforeEach
  void start() {
    kubelet = FakeKubelet.start();
    api = kubelet.admin();
    settings = KubernetesRuntimeSettings.defaults().withAgentUrl(URI.create("http://incline-job-service.incline.svc:8081"));
    runtime = newRuntime(settings);
  }

  private KubernetesRuntime newRuntime(KubernetesRuntimeSettings s) {
    KubernetesRuntime r = new KubernetesRuntime(kubelet.newClient(), s);
    runtimes.add(r);
    return r;
  }

  @AfterEach
  void stop() {
    runtimes.forEach(KubernetesRuntime::close);
    kubelet.close();
  }

  private static WorkloadRef ref(String team) {
    return new WorkloadRef(team, WorkloadRef.Kind.JOB, "job_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
  }

  private static WorkloadSpec spec(WorkloadRef ref, List<Integer> ports) {
    return new WorkloadSpec(ref, "prj_1", "python:3.11", List.of("/bin/sh", "-c", "python train.py"), Map.of("A", "1"),
        Map.of("TOKEN", "s3cr3t", KubernetesResources.AGENT_TOKEN_ENV, "jwt"),
        new WorkloadSpec.Resources("C5", 4, 8L << 30, 0, null, Map.of()), ports, Map.of(), null, Duration.ofMinutes(5));
  }

  private String ns(WorkloadRef ref) {
    return KubernetesResources.namespace(settings, ref.team());
  }

  private Pod startPod(WorkloadRef ref) {
    return kubelet.createPod(ns(ref), KubernetesResources.name(ref));
  }

  private WorkloadStatus awaitPhase(WorkloadRef ref, Phase phase) {
    await().atMost(WAIT).until(() -> runtime.observe(ref).phase() == phase);
    return runtime.observe(ref);
  }

  private static List<LogLine> readAll(LogStream stream) throws InterruptedException {
    List<LogLine> lines = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!stream.ended() && System.nanoTime() < deadline) {
      LogLine line = stream.next(Duration.ofMillis(100));
      if (line != null) {
        lines.add(line);
      }
    }
    assertThat(stream.ended()).as("log stream ended").isTrue();
    return lines;
  }

  @Test
  void firstApplyMakesTheTeamNamespaceWithQuotaPolicyBindingAndStorage() {
    WorkloadRef ref = ref(TEAM_A);
    assertThat(runtime.apply(spec(ref, List.of()))).isEqualTo(ApplyResult.CREATED);

    String ns = ns(ref);
    assertThat(ns).isEqualTo("incline-team-aaa");
    assertThat(api.namespaces().withName(ns).get().getMetadata().getLabels())
        .containsEntry("incline.dev/team", TEAM_A).containsEntry("app.kubernetes.io/managed-by", "incline");
    assertThat(api.resourceQuotas().inNamespace(ns).withName("incline-quota").get().getSpec().getHard())
        .containsKeys("requests.cpu", "limits.cpu", "requests.memory", "limits.memory", "requests.nvidia.com/gpu");
    assertThat(api.network().v1().networkPolicies().inNamespace(ns).withName("incline-isolation").get()).isNotNull();
    var binding = api.rbac().roleBindings().inNamespace(ns).withName("incline-controller").get();
    assertThat(binding.getRoleRef().getName()).isEqualTo("incline-workloads");
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getName()).isEqualTo("incline-job-service");
      assertThat(s.getNamespace()).isEqualTo("incline");
    });
    assertThat(api.persistentVolumeClaims().inNamespace(ns).withName("incline-storage").get().getSpec().getAccessModes())
        .containsExactly("ReadWriteMany");
    Job job = api.batch().v1().jobs().inNamespace(ns).withName(KubernetesResources.name(ref)).get();
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(300L);
  }

  @Test
  void applyIsIdempotentAndASecondApplyCreatesNothing() {
    WorkloadRef ref = ref(TEAM_A);
    WorkloadSpec spec = spec(ref, List.of(8888));
    assertThat(runtime.apply(spec)).isEqualTo(ApplyResult.CREATED);
    String rv = api.batch().v1().jobs().inNamespace(ns(ref)).withName(KubernetesResources.name(ref)).get()
        .getMetadata().getResourceVersion();
    assertThat(runtime.apply(spec)).isEqualTo(ApplyResult.UNCHANGED);
    // A new process (no memory of the team being ready) converges the team's objects and still creates no Job.
    assertThat(newRuntime(settings).apply(spec)).isEqualTo(ApplyResult.UNCHANGED);
    assertThat(api.batch().v1().jobs().inNamespace(ns(ref)).list().getItems()).hasSize(1);
    assertThat(api.batch().v1().jobs().inNamespace(ns(ref)).withName(KubernetesResources.name(ref)).get()
        .getMetadata().getResourceVersion()).isEqualTo(rv);
    assertThat(api.services().inNamespace(ns(ref)).list().getItems()).hasSize(1);
    assertThat(api.secrets().inNamespace(ns(ref)).list().getItems()).hasSize(1);
    assertThat(api.resourceQuotas().inNamespace(ns(ref)).list().getItems()).hasSize(1);
  }

  @Test
  void secretsAreInTheSecretOwnedByTheJobAndNotInThePodSpec() {
    WorkloadRef ref = ref(TEAM_A);
    runtime.apply(spec(ref, List.of(8888)));
    var secret = api.secrets().inNamespace(ns(ref)).withName(KubernetesResources.name(ref)).get();
    Job job = api.batch().v1().jobs().inNamespace(ns(ref)).withName(KubernetesResources.name(ref)).get();
    assertThat(secret.getStringData()).containsEntry("TOKEN", "s3cr3t").containsEntry("token", "jwt");
    assertThat(secret.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(job.getMetadata().getUid()));
    assertThat(api.services().inNamespace(ns(ref)).withName(KubernetesResources.name(ref)).get()
        .getMetadata().getOwnerReferences()).hasSize(1);
    assertThat(Snapshots.yaml(job)).doesNotContain("s3cr3t");
  }

  @Test
  void jobGoesFromPendingToRunningToSucceededWithEndpoints() {
    WorkloadRef ref = ref(TEAM_A);
    runtime.apply(spec(ref, List.of(8888)));
    assertThat(awaitPhase(ref, Phase.PENDING).reason()).isEqualTo("waiting for the Job's pod");
    Pod pod = startPod(ref);
    assertThat(awaitPhase(ref, Phase.PENDING).reason()).isNotNull();
    kubelet.running(pod);
    WorkloadStatus running = awaitPhase(ref, Phase.RUNNING);
    assertThat(running.startedAt()).isNotNull();
    assertThat(running.endpoints()).containsEntry(8888,
        URI.create("http://" + KubernetesResources.name(ref) + ".incline-team-aaa.svc:8888"));
    kubelet.terminate(pod, 0, "Completed");
    WorkloadStatus done = awaitPhase(ref, Phase.SUCCEEDED);
    assertThat(done.exitCode()).isZero();
    assertThat(done.finishedAt()).isNotNull();
  }

  @Test
  void failureReportsTheExitCode() {
    WorkloadRef ref = ref(TEAM_A);
    runtime.apply(spec(ref, List.of()));
    Pod pod = kubelet.running(startPod(ref));
    kubelet.terminate(pod, 3, "Error");
    WorkloadStatus failed = awaitPhase(ref, Phase.FAILED);
    assertThat(failed.exitCode()).isEqualTo(3);
    assertThat(failed.reason()).isEqualTo("exited with code 3");
  }

  @Test
  void oomKillIsSaidSo() {
    WorkloadRef ref = ref(TEAM_A);
    runtime.apply(spec(ref, List.of()));
    Pod pod = kubelet.running(startPod(ref));
    kubelet.terminate(pod, 137, "OOMKilled");
    WorkloadStatus failed = awaitPhase(ref, Phase.FAILED);
    assertThat(failed.exitCode()).isEqualTo(137);
    assertThat(failed.reason()).isEqualTo("out of memory (OOMKilled)");
  }

  @Test
  void unschedulablePodsWaitWithTheSchedulersMessage() {
    WorkloadRef ref = ref(TEAM_A);
    runtime.apply(spec(ref, List.of()));
    String message = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.";
    kubelet.unschedulable(startPod(ref), message);
    await().atMost(WAIT).until(() -> message.equals(runtime.observe(ref).reason()));
    assertThat(runtime.observe(ref).phase()).isEqualTo(Phase.PENDING);
  }

  @Test
  void imagesThatCannotBePulledAreNamed() {
    WorkloadRef ref = ref(TEAM_A);
    runtime.apply(spec(ref, List.of()));
    kubelet.imagePullBackOff(startPod(ref), "Back-off pulling image \"python:3.11\"");
    await().atMost(WAIT).until(() -> runtime.observe(ref).reason() != null
        && runtime.observe(ref).reason().startsWith("image python:3.11 cannot be pulled: "));
    assertThat(runtime.observe(ref).reason()).contains("Back-off pulling image");
  }

  @Test
  void deadlineExceededFailsTheJob() {
    WorkloadRef ref = ref(TEAM_A);
    runtime.apply(spec(ref, List.of()));
    kubelet.running(startPod(ref));
    awaitPhase(ref, Phase.RUNNING);
    kubelet.deadlineExceeded(ns(ref), KubernetesResources.name(ref));
    assertThat(awaitPhase(ref, Phase.FAILED).reason()).isEqualTo("exceeded maxRuntimeSeconds");
  }

  @Test
  void kueueJobsWaitSuspendedForAdmission() {
    KubernetesRuntimeSettings kueue = settings.withKueue(new KubernetesRuntimeSettings.Kueue(true, "incline", "cq"));
    KubernetesRuntime r = newRuntime(kueue);
    WorkloadRef ref = ref(TEAM_A);
    r.apply(spec(ref, List.of()));
    await().atMost(WAIT).until(() -> "waiting for Kueue admission".equals(r.observe(ref).reason()));
    var localQueues = new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder()
        .withGroup("kueue.x-k8s.io").withVersion("v1beta1").withKind("LocalQueue").withPlural("localqueues")
        .withNamespaced(true).build();
    assertThat(api.genericKubernetesResources(localQueues).inNamespace(ns(ref)).withName("incline").get()
        .getAdditionalProperties()).containsEntry("spec", Map.of("clusterQueue", "cq"));
    r.stop(ref, Duration.ofSeconds(1));
    await().atMost(WAIT).until(() -> r.observe(ref).phase() == Phase.FAILED);
    assertThat(api.batch().v1().jobs().inNamespace(ns(ref)).withName(KubernetesResources.name(ref)).get()
        .getSpec().getActiveDeadlineSeconds()).isEqualTo(1L);
  }

  @Test
  void logsAreFollowedWhileRunningAndEndWithTheContainer() throws Exception {
    WorkloadRef ref = ref(TEAM_A);
    runtime.apply(spec(ref, List.of()));
    Pod pod = kubelet.running(startPod(ref));
    awaitPhase(ref, Phase.RUNNING);
    kubelet.print(pod, "first");
    try (LogStream logs = runtime.logs(ref, null)) {
      LogLine first = null;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (first == null && System.nanoTime() < deadline) {
        first = logs.next(Duration.ofMillis(100));
      }
      assertThat(first).isNotNull();
      assertThat(first.text()).isEqualTo("first");
      assertThat(first.stream()).isEqualTo(LogLine.Stream.STDOUT);
      Thread.sleep(300); // reopened at least once meanwhile: "first" must not come again
      kubelet.print(pod, "{\"chart\": \"loss\", \"y\": 0.5}", "second");
      kubelet.terminate(pod, 0, "Completed");
      assertThat(readAll(logs)).extracting(LogLine::text).containsExactly("{\"chart\": \"loss\", \"y\": 0.5}", "second");
    }
    assertThat(kubelet.logRequests).allSatisfy(q -> {
      assertThat(q).containsEntry("container", "main").containsEntry("timestamps", "true");
    });
    assertThat(kubelet.logRequests).anySatisfy(q -> assertThat(q).containsKey("sinceTime"));
  }

  @Test
  void logsResumeAfterAPositionEvenWithinOneSecond() throws Exception {
    WorkloadRef ref = ref(TEAM_A);
    runtime.apply(spec(ref, List.of()));
    Pod pod = kubelet.running(startPod(ref));
    Instant t = Instant.parse("2026-11-21T09:00:01.250Z");
    kubelet.print(pod, t, "line-1", "line-2");
    kubelet.print(pod, t.plusMillis(500), "line-3");
    kubelet.print(pod, t.plusSeconds(2), "line-4", "line-5");
    kubelet.terminate(pod, 0, "Completed");
    awaitPhase(ref, Phase.SUCCEEDED);
    List<LogLine> all;
    try (LogStream logs = runtime.logs(ref, null)) {
      all = readAll(logs);
    }
    assertThat(all).extracting(LogLine::text).containsExactly("line-1", "line-2", "line-3", "line-4", "line-5");
    kubelet.logRequests.clear();
    try (LogStream rest = runtime.logs(ref, all.get(1).position())) {
      assertThat(readAll(rest)).extracting(LogLine::text).containsExactly("line-3", "line-4", "line-5");
    }
    assertThat(kubelet.logRequests).first().satisfies(q -> assertThat(q).containsEntry("sinceTime", "2026-11-21T09:00:01Z"));
  }

  @Test
  void stopDeletesThePodAndReportsStopped() {
    WorkloadRef ref = ref(TEAM_A);
    runtime.apply(spec(ref, List.of()));
    kubelet.running(startPod(ref));
    awaitPhase(ref, Phase.RUNNING);
    runtime.stop(ref, Duration.ofSeconds(2));
    WorkloadStatus stopped = awaitPhase(ref, Phase.FAILED);
    assertThat(stopped.reason()).isEqualTo("stopped on request");
    assertThat(api.pods().inNamespace(ns(ref)).list().getItems()).isEmpty();
    assertThat(api.batch().v1().jobs().inNamespace(ns(ref)).withName(KubernetesResources.name(ref)).get()
        .getMetadata().getAnnotations()).containsKey(KubernetesResources.ANNOTATION_STOP_REQUESTED);
    runtime.stop(ref, Duration.ofSeconds(2)); // idempotent on a finished workload
  }

  @Test
  void aNewRuntimeReAdoptsJobsByLabel() {
    WorkloadRef a = ref(TEAM_A);
    WorkloadRef b = ref(TEAM_B);
    runtime.apply(spec(a, List.of()));
    runtime.apply(spec(b, List.of()));
    kubelet.running(startPod(a));
    awaitPhase(a, Phase.RUNNING);
    runtime.close();

    KubernetesRuntime restarted = newRuntime(settings);
    assertThat(restarted.list()).containsExactlyInAnyOrder(a, b);
    await().atMost(WAIT).until(() -> restarted.observe(a).phase() == Phase.RUNNING);
    assertThat(restarted.observe(b).phase()).isEqualTo(Phase.PENDING);
    assertThat(restarted.apply(spec(a, List.of()))).isEqualTo(ApplyResult.UNCHANGED);
  }

  @Test
  void deleteRemovesTheJobServiceAndSecret() {
    WorkloadRef ref = ref(TEAM_A);
    runtime.apply(spec(ref, List.of(8888)));
    kubelet.terminate(kubelet.running(startPod(ref)), 0, "Completed");
    awaitPhase(ref, Phase.SUCCEEDED);
    runtime.delete(ref);
    String ns = ns(ref);
    assertThat(api.batch().v1().jobs().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(api.services().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(api.secrets().inNamespace(ns).list().getItems()).isEmpty();
    awaitPhase(ref, Phase.NOT_FOUND);
    assertThat(runtime.list()).doesNotContain(ref);
    runtime.delete(ref); // idempotent
  }

  @Test
  void aTeamNeverReadsOrWritesAnotherTeamsNamespace() {
    WorkloadRef mine = ref(TEAM_A);
    runtime.apply(spec(mine, List.of()));
    // The same workload id asked for by another team: its own namespace, never A's objects.
    WorkloadRef theirs = new WorkloadRef(TEAM_B, WorkloadRef.Kind.JOB, mine.id());
    assertThat(runtime.observe(theirs).phase()).isEqualTo(Phase.NOT_FOUND);
    runtime.stop(theirs, Duration.ofSeconds(1));
    runtime.delete(theirs);
    Job a = api.batch().v1().jobs().inNamespace(ns(mine)).withName(KubernetesResources.name(mine)).get();
    assertThat(a).isNotNull();
    assertThat(a.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(api.secrets().inNamespace(ns(mine)).list().getItems()).hasSize(1);

    // A Job in B's namespace with A's labels (planted, or a name collision) is not B's and not listed.
    String nsB = KubernetesResources.namespace(settings, TEAM_B);
    runtime.apply(spec(ref(TEAM_B), List.of()));
    Job planted = new JobBuilder(a).withNewMetadata().withName(KubernetesResources.name(theirs)).withNamespace(nsB)
        .withLabels(a.getMetadata().getLabels()).endMetadata().withStatus(null).build();
    api.resource(planted).create();
    assertThat(runtime.observe(theirs).phase()).isEqualTo(Phase.NOT_FOUND);
    assertThat(runtime.list()).filteredOn(r -> r.team().equals(TEAM_B)).doesNotContain(theirs);
    assertThatThrownBy(() -> runtime.apply(spec(theirs, List.of()))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is not the workload");

    // A namespace that carries another team's label is refused, not adopted.
    KubernetesRuntimeSettings sameNames = settings;
    api.resource(new NamespaceBuilder().withNewMetadata().withName("incline-team-ccc")
        .withLabels(Map.of("incline.dev/team", "team-ccc")).endMetadata().build()).create();
    assertThatThrownBy(() -> newRuntime(sameNames).apply(spec(ref("team_ccc"), List.of())))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("belongs to team team-ccc");
  }

  @Test
  void aNewBindingNotYetSeenByTheAuthorizerIsWaitedFor() {
    WorkloadRef ref = ref("team_new");
    kubelet.server().expect().post().withPath("/api/v1/namespaces/incline-team-new/resourcequotas")
        .andReturn(403, "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\"}").times(2);
    assertThat(runtime.apply(spec(ref, List.of()))).isEqualTo(ApplyResult.CREATED);
    assertThat(api.resourceQuotas().inNamespace("incline-team-new").withName("incline-quota").get()).isNotNull();
  }
}
