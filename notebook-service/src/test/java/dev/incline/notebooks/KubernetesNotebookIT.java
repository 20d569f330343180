package dev.incline.notebooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.kubernetes.FakeKubelet;
import dev.incline.embedded.SharedInfrastructure;
import dev.incline.notebooks.config.NotebooksProperties;
import dev.incline.notebooks.notebook.NotebookIds;
import dev.incline.notebooks.notebook.NotebookRepository;
import dev.incline.platform.security.Caller;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Notebooks with {@code incline.compute.runtime=kubernetes}, on fabric8's mock API server (CRUD mode):
 * each run is a Pod, a ClusterIP Service and a Secret in the team's namespace, and the test plays the
 * kubelet ({@link FakeKubelet}). Jupyter never answers there (the Service's address does not resolve),
 * so a notebook gets as far as Provisioning and then fails after the (shortened) start timeout.
 */
class KubernetesNotebookIT extends NotebookTestBase {

  static final FakeKubelet KUBELET = FakeKubelet.start();
  static final String IMAGE = "registry.example/incline-notebook:1.2";
  static final Duration START_TIMEOUT = Duration.ofSeconds(6);
  static final Duration WAIT = Duration.ofSeconds(30);

  @DynamicPropertySource
  static void kubernetes(DynamicPropertyRegistry registry) {
    registry.add("incline.compute.runtime", () -> "kubernetes");
    registry.add("incline.compute.kubernetes.controller-namespace", () -> "incline-system");
    registry.add("incline.notebooks.image", () -> IMAGE);
    registry.add("incline.notebooks.agent-url", () -> AGENT_URL);
  }

  static final String AGENT_URL = "http://incline-notebook-service.incline-system.svc:8085";

  @TestConfiguration
  static class MockCluster {
    @Bean
    KubernetesClient kubernetesClient() {
      return KUBELET.newClient();
    }

    /**
     * NotebookTestBase's own dynamic properties are registered after this class's and win over them: a
     * registrar's come last. A schema of its own, so that this context's reconciler walks only this
     * class's notebooks (and other classes' contexts never see them).
     */
    @Bean
    static DynamicPropertyRegistrar shortStartTimeoutAndOwnSchema() {
      return registry -> {
        SharedInfrastructure.properties("notebooks_kube").forEach((k, v) -> registry.add(k, () -> v));
        registry.add("incline.notebooks.start-timeout", () -> START_TIMEOUT.toSeconds() + "s");
      };
    }
  }

  @AfterAll
  static void stopCluster() {
    KUBELET.close();
  }

  @Autowired NotebookRepository notebooks;
  @Autowired NotebooksProperties properties;

  private final KubernetesClient api = KUBELET.admin();

  // ------------------------------------------------------------ the cluster

  private static String ns(String team) {
    return "incline-" + team.replace('_', '-');
  }

  private static String name(String id) {
    return "notebook-" + id.replace('_', '-');
  }

  private Pod pod(String team, String id) {
    return api.pods().inNamespace(ns(team)).withName(name(id)).get();
  }

  private Service service(String team, String id) {
    return api.services().inNamespace(ns(team)).withName(name(id)).get();
  }

  private Secret secret(String team, String id) {
    return api.secrets().inNamespace(ns(team)).withName(name(id)).get();
  }

  private Pod awaitPod(String team, String id) {
    Pod[] pod = new Pod[1];
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> (pod[0] = pod(team, id)) != null);
    return pod[0];
  }

  private Secret awaitSecret(String team, String id) {
    Secret[] secret = new Secret[1];
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> (secret[0] = secret(team, id)) != null);
    return secret[0];
  }

  private static String secretValue(Secret secret, String key) {
    if (secret.getData() != null && secret.getData().get(key) != null) {
      return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }
    return secret.getStringData() == null ? null : secret.getStringData().get(key);
  }

  private static Container main(Pod pod) {
    return pod.getSpec().getContainers().stream().filter(c -> c.getName().equals("main")).findFirst().orElseThrow();
  }

  private static EnvVar env(Container c, String name) {
    return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + c.getEnv()));
  }

  /** Every object of a namespace by kind and name, with its resourceVersion and annotations: what "nothing changed" compares. */
  private Map<String, String> snapshot(String ns) {
    Map<String, String> out = new TreeMap<>();
    List<HasMetadata> all = new java.util.ArrayList<>();
    all.addAll(api.pods().inNamespace(ns).list().getItems());
    all.addAll(api.services().inNamespace(ns).list().getItems());
    all.addAll(api.secrets().inNamespace(ns).list().getItems());
    all.addAll(api.persistentVolumeClaims().inNamespace(ns).list().getItems());
    for (HasMetadata o : all) {
      out.put(o.getKind() + "/" + o.getMetadata().getName(), o.getMetadata().getResourceVersion() + " "
          + o.getMetadata().getDeletionTimestamp() + " " + o.getMetadata().getAnnotations());
    }
    return out;
  }

  private String token(String id) {
    return notebooks.findById(NotebookIds.decode(id).orElseThrow()).orElseThrow().getToken();
  }

  private static WorkloadRef ref(String team, String id) {
    return new WorkloadRef(team, WorkloadRef.Kind.NOTEBOOK, id);
  }

  private String statusOf(Caller caller, String id) throws Exception {
    return body(get(caller, "/api/v1/notebooks/" + id)).get("status").asString();
  }

  /** Awaits a status, Failed included (NotebookTestBase's refuses to wait for Failed through another status). */
  private JsonNode awaitAny(Caller caller, String id, String status, Duration within) {
    JsonNode[] last = new JsonNode[1];
    await().atMost(within).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      last[0] = body(get(caller, "/api/v1/notebooks/" + id));
      assertThat(last[0].get("status").asString()).as(last[0].toString()).isEqualTo(status);
    });
    return last[0];
  }

  private void deleteAndAwaitGone(Caller caller, String id) {
    try {
      expect(204, send(caller, "DELETE", "/api/v1/notebooks/" + id, null));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    await().atMost(WAIT).until(() -> get(caller, "/api/v1/notebooks/" + id).statusCode() == 404
        && notebooks.findById(NotebookIds.decode(id).orElseThrow()).isEmpty());
  }

  // ------------------------------------------------------------ the tests

  @Test
  void aNotebookIsAPodInTheTeamNamespaceFailsWhenJupyterNeverAnswersAndStartsStopsAndGoesAgain() throws Exception {
    Caller a = caller("team_kube_nb");
    String team = a.teamId();
    String project = FakeServices.project(team);
    assertThat(properties.startTimeout()).isEqualTo(START_TIMEOUT);

    HttpResponse<String> created = send(a, "POST", "/api/v1/notebooks",
        "{\"projectId\":\"" + project + "\",\"name\":\"gpu-explore\",\"machineType\":\"A100\",\"autoShutdownHours\":2}");
    expect(201, created);
    String id = body(created).get("id").asString();
    assertThat(body(created).get("status").asString()).isEqualTo("Pending");
    assertThat(body(created).get("image").asString()).isEqualTo(IMAGE);
    JsonNode provisioning = awaitStatus(a, id, "Provisioning", WAIT);
    assertThat(provisioning.get("startedAt").isNull()).isFalse();

    // --- what the cluster was given, in the team's namespace
    Pod pod = awaitPod(team, id);
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("incline-team-kube-nb");
    assertThat(pod.getMetadata().getLabels()).containsEntry("incline.dev/kind", "notebook").containsEntry("incline.dev/team", team)
        .containsEntry("incline.dev/id", id).containsEntry("incline.dev/project", project)
        .containsEntry("incline.dev/notebook-name", "gpu-explore");
    assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Always");
    // the engine's own bound: autoShutdownHours (2 h) and the reconciler's 10 min margin
    assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(2 * 3600L + 600L);
    Container main = main(pod);
    assertThat(main.getImage()).isEqualTo(IMAGE);
    assertThat(main.getCommand()).hasSize(3).startsWith("/bin/sh", "-c");
    assertThat(main.getCommand().get(2)).contains("jupyter-lab").contains("jupyter-notebook").contains("$INCLINE_NOTEBOOK_BASE_URL");
    assertThat(main.getPorts()).singleElement().satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(8888));
    assertThat(env(main, "INCLINE_NOTEBOOK_IP").getValue()).isEqualTo("0.0.0.0");
    assertThat(env(main, "INCLINE_NOTEBOOK_PORT").getValue()).isEqualTo("8888");
    assertThat(env(main, "INCLINE_NOTEBOOK_BASE_URL").getValue()).isEqualTo("/notebooks/" + id + "/");
    EnvVar jupyterToken = env(main, "JUPYTER_TOKEN");
    assertThat(jupyterToken.getValue()).isNull();
    assertThat(jupyterToken.getValueFrom().getSecretKeyRef().getName()).isEqualTo(name(id));
    assertThat(jupyterToken.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("JUPYTER_TOKEN");
    String token = token(id);
    assertThat(token).isNotBlank();
    assertThat(api.getKubernetesSerialization().asJson(pod)).doesNotContain(token);
    assertThat(pod.getMetadata().getLabels().values()).doesNotContain(token);
    // the team's volume at /storage
    assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> {
      assertThat(v.getName()).isEqualTo("storage");
      assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("incline-storage");
    });
    assertThat(main.getVolumeMounts()).anySatisfy(m -> assertThat(m.getName() + ":" + m.getMountPath()).isEqualTo("storage:/storage"));
    assertThat(api.persistentVolumeClaims().inNamespace(ns(team)).withName("incline-storage").get()).isNotNull();
    // machine type A100: 12 CPUs, 90 GiB, one GPU, requested and limited alike, the GPU nodes' taint tolerated
    assertThat(main.getResources().getLimits().get("cpu")).isEqualTo(new Quantity("12"));
    assertThat(Quantity.getAmountInBytes(main.getResources().getLimits().get("memory")).longValue()).isEqualTo(90L << 30);
    assertThat(main.getResources().getLimits().get("nvidia.com/gpu")).isEqualTo(new Quantity("1"));
    assertThat(main.getResources().getRequests().get("nvidia.com/gpu")).isEqualTo(new Quantity("1"));
    assertThat(main.getResources().getRequests().get("cpu")).isEqualTo(new Quantity("12"));
    assertThat(pod.getSpec().getTolerations()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
    // no init containers: no workspace, no dataset inputs on kubernetes
    assertThat(pod.getSpec().getInitContainers()).isNullOrEmpty();
    // the Service in front of Jupyter, the Secret with the run's token
    Service service = service(team, id);
    assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(8888));
    assertThat(service.getSpec().getSelector()).containsEntry("incline.dev/id", id).containsEntry("incline.dev/kind", "notebook");
    assertThat(secretValue(secret(team, id), "JUPYTER_TOKEN")).isEqualTo(token);

    // --- the kubelet runs the pod; Jupyter cannot answer on the mock cluster: still Provisioning
    KUBELET.running(pod);
    await().atMost(WAIT).until(() -> runtime.observe(ref(team, id)).phase() == Phase.RUNNING);
    assertThat(runtime.observe(ref(team, id)).endpoints())
        .containsEntry(8888, java.net.URI.create("http://" + name(id) + ".incline-team-kube-nb.svc:8888"));
    // for as long as the start timeout leaves (at most 1.5 s, ending 0.5 s before it): the run is up, Jupyter is not
    java.time.Instant runStarted = java.time.Instant.parse(provisioning.get("startedAt").asString());
    Duration left = Duration.between(java.time.Instant.now(), runStarted.plus(START_TIMEOUT)).minusMillis(500);
    assertThat(left).as("the test got too slow for a %s s start timeout", START_TIMEOUT.toSeconds()).isPositive();
    Duration steady = left.compareTo(Duration.ofMillis(1500)) < 0 ? left : Duration.ofMillis(1500);
    await().during(steady).atMost(steady.plusSeconds(1)).pollInterval(Duration.ofMillis(100))
        .until(() -> statusOf(a, id).equals("Provisioning"));

    // --- after the start timeout: Failed, and the run is removed
    JsonNode failed = awaitAny(a, id, "Failed", WAIT);
    assertThat(failed.get("reason").asString()).isEqualTo("Jupyter did not answer within 6 s of starting");
    assertThat(failed.get("startedAt").isNull()).isTrue();
    await().atMost(WAIT).until(() -> pod(team, id) == null);
    // fail() deletes the whole run: Service and Secret with the Pod
    assertThat(service(team, id)).isNull();
    assertThat(secret(team, id)).isNull();
    assertThat(token(id)).isNull();
    assertThat(runtime.observe(ref(team, id)).phase()).isEqualTo(Phase.NOT_FOUND);
    await().atMost(Duration.ofSeconds(10)).until(() -> statusesOf(id).startsWith("Pending Provisioning Failed"));

    // --- start the Failed notebook: a new run, a new Pod with a new token
    HttpResponse<String> started = send(a, "POST", "/api/v1/notebooks/" + id + "/start", null);
    expect(200, started);
    assertThat(body(started).get("status").asString()).isEqualTo("Pending");
    assertThat(body(started).get("reason").isNull()).isTrue();
    awaitStatus(a, id, "Provisioning", WAIT);
    Pod second = awaitPod(team, id);
    assertThat(second.getMetadata().getUid()).isNotEqualTo(pod.getMetadata().getUid());
    String secondToken = token(id);
    assertThat(secondToken).isNotBlank().isNotEqualTo(token);
    await().atMost(WAIT).until(() -> secret(team, id) != null && service(team, id) != null);
    assertThat(secretValue(secret(team, id), "JUPYTER_TOKEN")).isEqualTo(secondToken);
    assertThat(api.getKubernetesSerialization().asJson(second)).doesNotContain(secondToken);

    // --- stop: Stopping, then Stopped, and the Pod is gone
    HttpResponse<String> stopping = send(a, "POST", "/api/v1/notebooks/" + id + "/stop", null);
    expect(200, stopping);
    assertThat(body(stopping).get("status").asString()).isEqualTo("Stopping");
    JsonNode stopped = awaitAny(a, id, "Stopped", WAIT);
    assertThat(stopped.get("reason").asString()).isEqualTo("stopped by " + a.userId());
    assertThat(pod(team, id)).isNull();
    assertThat(runtime.observe(ref(team, id)).phase()).isEqualTo(Phase.NOT_FOUND);
    assertThat(statusesOf(id)).endsWith("Pending Provisioning Stopping Stopped");
    // stopping twice changes nothing
    expect(200, send(a, "POST", "/api/v1/notebooks/" + id + "/stop", null));
    assertThat(statusOf(a, id)).isEqualTo("Stopped");

    // --- delete: nothing of the notebook is left on the cluster, and it is a 404
    deleteAndAwaitGone(a, id);
    assertThat(pod(team, id)).isNull();
    assertThat(service(team, id)).isNull();
    assertThat(secret(team, id)).isNull();
    expect(404, get(a, "/api/v1/notebooks/" + id));
    expect(404, send(a, "POST", "/api/v1/notebooks/" + id + "/start", null));
    await().atMost(Duration.ofSeconds(10)).until(() -> statusesOf(id).endsWith("Deleted"));
  }

  @Test
  void anImageThatCannotBePulledFailsTheNotebookAfterTheStartTimeoutAndSaysWhy() throws Exception {
    Caller a = caller("team_kube_pull");
    String team = a.teamId();
    String project = FakeServices.project(team);
    String image = "registry.example/no-such-notebook:9";
    String id = create(a, "{\"projectId\":\"" + project + "\",\"name\":\"bad-image\",\"image\":\"" + image + "\"}");
    awaitStatus(a, id, "Provisioning", WAIT);
    Pod pod = awaitPod(team, id);
    assertThat(main(pod).getImage()).isEqualTo(image);
    // machine type C3 (the default): no GPU, no toleration
    assertThat(main(pod).getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
    assertThat(main(pod).getResources().getLimits().get("cpu")).isEqualTo(new Quantity("2"));
    assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(12 * 3600L + 600L);

    String message = "Back-off pulling image \"" + image + "\"";
    KUBELET.imagePullBackOff(pod, message);
    // the runtime names the image while the pod waits; the notebook stays Provisioning meanwhile
    await().atMost(WAIT).until(() -> ("image " + image + " cannot be pulled: " + message).equals(runtime.observe(ref(team, id)).reason()));
    assertThat(runtime.observe(ref(team, id)).phase()).isEqualTo(Phase.PENDING);
    JsonNode waiting = body(get(a, "/api/v1/notebooks/" + id));
    assertThat(waiting.get("status").asString()).isEqualTo("Provisioning");

    JsonNode failed = awaitAny(a, id, "Failed", WAIT);
    assertThat(failed.get("reason").asString())
        .isEqualTo("the run did not start within 6 s: image " + image + " cannot be pulled: " + message);
    await().atMost(WAIT).until(() -> pod(team, id) == null);
    assertThat(service(team, id)).isNull();
    assertThat(secret(team, id)).isNull();
    deleteAndAwaitGone(a, id);
  }

  @Test
  void anotherTeamSeesNothingAndChangesNothingOfTheNotebook() throws Exception {
    Caller a = caller("team_kube_mine");
    Caller b = caller("team_kube_theirs");
    String project = FakeServices.project(a.teamId());
    String projectB = FakeServices.project(b.teamId());
    String id = create(a, "{\"projectId\":\"" + project + "\",\"name\":\"private\"}");
    // B's notebook of the same name: B's namespace, another id
    String theirs = create(b, "{\"projectId\":\"" + projectB + "\",\"name\":\"private\"}");
    awaitStatus(a, id, "Provisioning", WAIT);
    Pod pod = awaitPod(a.teamId(), id);
    assertThat(awaitPod(b.teamId(), theirs).getMetadata().getNamespace()).isEqualTo("incline-team-kube-theirs");
    await().atMost(WAIT).until(() -> service(a.teamId(), id) != null && secret(a.teamId(), id) != null);
    Map<String, String> before = snapshot(ns(a.teamId()));
    assertThat(before).containsKeys("Pod/" + name(id), "Service/" + name(id), "Secret/" + name(id),
        "PersistentVolumeClaim/incline-storage");

    // B: 404 on every call, by id and by name (the name finds B's own); A's notebook is not in B's lists
    expect(404, get(b, "/api/v1/notebooks/" + id));
    expect(404, send(b, "POST", "/api/v1/notebooks/" + id + "/stop", null));
    expect(404, send(b, "POST", "/api/v1/notebooks/" + id + "/start", null));
    expect(404, send(b, "DELETE", "/api/v1/notebooks/" + id, null));
    assertThat(body(get(b, "/api/v1/notebooks/private")).get("id").asString()).isEqualTo(theirs);
    assertThat(body(get(b, "/api/v1/notebooks")).get("items")).singleElement()
        .satisfies(n -> assertThat(n.get("id").asString()).isEqualTo(theirs));
    assertThat(body(get(b, "/api/v1/notebooks?projectId=" + project)).get("items")).isEmpty();
    // nor A's project: B cannot create a notebook in it
    expect(404, send(b, "POST", "/api/v1/notebooks", "{\"projectId\":\"" + project + "\",\"name\":\"sneaky\"}"));

    // nothing of A's namespace changed, and A's notebook goes on (it fails later only because Jupyter never answers)
    assertThat(snapshot(ns(a.teamId()))).isEqualTo(before);
    assertThat(pod(a.teamId(), id).getMetadata().getUid()).isEqualTo(pod.getMetadata().getUid());
    JsonNode mine = body(get(a, "/api/v1/notebooks/" + id));
    assertThat(mine.get("status").asString()).as(mine.toString()).isEqualTo("Provisioning");
    assertThat(body(get(a, "/api/v1/notebooks")).get("items")).singleElement()
        .satisfies(n -> assertThat(n.get("id").asString()).isEqualTo(id));

    // A deletes its notebook while it is provisioning: Pod, Service and Secret go; B's notebook stays
    deleteAndAwaitGone(a, id);
    assertThat(pod(a.teamId(), id)).isNull();
    assertThat(service(a.teamId(), id)).isNull();
    assertThat(secret(a.teamId(), id)).isNull();
    expect(200, get(b, "/api/v1/notebooks/" + theirs));
    deleteAndAwaitGone(b, theirs);
    assertThat(pod(b.teamId(), theirs)).isNull();
  }

  @Test
  void datasetInputsAreFetchedByThePodsAgentWithATokenForThatNotebookOnly() throws Exception {
    Caller a = caller("team_kube_data");
    String project = FakeServices.project(a.teamId());
    FakeServices.dataset(a.teamId(), "raw-text:1", "dsv_kubetext1", "notes+1.txt", "hello\n");
    String id = create(a, "{\"projectId\":\"" + project + "\",\"name\":\"with-data\",\"inputs\":[{\"dataset\":\"raw-text:1\",\"mountAs\":\"raw\"}]}");
    String other = create(a, "{\"projectId\":\"" + project + "\",\"name\":\"without-data\"}");
    Pod pod = awaitPod(a.teamId(), id);

    // the agent's init container fetches the inputs from notebook-service, onto the team volume
    Container init = pod.getSpec().getInitContainers().stream().filter(c -> c.getArgs().contains("fetch-datasets")).findFirst()
        .orElseThrow(() -> new AssertionError("no fetch-datasets init container: " + pod.getSpec().getInitContainers()));
    assertThat(init.getArgs()).containsSubsequence("--api", AGENT_URL).containsSubsequence("--job", id);
    assertThat(main(pod).getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/datasets/raw");
      assertThat(m.getReadOnly()).isTrue();
    });
    String token = secretValue(awaitSecret(a.teamId(), id), "token");
    assertThat(token).isNotBlank();
    assertThat(pod.toString()).doesNotContain(token);

    HttpResponse<String> list = http.send(java.net.http.HttpRequest.newBuilder(uri("/internal/v1/jobs/" + id + "/datasets"))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    expect(200, list);
    String[] line = list.body().strip().split("\t");
    assertThat(line[0]).isEqualTo("dsv_kubetext1");
    assertThat(line[1]).isEqualTo("raw");
    assertThat(line[2]).isEqualTo("notes%2B1.txt");
    assertThat(line[3]).isEqualTo("6");
    assertThat(line[5]).contains("/blobs/dsv_kubetext1/");

    // that token opens that notebook's list only; no other token opens it
    expect(404, http.send(java.net.http.HttpRequest.newBuilder(uri("/internal/v1/jobs/" + other + "/datasets"))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()));
    expect(401, http.send(java.net.http.HttpRequest.newBuilder(uri("/internal/v1/jobs/" + id + "/datasets"))
        .header(dev.incline.platform.security.InternalTokens.HEADER, FakeServices.TOKENS.issue(a))
        .header("Authorization", "Bearer " + FakeServices.TOKENS.issue(a)).build(), HttpResponse.BodyHandlers.ofString()));
    expect(401, http.send(java.net.http.HttpRequest.newBuilder(uri("/internal/v1/jobs/" + id + "/datasets")).build(),
        HttpResponse.BodyHandlers.ofString()));
    // and it opens nothing else here
    expect(401, http.send(java.net.http.HttpRequest.newBuilder(uri("/api/v1/notebooks/" + id)).header("Authorization", "Bearer " + token)
        .build(), HttpResponse.BodyHandlers.ofString()));

    expect(204, send(a, "DELETE", "/api/v1/notebooks/" + id, null));
    expect(204, send(a, "DELETE", "/api/v1/notebooks/" + other, null));
    await().atMost(WAIT).until(() -> !FakeServices.USAGES.containsKey(id));
  }
}
