package dev.incline.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.kubernetes.FakeKubelet;
import dev.incline.compute.kubernetes.KubernetesRuntime;
import dev.incline.platform.security.Caller;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A job through the REST API with {@code incline.compute.runtime=kubernetes}, on fabric8's mock API
 * server where a {@link FakeKubelet} runs each Job: its pod prints chart lines, which must arrive as
 * metrics (stored and over SSE) as they do from the local runtimes.
 */
class KubernetesRuntimeIT extends JobServiceTestBase {

  static final FakeKubelet KUBELET = FakeKubelet.start();

  /** job-service's port, for the stand-in agent below. */
  static volatile int port;
  /** What the stand-in storage-service received: {@code METHOD path body}. */
  static final List<String> STORED = new java.util.concurrent.CopyOnWriteArrayList<>();

  static {
    KUBELET.autopilot(job -> job.getSpec().getTemplate().getSpec().getContainers().getFirst().getCommand()
        .contains("sleep infinity")
        ? new FakeKubelet.Script(List.of("started", "still going"), 0, true)
        : String.join(" ", job.getSpec().getTemplate().getSpec().getContainers().getFirst().getCommand()).contains("make-outputs")
        ? agentSendsOutputs(job)
        : new FakeKubelet.Script(List.of(
            "hello from the cluster",
            "{\"chart\": \"loss\", \"y\": 0.5}",
            "{\"chart\": \"loss\", \"y\": 0.25}"), 0));
  }

  /**
   * Plays storage-service's internal endpoints for dataset inputs: this module is tested on its own
   * (the standalone tests run the two services together).
   */
  static final com.sun.net.httpserver.HttpServer STORAGE = storage();

