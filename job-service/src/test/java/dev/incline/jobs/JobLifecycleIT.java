package dev.incline.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.platform.security.Caller;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class JobLifecycleIT extends JobServiceTestBase {

  private final Caller alice = caller("team-alice");
  private final Caller bob = caller("team-bob");

  private JsonNode awaitStatus(Caller caller, String jobId, String... statuses) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> java.util.List.of(statuses).contains(body(get(caller, "/api/v1/jobs/" + jobId)).get("status").asString()));
    try {
      return body(get(caller, "/api/v1/jobs/" + jobId));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aJobRunsToSuccessWithLogsMetricsAndArtifacts() throws Exception {
    String project = createProject(alice, "lifecycle");
    String command = "echo hello; echo '{\"chart\": \"loss\", \"x\": 1, \"y\": 0.5}'; echo '{\"chart\": \"loss\", \"y\": 0.25}'; "
        + "echo '{\"chart\": \"loss\", \"y\": NaN}'; echo not-json >&2; printf model > $INCLINE_ARTIFACTS_DIR/model.bin";
    HttpResponse<String> created = post(alice, "/api/v1/jobs",
        json.writeValueAsString(java.util.Map.of("projectId", project, "command", command)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = body(created).get("id").asString();
    assertThat(body(created).get("status").asString()).isEqualTo("Pending");

    JsonNode done = awaitStatus(alice, id, "Succeeded", "Failed");
    assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("Succeeded");
    assertThat(done.get("exitCode").asInt()).isZero();
    assertThat(done.get("startedAt").isNull()).isFalse();
    assertThat(done.get("finishedAt").isNull()).isFalse();

    String logs = get(alice, "/api/v1/jobs/" + id + "/logs").body();
    assertThat(logs.lines().toList()).containsExactly("hello", "{\"chart\": \"loss\", \"y\": NaN}", "not-json");

    JsonNode charts = body(get(alice, "/api/v1/jobs/" + id + "/metrics")).get("charts");
    assertThat(charts.get("loss")).hasSize(2);
    assertThat(charts.get("loss").get(0).get("x").asDouble()).isEqualTo(1.0);
    assertThat(charts.get("loss").get(1).get("x").asDouble()).isEqualTo(2.0);
    assertThat(charts.get("loss").get(1).get("y").asDouble()).isEqualTo(0.25);

    JsonNode artifacts = body(get(alice, "/api/v1/jobs/" + id + "/artifacts"));
    assertThat(artifacts).hasSize(1);
    assertThat(artifacts.get(0).get("path").asString()).isEqualTo("model.bin");
    HttpResponse<String> download = get(alice, "/api/v1/jobs/" + id + "/artifacts/model.bin?redirect=false");
    assertThat(download.body()).isEqualTo("model");
    HttpResponse<String> redirect = get(alice, "/api/v1/jobs/" + id + "/artifacts/model.bin");
    assertThat(redirect.statusCode()).isEqualTo(302);
    String location = redirect.headers().firstValue("Location").orElseThrow();
    assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(location)).build(),
        HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("model");

    JsonNode history = body(get(alice, "/api/v1/jobs/" + id + "/history"));
    assertThat(history.findValuesAsString("status")).containsSubsequence("Pending", "Provisioning", "Succeeded");
  }

  @Test
  void aFailingCommandReportsItsExitCode() throws Exception {
    String project = createProject(alice, "failing");
    String id = body(post(alice, "/api/v1/jobs", "{\"projectId\": \"" + project + "\", \"command\": \"exit 7\"}")).get("id").asString();
    JsonNode done = awaitStatus(alice, id, "Failed", "Succeeded");
    assertThat(done.get("status").asString()).isEqualTo("Failed");
    assertThat(done.get("exitCode").asInt()).isEqualTo(7);
    assertThat(done.get("reason").asString()).contains("7");
  }

  @Test
  void stoppingARunningJobEndsItAsStopped() throws Exception {
    String project = createProject(alice, "stopping");
    String id = body(post(alice, "/api/v1/jobs", "{\"projectId\": \"" + project + "\", \"command\": \"echo up; sleep 300\"}")).get("id").asString();
    awaitStatus(alice, id, "Running");
    HttpResponse<String> stop = post(alice, "/api/v1/jobs/" + id + "/stop", "");
    assertThat(stop.statusCode()).isEqualTo(200);
    JsonNode done = awaitStatus(alice, id, "Stopped", "Failed", "Succeeded");
    assertThat(done.get("status").asString()).isEqualTo("Stopped");
    assertThat(post(alice, "/api/v1/jobs/" + id + "/stop", "").statusCode()).as("stop is idempotent").isEqualTo(200);
    assertThat(delete(alice, "/api/v1/jobs/" + id).statusCode()).isEqualTo(204);
    assertThat(get(alice, "/api/v1/jobs/" + id).statusCode()).isEqualTo(404);
  }

  @Test
  void maxRuntimeEndsAJobAsFailed() throws Exception {
    String project = createProject(alice, "deadline");
    String id = body(post(alice, "/api/v1/jobs", "{\"projectId\": \"" + project + "\", \"command\": \"sleep 300\", \"maxRuntimeSeconds\": 1}")).get("id").asString();
    JsonNode done = awaitStatus(alice, id, "Failed", "Succeeded", "Stopped");
    assertThat(done.get("status").asString()).isEqualTo("Failed");
    assertThat(done.get("reason").asString()).contains("maxRuntimeSeconds");
  }

  @Test
  void anotherTeamSeesNothing() throws Exception {
    String project = createProject(alice, "private");
    String id = body(post(alice, "/api/v1/jobs", "{\"projectId\": \"" + project + "\", \"command\": \"echo secret\"}")).get("id").asString();
    awaitStatus(alice, id, "Succeeded");
    for (String path : new String[] {"/api/v1/jobs/" + id, "/api/v1/jobs/" + id + "/logs", "/api/v1/jobs/" + id + "/metrics",
        "/api/v1/jobs/" + id + "/artifacts", "/api/v1/jobs/" + id + "/history", "/api/v1/projects/" + project}) {
      assertThat(get(bob, path).statusCode()).as(path).isEqualTo(404);
    }
    assertThat(post(bob, "/api/v1/jobs/" + id + "/stop", "").statusCode()).isEqualTo(404);
    assertThat(delete(bob, "/api/v1/jobs/" + id).statusCode()).isEqualTo(404);
    assertThat(post(bob, "/api/v1/jobs", "{\"projectId\": \"" + project + "\", \"command\": \"echo x\"}").statusCode()).isEqualTo(404);
    assertThat(body(get(bob, "/api/v1/jobs")).get("items")).isEmpty();
  }

  @Test
  void badInputIsAProblemNamingTheField() throws Exception {
    String project = createProject(alice, "validation");
    HttpResponse<String> r = post(alice, "/api/v1/jobs", "{\"projectId\": \"" + project + "\", \"machineType\": \"Z9\", \"maxRuntimeSeconds\": -5}");
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).contains("application/problem+json");
    assertThat(body(r).get("errors").findValuesAsString("field")).contains("command", "machineType", "maxRuntimeSeconds");
    HttpResponse<String> malformed = post(alice, "/api/v1/jobs", "{\"projectId\": ");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(body(malformed).get("type").asString()).endsWith("malformed-request");
    assertThat(post(alice, "/api/v1/jobs", "{\"projectId\": \"prj_nope\", \"command\": \"x\"}").statusCode()).isEqualTo(404);
    assertThat(body(get(alice, "/api/v1/jobs?projectId=" + project)).get("items")).isEmpty();
  }

  @Test
  void idempotencyKeyReturnsTheFirstJob() throws Exception {
    String project = createProject(alice, "idempotent");
    String body = "{\"projectId\": \"" + project + "\", \"command\": \"echo once\"}";
    var request = request(alice, "/api/v1/jobs").header("Content-Type", "application/json").header("Idempotency-Key", "ci-run-42");
    HttpResponse<String> first = http.send(request.POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> second = http.send(request.POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(second.statusCode()).isEqualTo(201);
    assertThat(body(second).get("id").asString()).isEqualTo(body(first).get("id").asString());
    assertThat(second.headers().firstValue("Idempotent-Replayed")).contains("true");
    HttpResponse<String> other = http.send(request.POST(java.net.http.HttpRequest.BodyPublishers.ofString(body.replace("once", "twice"))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(other.statusCode()).isEqualTo(422);
  }

  @Test
  void requestsWithoutAValidInternalTokenAreRejected() throws Exception {
    var r = http.send(java.net.http.HttpRequest.newBuilder(uri("/api/v1/jobs")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(401);
    var forged = http.send(java.net.http.HttpRequest.newBuilder(uri("/api/v1/jobs"))
        .header("X-Incline-Token", new dev.incline.platform.security.InternalTokens("another-secret-that-is-long-enough-000", Duration.ofMinutes(1), java.time.Clock.systemUTC()).issue(alice))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(get(alice, "/api/v1/machine-types").body()).contains("A100", "memoryGiB");
  }

  @org.springframework.beans.factory.annotation.Autowired dev.incline.jobs.machine.MachineTypeCatalog catalog;

  @Test
  void theBuiltInCatalogKeepsNodeLabelKeysIntact() {
    // Spring drops '/' and '.' from unbracketed map keys: the YAML must quote them as "[...]".
    assertThat(catalog.find("A100").orElseThrow().nodeSelector())
        .containsEntry("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB");
    assertThat(catalog.find("C3").orElseThrow().nodeSelector()).isEmpty();
  }
}
