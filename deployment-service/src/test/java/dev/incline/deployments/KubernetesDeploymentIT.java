package dev.incline.deployments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.compute.kubernetes.FakeKubelet;
import dev.incline.deployments.agent.DeploymentTokens;
import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.deployments.deployment.DeploymentRepository;
import dev.incline.deployments.serving.DeploymentIds;
import dev.incline.deployments.serving.ReplicaPool;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
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
 * Deployments with {@code incline.compute.runtime=kubernetes}, on fabric8's mock API server (CRUD):
 * the service applies each deployment's Deployment, Service, HPA and token Secret in the team's
 * namespace and reads back what the cluster says; the test plays the Deployment controller and the
 * kubelet (pods from the template, readiness, the Deployment's status), and the model fetch of the
 * agent (the manifest endpoint with the token from the Secret).
 */
class KubernetesDeploymentIT extends DeploymentTestBase {

  static final FakeKubelet KUBELET = FakeKubelet.start();
  static final String AGENT_URL = "http://incline-deployment-service.incline-system.svc:8084";
  static final String MODEL_SERVER = "registry.example/incline-model-server:0.1.0";

  @DynamicPropertySource
  static void kubernetes(DynamicPropertyRegistry registry) {
    registry.add("incline.compute.runtime", () -> "kubernetes");
    registry.add("incline.compute.kubernetes.controller-namespace", () -> "incline-system");
    registry.add("incline.deployments.agent-url", () -> AGENT_URL);
    registry.add("incline.deployments.model-server.image", () -> MODEL_SERVER);
  }

  @TestConfiguration
  static class MockCluster {
    @Bean
    KubernetesClient kubernetesClient() {
      return KUBELET.newClient();
    }

    /** A short ready timeout: DeploymentTestBase's own properties are registered after this class's, and win. */
    @Bean
    static DynamicPropertyRegistrar shortReadyTimeout() {
      return registry -> registry.add("incline.deployments.ready-timeout", () -> "3s");
    }
  }

  @AfterAll
  static void stopCluster() {
    KUBELET.close();
  }

  @Autowired ReplicaPool pool;
  @Autowired DeploymentTokens tokens;
  @Autowired DeploymentRepository repository;
  @Autowired DeploymentsProperties properties;

  private final KubernetesClient api = KUBELET.admin();
  private final AtomicInteger pods = new AtomicInteger();

  // ------------------------------------------------------------ the API

  private JsonNode create(Caller caller, String body) throws Exception {
    HttpResponse<String> r = send(caller, "POST", "/api/v1/deployments", body);
    expect(201, r);
    return body(r);
  }

  private JsonNode awaitStatus(Caller caller, String id, String status) {
    JsonNode[] last = new JsonNode[1];
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      last[0] = body(get(caller, "/api/v1/deployments/" + id));
      assertThat(last[0].get("status").asString()).as(last[0].toString()).isEqualTo(status);
    });
    return last[0];
  }

  private HttpResponse<String> manifest(String id, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri("/internal/v1/deployments/" + id + "/model-manifest"))
        .timeout(Duration.ofSeconds(30));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A version whose files are these (the fake registry serves them under their names). */
  private static String registerFiles(String team, String name, int version, Map<String, byte[]> files) throws Exception {
    String versionId = "mdv_" + team + name + version;
    String modelId = "mdl_" + team + name;
    StringBuilder list = new StringBuilder();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      BLOBS.put(versionId + "/" + f.getKey(), f.getValue());
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(f.getValue()));
      list.append(list.isEmpty() ? "" : ",").append("{\"path\":\"").append(f.getKey()).append("\",\"size\":")
          .append(f.getValue().length).append(",\"sha256\":\"").append(sha).append("\"}");
    }
    String json = "{\"id\":\"" + versionId + "\",\"modelId\":\"" + modelId + "\",\"model\":\"" + name + "\",\"version\":" + version
        + ",\"format\":\"onnx\",\"files\":[" + list + "]}";
    Map<String, String> refs = MODELS.computeIfAbsent(team, t -> new ConcurrentHashMap<>());
    refs.put(name + ":" + version, json);
    refs.put(modelId + ":" + versionId, json);
    return versionId;
  }

  // ------------------------------------------------------------ the cluster

  private static String ns(String team) {
    return "incline-" + team.replace('_', '-');
  }

  private static String name(String id) {
    return "deployment-" + id.replace('_', '-');
  }

  private Deployment deployment(String team, String id) {
    return api.apps().deployments().inNamespace(ns(team)).withName(name(id)).get();
  }

  private String token(String team, String id) {
    Secret secret = api.secrets().inNamespace(ns(team)).withName(name(id) + "-token").get();
    if (secret.getData() != null && secret.getData().get("token") != null) {
      return new String(Base64.getDecoder().decode(secret.getData().get("token")), StandardCharsets.UTF_8);
    }
    return secret.getStringData().get("token");
  }

  /** What the ReplicaSet controller and the kubelet do: a pod of the Deployment's current template, in the given state. */
  private Pod startPod(String team, String id, PodStatus status) {
    Deployment d = deployment(team, id);
    Map<String, String> labels = new HashMap<>(d.getSpec().getTemplate().getMetadata().getLabels());
    labels.put("pod-template-hash", "r" + d.getSpec().getTemplate().getMetadata().getAnnotations().get("incline.dev/revision"));
    Pod pod = api.resource(new PodBuilder()
        .withNewMetadata().withName(name(id) + "-" + pods.incrementAndGet()).withNamespace(ns(team)).withLabels(labels)
          .withAnnotations(d.getSpec().getTemplate().getMetadata().getAnnotations())
          .withCreationTimestamp(Instant.now().toString()).endMetadata()
        .withSpec(d.getSpec().getTemplate().getSpec())
        .build()).create();
    api.resource(new PodBuilder(pod).withStatus(status).build()).updateStatus();
    controllerStatus(team, id);
    return pod;
  }

  private static PodStatus ready() {
    return new PodStatusBuilder().withPhase("Running")
        .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
        .withContainerStatuses(new ContainerStatusBuilder().withName("main").withReady(true)
            .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(Instant.now().toString()).endRunning().build())
            .build())
        .build();
  }

  private static PodStatus imagePullBackOff(String image) {
    return new PodStatusBuilder().withPhase("Pending")
        .withContainerStatuses(new ContainerStatusBuilder().withName("main").withImage(image)
            .withState(new ContainerStateBuilder().withNewWaiting().withReason("ImagePullBackOff")
                .withMessage("Back-off pulling image").endWaiting().build())
            .build())
        .build();
  }

  private void deletePod(String team, String id, Pod pod) {
    api.pods().inNamespace(ns(team)).withName(pod.getMetadata().getName()).delete();
    controllerStatus(team, id);
  }

  /** The Deployment controller's status: its pods, those ready, those of the current template. */
  private void controllerStatus(String team, String id) {
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
      Deployment d = deployment(team, id);
      String revision = d.getSpec().getTemplate().getMetadata().getAnnotations().get("incline.dev/revision");
      List<Pod> mine = api.pods().inNamespace(ns(team)).withLabel("incline.dev/id", id).list().getItems();
      int ready = (int) mine.stream().filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null
          && p.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")))
          .count();
      int updated = (int) mine.stream().filter(p -> revision.equals(p.getMetadata().getAnnotations().get("incline.dev/revision")))
          .count();
      api.resource(new DeploymentBuilder(d).withNewStatus().withReplicas(mine.size()).withReadyReplicas(ready)
          .withUpdatedReplicas(updated).withObservedGeneration(d.getMetadata().getGeneration()).endStatus().build()).updateStatus();
    });
  }

  // ------------------------------------------------------------ the tests

  @Test
  void aModelDeploymentRunsOnTheClusterAndItsPodsFetchTheModelWithTheirToken() throws Exception {
    Caller team = caller("kube");
    String project = project("kube");
    String v1 = registerModel("kube", "digits", 1, digitsModel(), "onnx");
    JsonNode d = create(team, "{\"projectId\":\"" + project + "\",\"name\":\"digits\",\"model\":\"digits:1\","
        + "\"machineType\":\"C3\",\"replicas\":{\"min\":1,\"max\":2},\"autoscaling\":{\"targetConcurrency\":4}}");
    String id = d.get("id").asString();
    assertThat(d.get("status").asString()).isEqualTo("Pending");

    // what the cluster was given, in the team's namespace (apply writes the objects one after another)
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("kube", id) != null
        && api.autoscaling().v2().horizontalPodAutoscalers().inNamespace("incline-kube").withName(name(id)).get() != null);
    Deployment k8s = deployment("kube", id);
    assertThat(k8s.getMetadata().getNamespace()).isEqualTo("incline-kube");
    assertThat(k8s.getMetadata().getLabels()).containsEntry("incline.dev/team", "kube").containsEntry("incline.dev/id", id)
        .containsEntry("incline.dev/kind", "deployment").containsEntry("incline.dev/project", project);
    assertThat(k8s.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    var pod = k8s.getSpec().getTemplate().getSpec();
    var main = pod.getContainers().getFirst();
    assertThat(main.getImage()).isEqualTo(MODEL_SERVER);
    assertThat(main.getCommand()).isNullOrEmpty(); // the image's entrypoint
    assertThat(main.getResources().getLimits().get("cpu").getAmount()).isEqualTo("2");
    assertThat(io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(main.getResources().getLimits().get("memory")).longValue())
        .isEqualTo(4L << 30);
    assertThat(main.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");
    var fetch = pod.getInitContainers().getFirst();
    assertThat(fetch.getName()).isEqualTo("model");
    assertThat(fetch.getArgs()).containsSequence("fetch-model", "--manifest-url",
        AGENT_URL + "/internal/v1/deployments/" + id + "/model-manifest");
    assertThat(fetch.getEnv().getFirst().getValueFrom().getSecretKeyRef().getName()).isEqualTo(name(id) + "-token");
    assertThat(k8s.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("incline.dev/revision", "1")
        .containsEntry("incline.dev/model-version", v1);
    assertThat(api.services().inNamespace("incline-kube").withName(name(id)).get().getSpec().getPorts().getFirst().getPort())
        .isEqualTo(80);
    var hpa = api.autoscaling().v2().horizontalPodAutoscalers().inNamespace("incline-kube").withName(name(id)).get();
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(1);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(2);
    assertThat(hpa.getSpec().getMetrics().getFirst().getPods().getTarget().getAverageValue().getAmount()).isEqualTo("4");
    assertThat(api.namespaces().withName("incline-kube").get()).isNotNull();

    // nothing ready yet
    JsonNode deploying = awaitStatus(team, id, "Deploying");
    assertThat(deploying.get("replicaStatus")).isEmpty();
    assertThat(pool.pick(DeploymentIds.decode(id).orElseThrow(), null)).isEmpty();

    // the agent's view: the version's files with fresh URLs, with the token from the Secret and nothing else
    String token = token("kube", id);
    HttpResponse<String> listed = manifest(id, "Bearer " + token);
    expect(200, listed);
    assertThat(listed.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    JsonNode files = body(listed).get("files");
    assertThat(files).hasSize(1);
    assertThat(files.get(0).get("path").asString()).isEqualTo("model.onnx");
    assertThat(files.get(0).get("size").asLong()).isEqualTo(Files.size(digitsModel()));
    assertThat(files.get(0).get("sha256").asString()).hasSize(64);
    assertThat(files.get(0).get("url").asString()).startsWith("http://127.0.0.1:").endsWith("/blobs/" + v1 + "/model.onnx");
    String otherDeployment = DeploymentIds.publicId(UUID.randomUUID());
    expect(404, manifest(id, "Bearer " + tokens.issue("kube", otherDeployment)));
    expect(404, manifest(otherDeployment, "Bearer " + tokens.issue("kube", otherDeployment)));
    expect(401, manifest(id, null));
    expect(401, manifest(id, "Bearer not-a-token"));
    expect(401, manifest(id, "Bearer " + TOKENS.issue(team))); // a gateway token is no deployment token
    expect(401, http.send(HttpRequest.newBuilder(uri("/internal/v1/deployments/" + id + "/model-manifest"))
        .header(InternalTokens.HEADER, TOKENS.issue(team)).GET().build(), HttpResponse.BodyHandlers.ofString()));

    // the kubelet: the pod is ready, the deployment Ready, inference routed to its Service
    Pod up = startPod("kube", id, ready());
    JsonNode ready = awaitStatus(team, id, "Ready");
    assertThat(ready.get("replicas").get("ready").asInt()).isEqualTo(1);
    assertThat(ready.get("replicas").get("desired").asInt()).isEqualTo(1);
    JsonNode replica = ready.get("replicaStatus").get(0);
    assertThat(replica.get("id").asString()).isEqualTo(up.getMetadata().getName());
    assertThat(replica.get("status").asString()).isEqualTo("Ready");
    assertThat(replica.get("ready").asBoolean()).isTrue();
    assertThat(replica.get("revision").asInt()).isEqualTo(1);
    assertThat(pool.pick(DeploymentIds.decode(id).orElseThrow(), null)).get().extracting(ReplicaPool.Target::endpoint)
        .isEqualTo(URI.create("http://" + name(id) + ".incline-kube.svc.cluster.local:80"));

    // applying the same revision again writes nothing
    String version = deployment("kube", id).getMetadata().getResourceVersion();
    Thread.sleep(1000);
    assertThat(deployment("kube", id).getMetadata().getResourceVersion()).isEqualTo(version);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      List<String> statuses = EVENTS.stream().filter(e -> e[0].equals("kube") && e[1].contains(id))
          .map(e -> json.readTree(e[1]).get("status").asString()).toList();
      assertThat(statuses).containsSubsequence("Pending", "Deploying", "Ready");
    });
    expect(204, send(team, "DELETE", "/api/v1/deployments/" + id, null));
  }

  @Test
  void anotherVersionRollsOnTheClusterWhileTheEarlierPodServes() throws Exception {
    Caller team = caller("kube-roll");
    String project = project("kube-roll");
    registerModel("kube-roll", "digits", 1, digitsModel(), "onnx");
    Map<String, byte[]> v2files = new LinkedHashMap<>();
    v2files.put("digits-v2.onnx", Files.readAllBytes(digitsModel()));
    v2files.put("labels.txt", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n".getBytes(StandardCharsets.UTF_8));
    String v2 = registerFiles("kube-roll", "digits", 2, v2files);
    String id = create(team, "{\"projectId\":\"" + project + "\",\"name\":\"rolling\",\"model\":\"digits:1\","
        + "\"replicas\":{\"min\":1,\"max\":1}}").get("id").asString();
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("kube-roll", id) != null);
    assertThat(api.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns("kube-roll")).withName(name(id)).get()).isNull();
    Pod old = startPod("kube-roll", id, ready());
    awaitStatus(team, id, "Ready");

    HttpResponse<String> patched = send(team, "PATCH", "/api/v1/deployments/" + id, "{\"model\":\"digits:2\"}");
    expect(200, patched);
    assertThat(body(patched).get("revision").asInt()).isEqualTo(2);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(deployment("kube-roll", id).getSpec().getTemplate()
        .getMetadata().getAnnotations()).containsEntry("incline.dev/revision", "2").containsEntry("incline.dev/model-version", v2));
    controllerStatus("kube-roll", id);
    JsonNode updating = awaitStatus(team, id, "Updating");
    assertThat(updating.get("reason").asString()).contains("rolling to revision 2");
    assertThat(updating.get("replicaStatus").get(0).get("revision").asInt()).isEqualTo(1);
    assertThat(pool.pick(DeploymentIds.decode(id).orElseThrow(), null)).isPresent(); // the earlier pod still serves

    // the new pod fetches the new version: its ONNX file under the name the model server loads, and the rest as they are
    JsonNode files = body(manifest(id, "Bearer " + token("kube-roll", id))).get("files");
    assertThat(files).hasSize(2);
    assertThat(files.get(0).get("path").asString()).isEqualTo("model.onnx");
    assertThat(files.get(0).get("url").asString()).endsWith("/blobs/" + v2 + "/digits-v2.onnx");
    assertThat(files.get(1).get("path").asString()).isEqualTo("labels.txt");

    startPod("kube-roll", id, ready());
    deletePod("kube-roll", id, old);
    JsonNode done = awaitStatus(team, id, "Ready");
    assertThat(done.get("modelVersion").get("versionId").asString()).isEqualTo(v2);
    assertThat(done.get("replicaStatus")).hasSize(1);
    assertThat(done.get("replicaStatus").get(0).get("revision").asInt()).isEqualTo(2);

    // a new scale is a new revision on the cluster: the HPA comes with it
    HttpResponse<String> scaled = send(team, "PATCH", "/api/v1/deployments/" + id, "{\"replicas\":{\"max\":3}}");
    expect(200, scaled);
    assertThat(body(scaled).get("revision").asInt()).isEqualTo(3);
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(api.autoscaling().v2()
        .horizontalPodAutoscalers().inNamespace(ns("kube-roll")).withName(name(id)).get().getSpec().getMaxReplicas()).isEqualTo(3));
    assertThat(deployment("kube-roll", id).getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("incline.dev/revision", "3");
    expect(204, send(team, "DELETE", "/api/v1/deployments/" + id, null));
  }

  @Test
  void aCustomImageRunsItsCommandAndStopStartAndDeleteGoThroughTheCluster() throws Exception {
    Caller team = caller("kube-web");
    String project = project("kube-web");
    String id = create(team, "{\"projectId\":\"" + project + "\",\"name\":\"web\",\"image\":\"ghcr.io/acme/web:1\","
        + "\"command\":\"exec python3 -m http.server $PORT\",\"port\":8000,\"healthPath\":\"/index.html\"}").get("id").asString();
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("kube-web", id) != null);
    var pod = deployment("kube-web", id).getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers()).isNullOrEmpty();
    assertThat(pod.getContainers().getFirst().getImage()).isEqualTo("ghcr.io/acme/web:1");
    assertThat(pod.getContainers().getFirst().getCommand()).containsExactly("/bin/sh", "-c", "exec python3 -m http.server $PORT");
    assertThat(pod.getContainers().getFirst().getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("PORT");
      assertThat(e.getValue()).isEqualTo("8000");
    });
    assertThat(api.secrets().inNamespace(ns("kube-web")).withLabel("incline.dev/id", id).list().getItems()).isEmpty();
    expect(404, manifest(id, "Bearer " + tokens.issue("kube-web", id))); // no model to fetch

    // a pod that cannot pull its image says so, and fails the revision once the ready timeout has passed
    assertThat(properties.readyTimeout()).isEqualTo(Duration.ofSeconds(3));
    Pod stuck = startPod("kube-web", id, imagePullBackOff("ghcr.io/acme/web:1"));
    JsonNode failed = awaitStatus(team, id, "Failed");
    assertThat(failed.get("reason").asString()).startsWith("revision 1 did not become ready: ImagePullBackOff: image ghcr.io/acme/web:1");
    assertThat(failed.get("replicaStatus").get(0).get("status").asString()).isEqualTo("Starting");
    assertThat(failed.get("replicaStatus").get(0).get("reason").asString()).startsWith("ImagePullBackOff");
    // the cluster keeps trying: once it can, the deployment is Ready
    deletePod("kube-web", id, stuck);
    Pod up = startPod("kube-web", id, ready());
    awaitStatus(team, id, "Ready");

    // stop: the objects go (the mock API server does not cascade to pods: the pod goes as the controller would)
    expect(200, send(team, "POST", "/api/v1/deployments/" + id + "/stop", null));
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("kube-web", id) == null);
    api.pods().inNamespace(ns("kube-web")).withName(up.getMetadata().getName()).delete();
    JsonNode stopped = awaitStatus(team, id, "Stopped");
    assertThat(stopped.get("replicaStatus")).isEmpty();
    assertThat(api.services().inNamespace(ns("kube-web")).withName(name(id)).get()).isNull();
    HttpResponse<String> down = send(team, "POST", "/deployments/" + id + "/index.html", null);
    expect(503, down);

    // start: made again
    expect(200, send(team, "POST", "/api/v1/deployments/" + id + "/start", null));
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("kube-web", id) != null);
    awaitStatus(team, id, "Deploying");

    // delete: the objects, then the record
    expect(204, send(team, "DELETE", "/api/v1/deployments/" + id, null));
    expect(404, get(team, "/api/v1/deployments/" + id));
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment("kube-web", id) == null
        && repository.findById(DeploymentIds.decode(id).orElseThrow()).isEmpty());
    assertThat(api.services().inNamespace(ns("kube-web")).withName(name(id)).get()).isNull();
  }

  @Test
  void anotherTeamSeesNothingOfItAndChangesNothingOnTheCluster() throws Exception {
    Caller owner = caller("kube-own");
    String project = project("kube-own");
    registerModel("kube-own", "digits", 1, digitsModel(), "onnx");
    String id = create(owner, "{\"projectId\":\"" + project + "\",\"name\":\"mine\",\"model\":\"digits:1\"}").get("id").asString();
    startPodWhenApplied("kube-own", id);
    awaitStatus(owner, id, "Ready");
    Deployment before = deployment("kube-own", id);
    String secretVersion = api.secrets().inNamespace(ns("kube-own")).withName(name(id) + "-token").get()
        .getMetadata().getResourceVersion();

    Caller other = caller("kube-other");
    project("kube-other");
    expect(404, get(other, "/api/v1/deployments/" + id));
    expect(404, get(other, "/api/v1/deployments/mine"));
    expect(404, send(other, "PATCH", "/api/v1/deployments/" + id, "{\"replicas\":{\"min\":2,\"max\":2}}"));
    expect(404, send(other, "POST", "/api/v1/deployments/" + id + "/stop", null));
    expect(404, send(other, "DELETE", "/api/v1/deployments/" + id, null));
    expect(404, send(other, "POST", "/deployments/" + id + "/v2/models/digits/infer", zeros(1)));
    assertThat(body(get(other, "/api/v1/deployments")).get("items")).isEmpty();
    // a token of the other team naming this deployment finds nothing either
    expect(404, manifest(id, "Bearer " + tokens.issue("kube-other", id)));

    Thread.sleep(1000); // a few ticks
    Deployment after = deployment("kube-own", id);
    assertThat(after.getMetadata().getResourceVersion()).isEqualTo(before.getMetadata().getResourceVersion());
    assertThat(api.secrets().inNamespace(ns("kube-own")).withName(name(id) + "-token").get().getMetadata().getResourceVersion())
        .isEqualTo(secretVersion);
    assertThat(api.apps().deployments().inNamespace(ns("kube-other")).list().getItems()).isEmpty();
    assertThat(body(get(owner, "/api/v1/deployments/" + id)).get("status").asString()).isEqualTo("Ready");
    expect(204, send(owner, "DELETE", "/api/v1/deployments/" + id, null));
  }

  private void startPodWhenApplied(String team, String id) {
    await().atMost(Duration.ofSeconds(30)).until(() -> deployment(team, id) != null);
    startPod(team, id, ready());
  }
}