  /**
   * What the agent's sidecar does once the main container ended: the output directory's files to
   * job-service with the job token, then "uploaded" (the agent's side is tested in the agent module).
   */
  static FakeKubelet.Script agentSendsOutputs(Job job) {
    try {
      var sidecar = job.getSpec().getTemplate().getSpec().getInitContainers().stream()
          .filter(c -> c.getName().equals("artifacts")).findFirst().orElseThrow();
      if (!sidecar.getArgs().contains("features=/workspace/out")) {
        return new FakeKubelet.Script(List.of("the sidecar was not told about the output"), 1);
      }
      String token = KUBELET.admin().secrets().inNamespace(job.getMetadata().getNamespace())
          .withName(job.getMetadata().getName()).get().getStringData().get("token");
      String jobId = job.getMetadata().getLabels().get("incline.dev/job");
      var client = java.net.http.HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + port + "/internal/v1/jobs/" + jobId + "/outputs/features";
      int put = client.send(java.net.http.HttpRequest.newBuilder(URI.create(base + "/files/sub/part-0.csv"))
          .header("Authorization", "Bearer " + token).PUT(java.net.http.HttpRequest.BodyPublishers.ofString("x,y\n1,2\n")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
      int done = client.send(java.net.http.HttpRequest.newBuilder(URI.create(base + "/uploaded"))
          .header("Authorization", "Bearer " + token).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
      return new FakeKubelet.Script(List.of("agent put " + put + ", uploaded " + done), 0);
    } catch (Exception e) {
      return new FakeKubelet.Script(List.of("agent failed: " + e), 1);
    }
  }

  static com.sun.net.httpserver.HttpServer storage() {
    try {
      var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
      com.sun.net.httpserver.HttpHandler handler = ex -> {
        String path = ex.getRequestURI().getPath();
        String received = new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        STORED.add(ex.getRequestMethod() + " " + path + " " + received);
        String draft = "{\"id\": \"dsv_01out\", \"datasetId\": \"ds_01out\", \"dataset\": \"features\", \"version\": 1, \"status\": \"%s\", \"totalBytes\": 8}";
        String body = path.endsWith("/dataset-outputs") ? draft.formatted("draft")
            : path.endsWith("/commit") ? draft.formatted("committed")
            : path.startsWith("/api/v1/datasets/ds_01out/versions/1/files/") ? "{}"
            : path.endsWith("/dataset-refs/use")
            ? "{\"versions\": [{\"id\": \"dsv_01k8s\", \"datasetId\": \"ds_01k8s\", \"dataset\": \"mnist\", \"version\": 3, \"status\": \"committed\", \"totalBytes\": 5}]}"
            : path.endsWith("/dsv_01k8s/manifest")
            ? "{\"versionId\": \"dsv_01k8s\", \"ref\": \"mnist:3\", \"totalBytes\": 5, \"files\": [{\"path\": \"train/a b.csv\", \"size\": 5, \"sha256\": \"ab12\", \"url\": \"https://s3.example/o1?X-Amz-Signature=s\"}]}"
            : null;
        byte[] bytes = body == null ? new byte[0] : body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(body == null ? 204 : 200, body == null ? -1 : bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
      };
      server.createContext("/internal/v1/", handler);
      server.createContext("/api/v1/datasets/", handler);
      server.start();
      return server;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void kubernetes(DynamicPropertyRegistry registry) {
    registry.add("incline.jobs.storage-url", () -> "http://127.0.0.1:" + STORAGE.getAddress().getPort());
    registry.add("incline.compute.runtime", () -> "kubernetes");
    registry.add("incline.compute.kubernetes.controller-namespace", () -> "incline-system");
    registry.add("incline.compute.kubernetes.quota.default.gpus", () -> "2");
    registry.add("incline.jobs.agent-url", () -> "http://incline-job-service.incline-system.svc:8081");
  }

  @TestConfiguration
  static class MockCluster {
    @Bean
    KubernetesClient kubernetesClient() {
      return KUBELET.newClient();
    }
  }

  @AfterAll
  static void stopCluster() {
    KUBELET.close();
    STORAGE.stop(0);
  }

  @Autowired WorkloadRuntime runtime;

  private final Caller kim = caller("team-kube");

  private JsonNode awaitStatus(String id, String... statuses) throws Exception {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> List.of(statuses).contains(body(get(kim, "/api/v1/jobs/" + id)).get("status").asString()));
    return body(get(kim, "/api/v1/jobs/" + id));
  }

  @Test
  void aJobRunsOnTheClusterAndItsChartLinesBecomeMetrics() throws Exception {
    assertThat(runtime).isInstanceOf(KubernetesRuntime.class);
    String project = createProject(kim, "on-kubernetes");
    HttpResponse<String> created = post(kim, "/api/v1/jobs",
        json.writeValueAsString(Map.of("projectId", project, "command", "python train.py", "machineType", "C5")));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = body(created).get("id").asString();

    List<String> metricsStream = readStream("/api/v1/jobs/" + id + "/metrics/stream", Duration.ofSeconds(60));

    JsonNode done = awaitStatus(id, "Succeeded", "Failed");
    assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("Succeeded");
    assertThat(done.get("exitCode").asInt()).isZero();

    assertThat(get(kim, "/api/v1/jobs/" + id + "/logs").body().lines().toList())
        .containsExactly("hello from the cluster");
    JsonNode charts = body(get(kim, "/api/v1/jobs/" + id + "/metrics")).get("charts");
    assertThat(charts.get("loss")).hasSize(2);
    assertThat(charts.get("loss").get(1).get("y").asDouble()).isEqualTo(0.25);
    assertThat(metricsStream).contains("event:end");
    assertThat(String.join("\n", metricsStream)).contains("\"chart\":\"loss\"").contains("0.25");

    // What the cluster was given: the team's namespace and quota, and the Job with the machine type's resources.
    KubernetesClient api = KUBELET.admin();
    String ns = "incline-team-kube";
    assertThat(api.resourceQuotas().inNamespace(ns).withName("incline-quota").get().getSpec().getHard()
        .get("requests.nvidia.com/gpu").getAmount()).isEqualTo("2");
    assertThat(api.network().v1().networkPolicies().inNamespace(ns).withName("incline-isolation").get().getSpec()
        .getIngress().getFirst().getFrom().get(1).getNamespaceSelector().getMatchLabels())
        .containsEntry("kubernetes.io/metadata.name", "incline-system");
    Job job = api.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
        .filter(j -> j.getMetadata().getLabels().get("incline.dev/job").equals(id)).findFirst().orElseThrow();
    var main = job.getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(main.getResources().getLimits().get("cpu").getAmount()).isEqualTo("4");
    assertThat(main.getCommand()).containsExactly("/bin/sh", "-c", "python train.py");
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(done.get("maxRuntimeSeconds").asLong() + 300);
    assertThat(job.getSpec().getTemplate().getSpec().getInitContainers()).extracting(c -> c.getName())
        .contains("artifacts");
    assertThat(api.secrets().inNamespace(ns).withName(job.getMetadata().getName()).get().getStringData())
        .containsKey("token");
  }

  @Autowired dev.incline.jobs.agent.JobTokens jobTokens;

  @Test
  void outputsSentByTheAgentBecomeACommittedVersion() throws Exception {
    port = super.port;
    String project = createProject(kim, "k8s-outputs");
    HttpResponse<String> created = post(kim, "/api/v1/jobs", json.writeValueAsString(Map.of("projectId", project,
        "command", "make-outputs", "outputs", List.of(Map.of("dataset", "features", "from", "out/")))));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = body(created).get("id").asString();
    JsonNode done = awaitStatus(id, "Succeeded", "Failed");
    String log = get(kim, "/api/v1/jobs/" + id + "/logs").body();
    assertThat(done.get("status").asString()).as(log + done).isEqualTo("Succeeded");
    assertThat(log).contains("agent put 201, uploaded 204");
    assertThat(done.get("outputs").get(0).get("version").asString()).isEqualTo("features:1");
    assertThat(STORED).anySatisfy(r -> assertThat(r).isEqualTo("PUT /api/v1/datasets/ds_01out/versions/1/files/sub/part-0.csv x,y\n1,2\n"))
        .anySatisfy(r -> assertThat(r).startsWith("POST /api/v1/datasets/ds_01out/versions/1/commit"));
    // another job's token cannot send into this job's output
    String other = jobTokens.issue("team-kube", "job_01someoneelse00000000000", Duration.ofMinutes(1));
    HttpResponse<String> refused = http.send(java.net.http.HttpRequest.newBuilder(uri("/internal/v1/jobs/" + id + "/outputs/features/uploaded"))
        .header("Authorization", "Bearer " + other).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(404);
  }

  @Test
  void datasetInputsAreFetchedByTheAgentOntoTheTeamVolume() throws Exception {
    String project = createProject(kim, "k8s-datasets");

    HttpResponse<String> created = post(kim, "/api/v1/jobs", json.writeValueAsString(Map.of("projectId", project,
        "command", "ls /datasets/mnist", "inputs", List.of(Map.of("dataset", "mnist:3")))));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = body(created).get("id").asString();
    assertThat(body(created).get("inputs").get(0).get("version").asString()).isEqualTo("mnist:3");
    awaitStatus(id, "Succeeded", "Failed");

    Job job = KUBELET.admin().batch().v1().jobs().inNamespace("incline-team-kube").list().getItems().stream()
        .filter(j -> j.getMetadata().getLabels().get("incline.dev/job").equals(id)).findFirst().orElseThrow();
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers()).extracting(c -> c.getName()).containsExactly("datasets", "artifacts");
    assertThat(pod.getInitContainers().getFirst().getArgs()).startsWith("fetch-datasets").contains("/storage/.incline/datasets");
    assertThat(pod.getContainers().getFirst().getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/datasets/mnist");
      assertThat(m.getSubPath()).isEqualTo(".incline/datasets/dsv_01k8s");
      assertThat(m.getReadOnly()).isTrue();
    });

    // what the agent is told, with the token the pod holds; another job's token gets nothing
    String token = KUBELET.admin().secrets().inNamespace("incline-team-kube").withName(job.getMetadata().getName()).get()
        .getStringData().get("token");
    HttpResponse<String> listing = http.send(java.net.http.HttpRequest.newBuilder(uri("/internal/v1/jobs/" + id + "/datasets"))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(listing.statusCode()).as(listing.body()).isEqualTo(200);
    assertThat(listing.body()).isEqualTo("dsv_01k8s\tmnist\ttrain%2Fa+b.csv\t5\tab12\thttps://s3.example/o1?X-Amz-Signature=s\n");
    HttpResponse<String> other = http.send(java.net.http.HttpRequest.newBuilder(uri("/internal/v1/jobs/job_01other0000000000000000000/datasets"))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(other.statusCode()).isEqualTo(404);
  }

  @Test
  void anotherTeamSeesNothingOfIt() throws Exception {
    String project = createProject(kim, "private");
    String id = body(post(kim, "/api/v1/jobs", json.writeValueAsString(Map.of("projectId", project, "command", "true"))))
        .get("id").asString();
    awaitStatus(id, "Succeeded", "Failed");
    assertThat(get(caller("team-other"), "/api/v1/jobs/" + id).statusCode()).isEqualTo(404);
    assertThat(KUBELET.admin().namespaces().withName("incline-team-other").get()).isNull();
  }

  @Test
  void aStoppedJobIsStoppedAndKeepsItsLogs() throws Exception {
    String project = createProject(kim, "stopping");
    String id = body(post(kim, "/api/v1/jobs", json.writeValueAsString(Map.of("projectId", project,
        "command", "sleep infinity")))).get("id").asString();
    awaitStatus(id, "Running");
    await().atMost(Duration.ofSeconds(30))
        .until(() -> get(kim, "/api/v1/jobs/" + id + "/logs").body().contains("still going"));
    assertThat(post(kim, "/api/v1/jobs/" + id + "/stop", "").statusCode()).isLessThan(300);
    JsonNode done = awaitStatus(id, "Stopped", "Failed", "Succeeded");
    assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("Stopped");
    assertThat(get(kim, "/api/v1/jobs/" + id + "/logs").body().lines().toList()).containsExactly("started", "still going");
    assertThat(KUBELET.admin().pods().inNamespace("incline-team-kube").list().getItems())
        .noneMatch(p -> id.equals(p.getMetadata().getLabels().get("incline.dev/job")));
  }

  /** Raw SSE lines until {@code event:end} (inclusive) or the deadline. */
  private List<String> readStream(String path, Duration max) throws Exception {
    HttpResponse<InputStream> response = http.send(request(kim, path).header("Accept", "text/event-stream")
        .timeout(max).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    List<String> lines = new ArrayList<>();
    long deadline = System.nanoTime() + max.toNanos();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      boolean ending = false;
      while (System.nanoTime() < deadline && (line = reader.readLine()) != null) {
        lines.add(line);
        ending |= line.equals("event:end");
        if (ending && line.isEmpty()) {
          break;
        }
      }
    }
    return lines;
  }
}
