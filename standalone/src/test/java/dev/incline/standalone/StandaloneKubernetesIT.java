package dev.incline.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.compute.kubernetes.FakeKubelet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole job lifecycle through the gateway with the runtime set to kubernetes: fabric8's mock
 * API server plays the cluster and a {@link FakeKubelet} runs the pods, whose logs carry chart lines.
 */
class StandaloneKubernetesIT {

  static final String KEY = "k8s-e2e-key-" + UUID.randomUUID();
  static final JsonMapper json = JsonMapper.builder().build();
  static final HttpClient http = HttpClient.newHttpClient();
  static final Map<String, String> CLIENT_PROPERTIES = Map.of(
      "kubernetes.auth.tryKubeConfig", "false",
      "kubernetes.auth.tryServiceAccount", "false",
      "kubernetes.namespace", "default");
  static FakeKubelet kubelet;
  static Standalone standalone;
  static String base;

  @BeforeAll
  static void start() {
    kubelet = FakeKubelet.start();
    kubelet.autopilot(job -> new FakeKubelet.Script(List.of(
        "epoch 1", "{\"chart\": \"loss\", \"x\": 1, \"y\": 0.9}", "{\"chart\": \"loss\", \"x\": 2, \"y\": 0.4}", "done"), 0));
    // fabric8 reads its configuration from system properties: the job-service context builds its client from them.
    System.setProperty("kubernetes.master", kubelet.url());
    CLIENT_PROPERTIES.forEach(System::setProperty);
    Path home = Path.of("target", "k8s-home-" + UUID.randomUUID()).toAbsolutePath();
    standalone = new Standalone(StandaloneSettings.from(Map.of("INCLINE_HOME", home.toString(), "INCLINE_PORT", "0",
        "INCLINE_BOOTSTRAP_API_KEY", KEY, "INCLINE_RUNTIME", "kubernetes")));
    standalone.start();
    base = "http://127.0.0.1:" + standalone.gatewayPort();
  }

  @AfterAll
  static void stop() {
    if (standalone != null) {
      standalone.close();
    }
    if (kubelet != null) {
      kubelet.close();
    }
    System.clearProperty("kubernetes.master");
    CLIENT_PROPERTIES.keySet().forEach(System::clearProperty);
  }

  static HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + key);
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aJobRunsOnTheClusterWithMetricsOverSseThroughTheGateway() throws Exception {
    String project = json.readTree(call("POST", "/api/v1/projects", KEY, "{\"name\": \"cluster\"}").body()).get("id").asString();
    HttpResponse<String> created = call("POST", "/api/v1/jobs", KEY,
        "{\"projectId\": \"" + project + "\", \"command\": \"python train.py\", \"machineType\": \"A100\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = json.readTree(created.body()).get("id").asString();
    SseClient metrics = SseClient.open(http, URI.create(base + "/api/v1/jobs/" + id + "/metrics/stream"), KEY, null);

    await().atMost(Duration.ofMinutes(1)).until(() ->
        List.of("Succeeded", "Failed").contains(json.readTree(call("GET", "/api/v1/jobs/" + id, KEY, null).body()).get("status").asString()));
    JsonNode job = json.readTree(call("GET", "/api/v1/jobs/" + id, KEY, null).body());
    assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("Succeeded");
    assertThat(job.get("runtime").asString()).isEqualTo("kubernetes");

    assertThat(metrics.done.get(60, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(metrics.named("metric")).extracting(e -> json.readTree(e.data()).get("y").asDouble()).containsExactly(0.9, 0.4);
    assertThat(metrics.named("end")).hasSize(1);
    assertThat(call("GET", "/api/v1/jobs/" + id + "/logs", KEY, null).body().lines().toList()).containsExactly("epoch 1", "done");

    // The A100 machine type reached the cluster as a GPU request on the right nodes.
    var pod = kubelet.admin().batch().v1().jobs().inAnyNamespace().list().getItems().stream()
        .filter(j -> id.equals(j.getMetadata().getLabels().get("incline.dev/job"))).findFirst().orElseThrow()
        .getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers().getFirst().getResources().getLimits().get("nvidia.com/gpu").getAmount()).isEqualTo("1");
    assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB");

    String rival = json.readTree(call("POST", "/api/v1/teams", KEY, "{\"name\": \"rival\"}").body()).get("apiKey").asString();
    for (String path : List.of("/api/v1/jobs/" + id, "/api/v1/jobs/" + id + "/logs", "/api/v1/jobs/" + id + "/metrics")) {
      assertThat(call("GET", path, rival, null).statusCode()).as(path).isEqualTo(404);
    }
  }
}
