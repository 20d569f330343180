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
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Notebooks on the kubernetes runtime: a Pod and a Service, against fabric8's mock API server. */
class KubernetesNotebookTest {

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
    runtime = newRuntime();
  }

  private KubernetesRuntime newRuntime() {
    KubernetesRuntime r = new KubernetesRuntime(kubelet.newClient(), settings);
    runtimes.add(r);
    return r;
  }

  @AfterEach
  void stop() {
    runtimes.forEach(KubernetesRuntime::close);
    kubelet.close();
  }

  private static WorkloadRef notebook(String team) {
    return new WorkloadRef(team, WorkloadRef.Kind.NOTEBOOK, "nb_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
  }

  private static WorkloadSpec spec(WorkloadRef ref) {
    return new WorkloadSpec(ref, "prj_1", "quay.io/jupyter/base-notebook",
        List.of("/bin/sh", "-c", "jupyter lab --ip=0.0.0.0 --port=8888"), Map.of(),
        Map.of("JUPYTER_TOKEN", "s3cr3t"),
        new WorkloadSpec.Resources("C5", 4, 8L << 30, 0, null, Map.of()), List.of(8888), Map.of(), null,
        Duration.ofHours(12));
  }

  private String ns(WorkloadRef ref) {
    return KubernetesResources.namespace(settings, ref.team());
  }

  private Pod pod(WorkloadRef ref) {
    return api.pods().inNamespace(ns(ref)).withName(KubernetesResources.name(ref)).get();
  }

  private Service service(WorkloadRef ref) {
    return api.services().inNamespace(ns(ref)).withName(KubernetesResources.name(ref)).get();
  }

  private WorkloadStatus awaitPhase(WorkloadRef ref, Phase phase) {
    await().atMost(WAIT).until(() -> runtime.observe(ref).phase() == phase);
    return runtime.observe(ref);
  }

  @Test
  void applyMakesAPodAndAServiceInTheTeamNamespaceWithTheTeamVolume() {
    WorkloadRef ref = notebook(TEAM_A);
    assertThat(runtime.apply(spec(ref))).isEqualTo(ApplyResult.CREATED);

    String ns = ns(ref);
    assertThat(ns).isEqualTo("incline-team-aaa");
    assertThat(api.persistentVolumeClaims().inNamespace(ns).withName("incline-storage").get()).isNotNull();
    assertThat(api.rbac().roleBindings().inNamespace(ns).withName("incline-controller").get()).isNotNull();
    Pod pod = pod(ref);
    assertThat(pod.getMetadata().getName()).startsWith("notebook-nb-");
    assertThat(pod.getMetadata().getLabels()).containsEntry("incline.dev/kind", "notebook")
        .containsEntry("incline.dev/team", TEAM_A).containsEntry("incline.dev/id", ref.id());
    assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Always");
    assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(12 * 3600L);
    assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> {
      assertThat(v.getName()).isEqualTo("storage");
      assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("incline-storage");
    });
    assertThat(pod.getSpec().getContainers().getFirst().getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getName() + ":" + m.getMountPath()).isEqualTo("storage:/storage"));
    Service service = service(ref);
    assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(service.getSpec().getSelector()).isEqualTo(KubernetesResources.identity(ref));
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(8888));
    var secret = api.secrets().inNamespace(ns).withName(KubernetesResources.name(ref)).get();
    assertThat(secret.getStringData()).containsEntry("JUPYTER_TOKEN", "s3cr3t");
    // not owned by the Pod: they outlive a stop, for the next start
    assertThat(secret.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(service.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(Snapshots.yaml(pod)).doesNotContain("s3cr3t");
    assertThat(api.batch().v1().jobs().inNamespace(ns).list().getItems()).isEmpty();
  }

  @Test
  void applyAgainIsUnchangedAndBringsBackAMissingService() {
    WorkloadRef ref = notebook(TEAM_A);
    runtime.apply(spec(ref));
    String rv = pod(ref).getMetadata().getResourceVersion();
    assertThat(runtime.apply(spec(ref))).isEqualTo(ApplyResult.UNCHANGED);
    assertThat(newRuntime().apply(spec(ref))).isEqualTo(ApplyResult.UNCHANGED);
    assertThat(pod(ref).getMetadata().getResourceVersion()).isEqualTo(rv);
    assertThat(api.pods().inNamespace(ns(ref)).list().getItems()).hasSize(1);
    assertThat(api.services().inNamespace(ns(ref)).list().getItems()).hasSize(1);

    api.services().inNamespace(ns(ref)).withName(KubernetesResources.name(ref)).delete();
    await().atMost(WAIT).until(() -> service(ref) == null);
    assertThat(runtime.apply(spec(ref))).isEqualTo(ApplyResult.UNCHANGED);
    assertThat(service(ref)).isNotNull();
  }

  @Test
  void aNotebookGoesFromPendingToRunningWithItsServiceEndpoint() {
    WorkloadRef ref = notebook(TEAM_A);
    runtime.apply(spec(ref));
    WorkloadStatus pending = awaitPhase(ref, Phase.PENDING);
    assertThat(pending.reason()).isEqualTo("starting");
    assertThat(pending.endpoints()).isEmpty();
    String message = "0/3 nodes are available: 3 Insufficient cpu.";
    kubelet.unschedulable(pod(ref), message);
    await().atMost(WAIT).until(() -> message.equals(runtime.observe(ref).reason()));
    kubelet.running(pod(ref));
    WorkloadStatus running = awaitPhase(ref, Phase.RUNNING);
    assertThat(running.startedAt()).isNotNull();
    assertThat(running.endpoints()).containsExactlyEntriesOf(Map.of(8888,
        URI.create("http://" + KubernetesResources.name(ref) + ".incline-team-aaa.svc:8888")));
  }

  @Test
  void anImageThatCannotBePulledIsNamedWhilePending() {
    WorkloadRef ref = notebook(TEAM_A);
    runtime.apply(spec(ref));
    kubelet.imagePullBackOff(pod(ref), "Back-off pulling image \"quay.io/jupyter/base-notebook\"");
    await().atMost(WAIT).until(() -> runtime.observe(ref).reason() != null
        && runtime.observe(ref).reason().startsWith("image quay.io/jupyter/base-notebook cannot be pulled: "));
    assertThat(runtime.observe(ref).phase()).isEqualTo(Phase.PENDING);
  }

  @Test
  void aCrashLoopIsAFailureUntilTheKubeletHasItRunningAgain() {
    WorkloadRef ref = notebook(TEAM_A);
    runtime.apply(spec(ref));
    kubelet.running(pod(ref));
    awaitPhase(ref, Phase.RUNNING);
    kubelet.crashLoopBackOff(pod(ref), 137, "OOMKilled", 2);
    WorkloadStatus failed = awaitPhase(ref, Phase.FAILED);
    assertThat(failed.reason()).isEqualTo("out of memory (OOMKilled); CrashLoopBackOff, restarted 2 times");
    assertThat(failed.exitCode()).isEqualTo(137);
    kubelet.running(pod(ref));
    awaitPhase(ref, Phase.RUNNING);
  }

  @Test
  void theDeadlineFailsTheNotebookAndAStartAfterItMakesANewPod() {
    WorkloadRef ref = notebook(TEAM_A);
    runtime.apply(spec(ref));
    kubelet.running(pod(ref));
    awaitPhase(ref, Phase.RUNNING);
    String firstUid = pod(ref).getMetadata().getUid();
    kubelet.podFailed(pod(ref), "DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
    WorkloadStatus failed = awaitPhase(ref, Phase.FAILED);
    assertThat(failed.reason()).isEqualTo("exceeded maxRuntimeSeconds");
    assertThat(failed.exitCode()).isEqualTo(143);

    assertThat(runtime.apply(spec(ref))).isEqualTo(ApplyResult.CREATED);
    assertThat(pod(ref).getMetadata().getUid()).isNotEqualTo(firstUid);
    assertThat(pod(ref).getStatus() == null || pod(ref).getStatus().getPhase() == null
        || pod(ref).getStatus().getPhase().equals("Pending")).isTrue();
    await().atMost(WAIT).until(() -> runtime.observe(ref).phase() == Phase.PENDING);
  }

  @Test
  void stopDeletesThePodAndKeepsTheServiceAndSecretForTheNextStart() {
    WorkloadRef ref = notebook(TEAM_A);
    runtime.apply(spec(ref));
    kubelet.running(pod(ref));
    awaitPhase(ref, Phase.RUNNING);
    runtime.stop(ref, Duration.ofSeconds(2));
    assertThat(pod(ref)).isNull();
    awaitPhase(ref, Phase.NOT_FOUND);
    assertThat(service(ref)).isNotNull();
    assertThat(api.secrets().inNamespace(ns(ref)).withName(KubernetesResources.name(ref)).get()).isNotNull();
    runtime.stop(ref, Duration.ofSeconds(2)); // idempotent

    // start again: a new Pod behind the same Service
    assertThat(runtime.apply(spec(ref))).isEqualTo(ApplyResult.CREATED);
    assertThat(pod(ref).getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(api.services().inNamespace(ns(ref)).list().getItems()).hasSize(1);
  }

  @Test
  void aStoppingPodSaysStoppedAndAStartWaitsForItToGo() throws Exception {
    WorkloadRef ref = notebook(TEAM_A);
    runtime.apply(spec(ref));
    kubelet.running(pod(ref));
    awaitPhase(ref, Phase.RUNNING);
    // a finalizer keeps the deleted pod on the mock API server, terminating, as the kubelet would for the grace period
    api.pods().inNamespace(ns(ref)).withName(KubernetesResources.name(ref))
        .edit(p -> new PodBuilder(p).editMetadata().addToFinalizers("test.incline.dev/hold").endMetadata().build());
    runtime.stop(ref, Duration.ofSeconds(30));
    assertThat(pod(ref).getMetadata().getDeletionTimestamp()).isNotNull();
    WorkloadStatus stopping = awaitPhase(ref, Phase.SUCCEEDED);
    assertThat(stopping.reason()).isEqualTo("stopped on request");
    assertThat(pod(ref).getMetadata().getAnnotations()).containsKey(KubernetesResources.ANNOTATION_STOP_REQUESTED);

    Thread release = Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
      api.pods().inNamespace(ns(ref)).withName(KubernetesResources.name(ref))
          .edit(p -> new PodBuilder(p).editMetadata().withFinalizers(List.of()).endMetadata().build());
    });
    assertThat(runtime.apply(spec(ref))).isEqualTo(ApplyResult.CREATED);
    release.join();
    assertThat(pod(ref).getMetadata().getDeletionTimestamp()).isNull();
    assertThat(pod(ref).getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void deleteRemovesThePodServiceAndSecret() {
    WorkloadRef ref = notebook(TEAM_A);
    runtime.apply(spec(ref));
    kubelet.running(pod(ref));
    awaitPhase(ref, Phase.RUNNING);
    runtime.delete(ref);
    String ns = ns(ref);
    assertThat(api.pods().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(api.services().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(api.secrets().inNamespace(ns).list().getItems()).isEmpty();
    awaitPhase(ref, Phase.NOT_FOUND);
    assertThat(runtime.list()).doesNotContain(ref);
    runtime.delete(ref); // idempotent
    runtime.stop(ref, Duration.ofSeconds(1));
  }

  @Test
  void logsAreTheNotebookPodsAndEndWhenItStops() throws Exception {
    WorkloadRef ref = notebook(TEAM_A);
    runtime.apply(spec(ref));
    Pod pod = kubelet.running(pod(ref));
    awaitPhase(ref, Phase.RUNNING);
    kubelet.print(pod, "[I ServerApp] Jupyter Server is running at:", "[I ServerApp] http://127.0.0.1:8888/lab");
    try (LogStream logs = runtime.logs(ref, null)) {
      List<String> lines = new ArrayList<>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (lines.size() < 2 && System.nanoTime() < deadline) {
        LogLine line = logs.next(Duration.ofMillis(100));
        if (line != null) {
          lines.add(line.text());
        }
      }
      assertThat(lines).containsExactly("[I ServerApp] Jupyter Server is running at:", "[I ServerApp] http://127.0.0.1:8888/lab");
      runtime.stop(ref, Duration.ofSeconds(1));
      await().atMost(WAIT).until(logs::ended);
    }
    assertThat(kubelet.logRequests).isNotEmpty().allSatisfy(q -> assertThat(q).containsEntry("container", "main"));
  }

  @Test
  void aNewRuntimeReAdoptsNotebooksAndJobsByLabel() {
    WorkloadRef nb = notebook(TEAM_A);
    WorkloadRef other = notebook(TEAM_B);
    WorkloadRef job = new WorkloadRef(TEAM_A, WorkloadRef.Kind.JOB, "job_1");
    runtime.apply(spec(nb));
    runtime.apply(spec(other));
    runtime.apply(new WorkloadSpec(job, "prj_1", "python:3.11", List.of("python", "train.py"), Map.of(), Map.of(),
        new WorkloadSpec.Resources("C5", 4, 8L << 30, 0, null, Map.of()), List.of(), Map.of(), null));
    kubelet.createPod(ns(job), KubernetesResources.name(job)); // a Job's pod is not a workload of its own
    kubelet.running(pod(nb));
    awaitPhase(nb, Phase.RUNNING);
    runtime.close();

    KubernetesRuntime restarted = newRuntime();
    assertThat(restarted.list()).containsExactlyInAnyOrder(nb, other, job);
    await().atMost(WAIT).until(() -> restarted.observe(nb).phase() == Phase.RUNNING);
    assertThat(restarted.apply(spec(nb))).isEqualTo(ApplyResult.UNCHANGED);
  }

  @Test
  void anotherTeamsRefNeverTouchesThisTeamsNotebook() {
    WorkloadRef mine = notebook(TEAM_A);
    runtime.apply(spec(mine));
    kubelet.running(pod(mine));
    awaitPhase(mine, Phase.RUNNING);

    // the same id asked for by another team: its own namespace, never A's objects
    WorkloadRef theirs = new WorkloadRef(TEAM_B, WorkloadRef.Kind.NOTEBOOK, mine.id());
    assertThat(runtime.observe(theirs).phase()).isEqualTo(Phase.NOT_FOUND);
    runtime.stop(theirs, Duration.ofSeconds(1));
    runtime.delete(theirs);
    assertThat(pod(mine)).isNotNull();
    assertThat(pod(mine).getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(service(mine)).isNotNull();
    assertThat(api.secrets().inNamespace(ns(mine)).list().getItems()).hasSize(1);
    assertThat(runtime.observe(mine).phase()).isEqualTo(Phase.RUNNING);

    // the same id as a job of the same team is another workload, with another name
    WorkloadRef job = new WorkloadRef(TEAM_A, WorkloadRef.Kind.JOB, mine.id());
    assertThat(runtime.observe(job).phase()).isEqualTo(Phase.NOT_FOUND);
    runtime.delete(job);
    assertThat(pod(mine)).isNotNull();

    // a Pod in B's namespace with A's labels (planted, or a name collision) is not B's and not listed
    runtime.apply(spec(notebook(TEAM_B)));
    String nsB = KubernetesResources.namespace(settings, TEAM_B);
    Pod a = pod(mine);
    api.resource(new PodBuilder().withNewMetadata().withName(KubernetesResources.name(theirs)).withNamespace(nsB)
        .withLabels(a.getMetadata().getLabels()).endMetadata().withSpec(a.getSpec()).build()).create();
    assertThat(runtime.observe(theirs).phase()).isEqualTo(Phase.NOT_FOUND);
    assertThat(runtime.list()).filteredOn(r -> r.team().equals(TEAM_B)).doesNotContain(theirs);
    assertThatThrownBy(() -> runtime.apply(spec(theirs))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is not the workload");
    runtime.stop(theirs, Duration.ofSeconds(1));
    runtime.delete(theirs);
    assertThat(api.pods().inNamespace(nsB).withName(KubernetesResources.name(theirs)).get()).isNotNull();
  }
}
