package dev.incline.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The platform as a user meets it: the standalone on embedded PostgreSQL and S3, driven only
 * through the gateway with an API key, running the real PyTorch example.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneIT {

  static final String KEY = "e2e-admin-key-" + UUID.randomUUID();
  static final Path HOME = Path.of("target", "e2e-home-" + UUID.randomUUID()).toAbsolutePath();
  static final JsonMapper json = JsonMapper.builder().build();
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static Standalone standalone;
  static String base;
  static String project;
  /** The job that trained the digits model (test 2), for registering its model (test 2b). */
  static String trainedJob;
  /** The deployment of digits:production (test 4), served again after the restart (test 6). */
  static String deployment;

  @BeforeAll
  static void start() {
    standalone = new Standalone(settings());
    standalone.start();
    base = "http://127.0.0.1:" + standalone.gatewayPort();
  }

  static StandaloneSettings settings() {
    return StandaloneSettings.from(Map.of("INCLINE_HOME", HOME.toString(), "INCLINE_PORT", "0",
        "INCLINE_BOOTSTRAP_API_KEY", KEY));
  }

  @AfterAll
  static void stop() {
    if (standalone != null) {
      standalone.close();
    }
  }

  static HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + key);
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode ok(HttpResponse<String> r, int status) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return json.readTree(r.body());
  }

  static JsonNode job(String id) throws Exception {
    return ok(call("GET", "/api/v1/jobs/" + id, KEY, null), 200);
  }

  static JsonNode awaitStatus(String id, String... statuses) {
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
        .until(() -> List.of(statuses).contains(job(id).get("status").asString()));
    try {
      return job(id);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static String createJob(String command, String uploadId) throws Exception {
    String workspace = uploadId == null ? "" : ", \"workspace\": {\"uploadId\": \"" + uploadId + "\"}";
    return ok(call("POST", "/api/v1/jobs", KEY, "{\"projectId\": \"" + project + "\", \"command\": "
        + json.writeValueAsString(command) + workspace + "}"), 201).get("id").asString();
  }

  /** The example directory as a tar.gz, as a user would upload it. */
  static byte[] exampleWorkspace() throws Exception {
    Path dir = Path.of("..", "examples", "train-digits");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
      for (String name : List.of("train.py", "README.md")) {
        byte[] content = Files.readAllBytes(dir.resolve(name));
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  static String upload(byte[] archive, String fileName) throws Exception {
    String boundary = "incline-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
        + "\"\r\nContent-Type: application/gzip\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.write(archive);
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/workspaces"))
        .header("Authorization", "Bearer " + KEY).header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    return ok(r, 201).get("uploadId").asString();
  }

  @Test
  @Order(1)
  void theBootstrapKeyWorksAndAProjectCanBeCreated() throws Exception {
    // INCLINE_PORT=0 asked for any free port: neither service may fall back to its own default.
    assertThat(standalone.gatewayPort()).isNotIn(0, 8080, 8081);
    assertThat(standalone.jobServicePort()).isNotIn(0, 8080, 8081);
    assertThat(Files.readString(HOME.resolve("admin-api-key")).trim()).isEqualTo(KEY);
    JsonNode me = ok(call("GET", "/api/v1/me", KEY, null), 200);
    assertThat(me.get("team").get("name").asString()).isEqualTo("default");
    project = ok(call("POST", "/api/v1/projects", KEY, "{\"name\": \"digits\"}"), 201).get("id").asString();
    assertThat(ok(call("GET", "/api/v1/machine-types", KEY, null), 200).toString()).contains("A100");
  }

  @Test
  @Order(2)
  void thePyTorchExampleTrainsWithLiveMetricsAndLeavesItsModel() throws Exception {
    String uploadId = upload(exampleWorkspace(), "train-digits.tar.gz");
    String id = createJob("python3 train.py --epochs 3", uploadId);
    trainedJob = id;
    SseClient metrics = SseClient.open(http, URI.create(base + "/api/v1/jobs/" + id + "/metrics/stream"), KEY, null);
    SseClient logs = SseClient.open(http, URI.create(base + "/api/v1/jobs/" + id + "/logs?follow=true"), KEY, null);

    JsonNode done = awaitStatus(id, "Succeeded", "Failed", "Stopped");
    String log = call("GET", "/api/v1/jobs/" + id + "/logs", KEY, null).body();
    assertThat(done.get("status").asString()).as(log).isEqualTo("Succeeded");
    assertThat(done.get("exitCode").asInt()).isZero();

    assertThat(metrics.done.get(60, TimeUnit.SECONDS)).isEqualTo(200);
    List<SseClient.Event> points = metrics.named("metric");
    assertThat(points).hasSizeGreaterThan(20);
    List<JsonNode> parsed = points.stream().map(e -> json.readTree(e.data())).toList();
    assertThat(parsed).anySatisfy(p -> assertThat(p.get("chart").asString()).isEqualTo("loss"));
    List<JsonNode> accuracy = parsed.stream().filter(p -> p.get("chart").asString().equals("accuracy")).toList();
    assertThat(accuracy).hasSize(3);
    assertThat(accuracy.getLast().get("y").asDouble()).isGreaterThan(0.9);
    assertThat(metrics.named("end")).hasSize(1);

    assertThat(logs.done.get(60, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(logs.named("log").stream().map(e -> json.readTree(e.data()).get("line").asString()))
        .anySatisfy(l -> assertThat(l).startsWith("final test accuracy"))
        .noneSatisfy(l -> assertThat(l).contains("\"chart\""));

    JsonNode charts = ok(call("GET", "/api/v1/jobs/" + id + "/metrics?maxPoints=10", KEY, null), 200).get("charts");
    assertThat(charts.get("loss").size()).isEqualTo(10);

    JsonNode artifacts = ok(call("GET", "/api/v1/jobs/" + id + "/artifacts", KEY, null), 200);
    assertThat(artifacts.findValuesAsString("path")).contains("model.onnx", "metrics.json");
    HttpResponse<String> redirect = call("GET", "/api/v1/jobs/" + id + "/artifacts/metrics.json", KEY, null);
    assertThat(redirect.statusCode()).isEqualTo(302);
    String presigned = redirect.headers().firstValue("Location").orElseThrow();
    JsonNode metricsFile = json.readTree(http.send(HttpRequest.newBuilder(URI.create(presigned)).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    assertThat(metricsFile.get("accuracy").asDouble()).isEqualTo(accuracy.getLast().get("y").asDouble());
    HttpResponse<byte[]> model = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/jobs/" + id + "/artifacts/model.onnx?redirect=false"))
        .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(model.statusCode()).isEqualTo(200);
    assertThat(model.body().length).isGreaterThan(1000);
  }

  @Test
  @Order(3)
  void theTrainedModelIsRegisteredFromItsJobAndPromoted() throws Exception {
    assertThat(trainedJob).as("test 2 trained the model").isNotNull();
    ok(call("POST", "/api/v1/models", KEY, "{\"projectId\": \"" + project + "\", \"name\": \"digits\", \"format\": \"onnx\"}"), 201);
    JsonNode version = ok(call("POST", "/api/v1/models/digits/versions", KEY,
        "{\"fromJob\": {\"jobId\": \"" + trainedJob + "\", \"path\": \"model.onnx\"}, \"metrics\": {\"accuracy\": 0.95}}"), 201);
    assertThat(version.get("version").asInt()).isEqualTo(1);
    assertThat(version.toString()).contains("\"input\"").contains("\"scores\"").contains("FP32").contains(trainedJob);
    ok(call("PUT", "/api/v1/models/digits/aliases/production", KEY, "{\"version\": 1}"), 200);
    JsonNode production = ok(call("GET", "/api/v1/model-versions/digits:production", KEY, null), 200);
    assertThat(production.get("id").asString()).isEqualTo(version.get("id").asString());
    HttpResponse<String> redirect = call("GET", "/api/v1/models/digits/versions/production/files/model.onnx", KEY, null);
    assertThat(redirect.statusCode()).isEqualTo(302);
    byte[] model = http.send(HttpRequest.newBuilder(URI.create(redirect.headers().firstValue("Location").orElseThrow())).build(),
        HttpResponse.BodyHandlers.ofByteArray()).body();
    assertThat(model.length).isEqualTo(version.get("size").asLong());
    // another team: nothing of it
    String other = ok(call("POST", "/api/v1/teams", KEY, "{\"name\": \"model-rivals\"}"), 201).get("apiKey").asString();
    assertThat(call("GET", "/api/v1/models/digits", other, null).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/api/v1/model-versions/digits:production", other, null).statusCode()).isEqualTo(404);
  }

  /**
   * The end to end: the model the example job trained, registered from the job and promoted
   * to production, deployed as {@code digits:production}, answers sklearn's real digits through the
   * gateway as well as the job said it would: the job's test split (the same rows, rebuilt by
   * {@code /usr/bin/python3} with the job's seed), scored by the deployment, within 1% of the
   * accuracy in the job's metrics.json.
   */
  @Test
  @Order(4)
  void theProductionModelIsDeployedAndAnswersRealDigitsAsAccuratelyAsTheJobReported() throws Exception {
    assertThat(trainedJob).as("test 2 trained the model").isNotNull();
    HttpResponse<String> metricsRedirect = call("GET", "/api/v1/jobs/" + trainedJob + "/artifacts/metrics.json", KEY, null);
    double reported = json.readTree(http.send(HttpRequest.newBuilder(URI.create(metricsRedirect.headers().firstValue("Location")
        .orElseThrow())).build(), HttpResponse.BodyHandlers.ofString()).body()).get("accuracy").asDouble();

    JsonNode created = ok(call("POST", "/api/v1/deployments", KEY, "{\"projectId\": \"" + project + "\", \"name\": \"digits\","
        + " \"model\": \"digits:production\", \"machineType\": \"C3\", \"replicas\": {\"min\": 1, \"max\": 2}}"), 201);
    deployment = created.get("id").asString();
    assertThat(created.get("modelVersion").get("ref").asString()).isEqualTo("digits:1");
    awaitDeployment(deployment, "Ready");
    // PATCH through the gateway (its upstream client once could not send one)
    assertThat(ok(call("PATCH", "/api/v1/deployments/" + deployment, KEY, "{\"replicas\": {\"min\": 1, \"max\": 1}}"), 200)
        .get("replicas").get("max").asInt()).isEqualTo(1);

    // the job's test split: 360 rows of raw 0..16 pixel values, and their labels
    Process p = new ProcessBuilder("/usr/bin/python3", "-c", String.join("\n",
        "import json, numpy as np",
        "from sklearn.datasets import load_digits",
        "from sklearn.model_selection import train_test_split",
        "d = load_digits()",
        "_, x, _, y = train_test_split(d.data.astype(np.float32), d.target.astype(np.int64), test_size=0.2, random_state=0, stratify=d.target)",
        "print(json.dumps({'x': x.tolist(), 'y': y.tolist()}))")).redirectErrorStream(true).start();
    JsonNode split = json.readTree(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    assertThat(p.waitFor()).isZero();
    int n = split.get("y").size();
    assertThat(n).isEqualTo(360);
    String request = "{\"id\": \"e2e\", \"inputs\": [{\"name\": \"input\", \"shape\": [" + n + ", 64], \"datatype\": \"FP32\","
        + " \"data\": " + split.get("x") + "}]}";
    JsonNode answer = ok(call("POST", "/deployments/" + deployment + "/v2/models/digits/infer", KEY, request), 200);
    JsonNode out = answer.get("outputs").get(0);
    assertThat(out.get("shape").toString()).isEqualTo("[" + n + ",10]");
    int correct = 0;
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int j = 1; j < 10; j++) {
        if (out.get("data").get(i * 10 + j).asDouble() > out.get("data").get(i * 10 + best).asDouble()) {
          best = j;
        }
      }
      correct += best == split.get("y").get(i).asInt() ? 1 : 0;
    }
    double accuracy = correct / (double) n;
    System.out.printf("deployment digits:production: accuracy %.4f over %d test digits; the job reported %.4f%n", accuracy, n, reported);
    assertThat(accuracy).as("deployment accuracy vs the job's %.4f", reported).isCloseTo(reported, within(0.01));
    assertThat(ok(call("GET", "/deployments/" + deployment + "/v2/models/digits", KEY, null), 200).get("inputs").get(0)
        .get("name").asString()).isEqualTo("input");

    // the team's event stream told the story
    SseClient events = SseClient.open(http, URI.create(base + "/api/v1/events?after=0"), KEY, null);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(events.named("status").stream()
        .map(e -> json.readTree(e.data())).filter(e -> e.get("id").asString().equals(deployment))
        .map(e -> e.get("status").asString())).containsSubsequence("Pending", "Deploying", "Ready"));

    // another team: the deployment does not exist for it, on the API and on inference
    String other = ok(call("POST", "/api/v1/teams", KEY, "{\"name\": \"deployment-rivals\"}"), 201).get("apiKey").asString();
    assertThat(call("GET", "/api/v1/deployments/" + deployment, other, null).statusCode()).isEqualTo(404);
    assertThat(call("POST", "/deployments/" + deployment + "/v2/models/digits/infer", other, request).statusCode()).isEqualTo(404);
    assertThat(call("POST", "/deployments/" + deployment + "/v2/models/digits/infer", "ink_wrong", request).statusCode()).isEqualTo(401);
  }

  @Test
  @Order(4)
  void aNotebookOpensThroughTheGatewayOverHttpAndWebSocketForItsTeamOnly() throws Exception {
    JsonNode created = ok(call("POST", "/api/v1/notebooks", KEY, "{\"projectId\": \"" + project + "\", \"name\": \"explore\"}"), 201);
    String id = created.get("id").asString();
    assertThat(created.get("url").asString()).isEqualTo("/notebooks/" + id + "/");
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
        assertThat(ok(call("GET", "/api/v1/notebooks/" + id, KEY, null), 200).get("status").asString()).isEqualTo("Running"));

    HttpResponse<String> tree = call("GET", "/notebooks/" + id + "/tree", KEY, null);
    assertThat(tree.statusCode()).isEqualTo(200);
    assertThat(tree.body()).contains("data-jupyter-api-token=\"\"");
    assertThat(tree.headers().allValues("set-cookie")).isEmpty();
    String kernel = ok(call("POST", "/notebooks/" + id + "/api/kernels", KEY, "{\"name\": \"python3\"}"), 201).get("id").asString();
    URI channels = URI.create(base.replace("http://", "ws://") + "/notebooks/" + id + "/api/kernels/" + kernel + "/channels?session_id=e2e");
    assertThat(KernelSocket.execute(http, channels, Map.of("Authorization", "Bearer " + KEY), "1+1")).isEqualTo("2");

    // a browser: the key once in the URL, then the notebook's cookie on its pages and on the kernel's socket
    HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "/notebooks/" + id + "/tree?key=" + KEY)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(login.statusCode()).isEqualTo(303);
    String cookie = login.headers().firstValue("set-cookie").orElseThrow().split(";", 2)[0];
    assertThat(cookie).startsWith("incline_notebook_key=");
    assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/notebooks/" + id + "/tree")).header("Cookie", cookie).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(KernelSocket.execute(http, channels, Map.of("Cookie", cookie), "6*7")).isEqualTo("42");

    // another team, or no key: nothing, on HTTP and on the upgrade
    String other = ok(call("POST", "/api/v1/teams", KEY, "{\"name\": \"notebook-rivals\"}"), 201).get("apiKey").asString();
    assertThat(call("GET", "/notebooks/" + id + "/tree", other, null).statusCode()).isEqualTo(404);
    assertThat(call("POST", "/notebooks/" + id + "/api/kernels", other, "{}").statusCode()).isEqualTo(404);
    assertThat(call("GET", "/api/v1/notebooks/" + id, other, null).statusCode()).isEqualTo(404);
    assertThat(KernelSocket.refusal(http, channels, Map.of("Authorization", "Bearer " + other))).isEqualTo(404);
    assertThat(KernelSocket.refusal(http, channels, Map.of())).isEqualTo(401);
    assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/notebooks/" + id + "/tree")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);

    ok(call("POST", "/api/v1/notebooks/" + id + "/stop", KEY, null), 200);
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
        assertThat(ok(call("GET", "/api/v1/notebooks/" + id, KEY, null), 200).get("status").asString()).isEqualTo("Stopped"));
    assertThat(call("DELETE", "/api/v1/notebooks/" + id, KEY, null).statusCode()).isEqualTo(204);

    // the team's event stream told the story, with the reason of the stop
    SseClient events = SseClient.open(http, URI.create(base + "/api/v1/events?after=0"), KEY, null);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<JsonNode> mine = events.named("status").stream().map(e -> json.readTree(e.data()))
          .filter(e -> e.get("id").asString().equals(id)).toList();
      assertThat(mine.stream().map(e -> e.get("status").asString()))
          .containsSubsequence("Pending", "Provisioning", "Running", "Stopping", "Stopped", "Deleted");
      assertThat(mine).allMatch(e -> e.get("kind").asString().equals("notebook"));
      assertThat(mine.stream().filter(e -> e.get("status").asString().equals("Stopping")).findFirst().orElseThrow()
          .get("reason").asString()).startsWith("stopped by usr_");
    });
  }

  static JsonNode awaitDeployment(String id, String status) {
    JsonNode[] last = new JsonNode[1];
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      last[0] = ok(call("GET", "/api/v1/deployments/" + id, KEY, null), 200);
      assertThat(last[0].get("status").asString()).as(last[0].toString()).isEqualTo(status);
    });
    return last[0];
  }

  static HttpResponse<String> putFile(String path, byte[] bytes) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + KEY)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static double cacheCount(String result) throws Exception {
    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + standalone.jobServicePort()
        + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
    return metrics.lines().filter(l -> l.startsWith("incline_datasets_cache_total{") && l.contains("result=\"" + result + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  @Order(3)
  @ExtendWith(OutputCaptureExtension.class)
  void aJobReadsADatasetWithASecretAndItsOutputBecomesANewVersion(CapturedOutput output) throws Exception {
    ok(call("POST", "/api/v1/datasets", KEY, "{\"projectId\": \"" + project + "\", \"name\": \"raw-text\"}"), 201);
    ok(call("POST", "/api/v1/datasets/raw-text/versions", KEY, "{\"message\": \"first cut\"}"), 201);
    ok(putFile("/api/v1/datasets/raw-text/versions/1/files/train/a.txt", "hello dataset\n".getBytes()), 201);
    ok(call("POST", "/api/v1/datasets/raw-text/versions/1/commit", KEY, null), 200);
    String token = "tok-" + UUID.randomUUID();
    ok(call("PUT", "/api/v1/secrets/API_TOKEN", KEY, "{\"value\": \"" + token + "\"}"), 201);

    String command = String.join("; ",
        "cat $INCLINE_DATASETS_DIR/raw/train/a.txt",
        "test \"$API_TOKEN\" = \"" + token + "\" && echo secret-ok",
        // read-only by file mode on the process runtime (root ignores modes: docs/operations.md), by mount on docker
        "stat -c 'mode=%a' $INCLINE_DATASETS_DIR/raw/train/a.txt $INCLINE_DATASETS_DIR/raw/train",
        "mkdir -p out/sub && cp $INCLINE_DATASETS_DIR/raw/train/a.txt out/sub/copy.txt && echo extra > out/b.txt");
    String body = "{\"projectId\": \"" + project + "\", \"command\": " + json.writeValueAsString(command)
        + ", \"secrets\": [\"API_TOKEN\"], \"inputs\": [{\"dataset\": \"raw-text:1\", \"mountAs\": \"raw\"}]"
        + ", \"outputs\": [{\"dataset\": \"derived\", \"from\": \"out\"}]}";
    JsonNode created = ok(call("POST", "/api/v1/jobs", KEY, body), 201);
    String id = created.get("id").asString();
    assertThat(created.get("inputs").get(0).get("version").asString()).isEqualTo("raw-text:1");
    double misses = cacheCount("miss");

    JsonNode done = awaitStatus(id, "Succeeded", "Failed", "Stopped");
    String log = call("GET", "/api/v1/jobs/" + id + "/logs", KEY, null).body();
    assertThat(done.get("status").asString()).as(log + done).isEqualTo("Succeeded");
    assertThat(log).contains("hello dataset", "secret-ok", "mode=444", "mode=555").doesNotContain(token);
    assertThat(done.get("outputs").get(0).get("version").asString()).isEqualTo("derived:1");
    assertThat(cacheCount("miss")).isEqualTo(misses + 1);

    // the output is a committed version with the job as its lineage
    JsonNode derived = ok(call("GET", "/api/v1/dataset-versions/derived:1", KEY, null), 200);
    assertThat(derived.get("status").asString()).isEqualTo("committed");
    assertThat(derived.get("producedByJob").asString()).isEqualTo(id);
    assertThat(derived.get("fileCount").asInt()).isEqualTo(2);
    HttpResponse<String> redirect = call("GET", "/api/v1/datasets/derived/versions/1/files/sub/copy.txt", KEY, null);
    assertThat(http.send(HttpRequest.newBuilder(URI.create(redirect.headers().firstValue("Location").orElseThrow())).build(),
        HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("hello dataset\n");

    // a second job reading the same version copies nothing
    double hits = cacheCount("hit");
    String again = ok(call("POST", "/api/v1/jobs", KEY, "{\"projectId\": \"" + project + "\", \"command\": \"ls $INCLINE_DATASETS_DIR/raw/train\""
        + ", \"inputs\": [{\"dataset\": \"raw-text\", \"mountAs\": \"raw\"}]}"), 201).get("id").asString();
    assertThat(awaitStatus(again, "Succeeded", "Failed").get("status").asString()).isEqualTo("Succeeded");
    assertThat(call("GET", "/api/v1/jobs/" + again + "/logs", KEY, null).body()).contains("a.txt");
    assertThat(cacheCount("hit")).isEqualTo(hits + 1);
    assertThat(cacheCount("miss")).isEqualTo(misses + 1);

    // what jobs use cannot be deleted; names that do not resolve are refused at create time
    HttpResponse<String> inUse = call("DELETE", "/api/v1/datasets/raw-text/versions/1", KEY, null);
    assertThat(inUse.statusCode()).isEqualTo(409);
    assertThat(inUse.body()).contains(id);
    HttpResponse<String> missing = call("POST", "/api/v1/jobs", KEY, "{\"projectId\": \"" + project + "\", \"command\": \"true\""
        + ", \"secrets\": [\"NOPE\"], \"inputs\": [{\"dataset\": \"raw-text:7\"}]}");
    assertThat(missing.statusCode()).isEqualTo(422);
    assertThat(missing.body()).contains("secrets[0]");
    HttpResponse<String> badInput = call("POST", "/api/v1/jobs", KEY, "{\"projectId\": \"" + project + "\", \"command\": \"true\""
        + ", \"inputs\": [{\"dataset\": \"raw-text:7\"}]}");
    assertThat(badInput.statusCode()).isEqualTo(422);
    assertThat(json.readTree(badInput.body()).get("errors").get(0).get("field").asString()).isEqualTo("inputs[0].dataset");

    // another team: its own namespace of names, none of ours
    String other = ok(call("POST", "/api/v1/teams", KEY, "{\"name\": \"dataset-rivals\"}"), 201).get("apiKey").asString();
    assertThat(call("GET", "/api/v1/datasets/raw-text", other, null).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/api/v1/dataset-versions/derived:1", other, null).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/api/v1/secrets/API_TOKEN", other, null).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/api/v1/datasets/raw-text/versions/1/files/train/a.txt", other, null).statusCode()).isEqualTo(404);
    String otherProject = ok(call("POST", "/api/v1/projects", other, "{\"name\": \"theirs\"}"), 201).get("id").asString();
    HttpResponse<String> stolen = call("POST", "/api/v1/jobs", other, "{\"projectId\": \"" + otherProject + "\", \"command\": \"true\""
        + ", \"secrets\": [\"API_TOKEN\"], \"inputs\": [{\"dataset\": \"raw-text:1\"}]}");
    assertThat(stolen.statusCode()).isEqualTo(422);
    assertThat(stolen.body()).doesNotContain(token);

    // the secret's value was never printed by any service
    assertThat(output.getAll()).doesNotContain(token);
    assertThat(call("GET", "/api/v1/audit-events", KEY, null).body()).doesNotContain(token);
  }

  @Test
  @Order(3)
  void anotherTeamGetsNotFoundOnEveryJobEndpoint() throws Exception {
    String id = createJob("echo private", null);
    awaitStatus(id, "Succeeded");
    String other = ok(call("POST", "/api/v1/teams", KEY, "{\"name\": \"rivals\"}"), 201).get("apiKey").asString();
    String[] gets = {"/api/v1/jobs/" + id, "/api/v1/jobs/" + id + "/logs", "/api/v1/jobs/" + id + "/logs?follow=true",
        "/api/v1/jobs/" + id + "/metrics", "/api/v1/jobs/" + id + "/metrics/stream", "/api/v1/jobs/" + id + "/artifacts",
        "/api/v1/jobs/" + id + "/artifacts/anything.txt", "/api/v1/jobs/" + id + "/history", "/api/v1/projects/" + project};
    for (String path : gets) {
      HttpResponse<String> r = call("GET", path, other, null);
      assertThat(r.statusCode()).as("GET " + path).isEqualTo(404);
      assertThat(r.body()).doesNotContain("private");
    }
    assertThat(call("POST", "/api/v1/jobs/" + id + "/stop", other, null).statusCode()).isEqualTo(404);
    assertThat(call("DELETE", "/api/v1/jobs/" + id, other, null).statusCode()).isEqualTo(404);
    assertThat(call("POST", "/api/v1/jobs", other, "{\"projectId\": \"" + project + "\", \"command\": \"echo x\"}").statusCode()).isEqualTo(404);
    assertThat(ok(call("GET", "/api/v1/jobs", other, null), 200).get("items")).isEmpty();
    assertThat(job(id).get("status").asString()).isEqualTo("Succeeded");
  }

  @Test
  @Order(4)
  void aRunningJobCanBeStopped() throws Exception {
    String id = createJob("echo started; sleep 600", null);
    awaitStatus(id, "Running");
    ok(call("POST", "/api/v1/jobs/" + id + "/stop", KEY, null), 200);
    JsonNode stopped = awaitStatus(id, "Stopped", "Failed", "Succeeded");
    assertThat(stopped.get("status").asString()).isEqualTo("Stopped");
    assertThat(call("GET", "/api/v1/jobs/" + id + "/logs", KEY, null).body()).contains("started");
  }

  @Test
  @Order(5)
  void aJobServiceRestartMidJobLosesNoLineOrPoint() throws Exception {
    String id = createJob("for i in $(seq 1 60); do echo \"{\\\"chart\\\": \\\"step\\\", \\\"y\\\": $i}\"; echo line-$i; sleep 0.1; done", null);
    await().atMost(Duration.ofMinutes(1)).until(() -> call("GET", "/api/v1/jobs/" + id + "/logs", KEY, null).body().contains("line-10"));
    standalone.restartJobService();
    JsonNode done = awaitStatus(id, "Succeeded", "Failed", "Stopped");
    assertThat(done.get("status").asString()).isEqualTo("Succeeded");
    List<String> lines = call("GET", "/api/v1/jobs/" + id + "/logs", KEY, null).body().lines().toList();
    assertThat(lines).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 60).mapToObj(i -> "line-" + i).toList());
    JsonNode step = ok(call("GET", "/api/v1/jobs/" + id + "/metrics", KEY, null), 200).get("charts").get("step");
    assertThat(step).hasSize(60);
    for (int i = 0; i < 60; i++) {
      assertThat(step.get(i).get("y").asDouble()).isEqualTo(i + 1.0);
      assertThat(step.get(i).get("x").asDouble()).isEqualTo(i);
    }
    // A client that was cut off by the restart resumes where it stopped.
    SseClient resumed = SseClient.open(http, URI.create(base + "/api/v1/jobs/" + id + "/metrics/stream"), KEY, "50");
    assertThat(resumed.done.get(30, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(resumed.named("metric")).hasSize(10);
    assertThat(resumed.named("metric").getFirst().id()).isEqualTo("51");
  }

  @Test
  @Order(6)
  void aSecondStartKeepsEverything() throws Exception {
    standalone.close();
    standalone = new Standalone(settings());
    standalone.start();
    base = "http://127.0.0.1:" + standalone.gatewayPort();
    assertThat(ok(call("GET", "/api/v1/projects/" + project, KEY, null), 200).get("name").asString()).isEqualTo("digits");
    assertThat(ok(call("GET", "/api/v1/jobs?projectId=" + project, KEY, null), 200).get("items").size()).isGreaterThanOrEqualTo(4);
    // the deployment's replica kept running through the restart and is served again, re-adopted
    assertThat(deployment).as("test 4 deployed the model").isNotNull();
    String replica = ok(call("GET", "/api/v1/deployments/" + deployment, KEY, null), 200).get("replicaStatus").get(0).get("id").asString();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(call("GET", "/deployments/" + deployment + "/v2/health/ready", KEY, null).statusCode()).isEqualTo(200));
    JsonNode after = awaitDeployment(deployment, "Ready");
    assertThat(after.get("replicaStatus").get(0).get("id").asString()).isEqualTo(replica);
    ok(call("DELETE", "/api/v1/deployments/" + deployment, KEY, null), 204);
    // its replica (a model server process serving a file of this INCLINE_HOME) is stopped
    await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.allProcesses()
        .noneMatch(p -> p.info().commandLine().orElse("").contains(HOME.resolve("models").toString())));
  }
}
