package dev.incline.notebooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Auto-shutdown and idle culling with short times: an "hour" of 4 s, and 10 s without activity in
 * Jupyter's own reports (its {@code /api/status}, its kernels' {@code execution_state}) is idle.
 */
@TestPropertySource(properties = {
    "incline.notebooks.auto-shutdown.hour=4s",
    "incline.notebooks.idle.timeout=10s",
    "incline.notebooks.idle.check-interval=1s"})
class NotebookShutdownIT extends NotebookTestBase {

  @Test
  void stopsAfterAutoShutdownHours() throws Exception {
    Caller a = caller("team_nb_auto");
    String id = create(a, "{\"projectId\":\"" + FakeServices.project(a.teamId()) + "\",\"name\":\"short\",\"autoShutdownHours\":1}");
    JsonNode running = awaitStatus(a, id, "Running", Duration.ofSeconds(90));
    Instant started = Instant.parse(running.get("startedAt").asString());
    assertThat(Instant.parse(running.get("shutdownAt").asString())).isEqualTo(started.plusSeconds(4));
    JsonNode stopped = awaitStatus(a, id, "Stopped", Duration.ofSeconds(30));
    assertThat(stopped.get("reason").asString()).contains("auto-shutdown").contains("1 h");
    assertThat(statusesOf(id)).endsWith("Running Stopping Stopped");
    // stopped, not deleted: it starts again
    expect(200, send(a, "POST", "/api/v1/notebooks/" + id + "/start", null));
    awaitStatus(a, id, "Running", Duration.ofSeconds(90));
    expect(204, send(a, "DELETE", "/api/v1/notebooks/" + id, null));
  }

  @Test
  void idleNotebooksAreCulledButNotWhileAKernelIsBusy() throws Exception {
    Caller a = caller("team_nb_idle");
    String id = create(a, "{\"projectId\":\"" + FakeServices.project(a.teamId()) + "\",\"name\":\"idler\",\"autoShutdownHours\":72}");
    awaitStatus(a, id, "Running", Duration.ofSeconds(90));
    HttpResponse<String> kernel = send(a, "POST", "/notebooks/" + id + "/api/kernels", "{\"name\":\"python3\"}");
    expect(201, kernel);
    String kernelId = body(kernel).get("id").asString();
    URI channels = URI.create("ws://127.0.0.1:" + port + "/notebooks/" + id + "/api/kernels/" + kernelId + "/channels?session_id=idle");
    // Jupyter learns a kernel's state from its messages once it listens to them: a cell sent while the
    // kernel still starts may run before Jupyter hears "busy". A browser's user is slower than that.
    assertThat(KernelChannel.execute(http, channels, Map.of(InternalTokens.HEADER, FakeServices.TOKENS.issue(a)), "1+1")).isEqualTo("2");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        body(get(a, "/notebooks/" + id + "/api/kernels/" + kernelId)).get("execution_state").asString().equals("idle"));
    // 14 s of computing, longer than the idle timeout, with nobody looking: a busy kernel, and the output it
    // writes (every message from a kernel counts), are activity
    Instant before = Instant.now();
    String result = KernelChannel.execute(http, channels, Map.of(InternalTokens.HEADER, FakeServices.TOKENS.issue(a)),
        "import time\nfor i in range(14):\n    time.sleep(1)\n    print(i, flush=True)\n6*7");
    assertThat(result).isEqualTo("42");
    assertThat(Duration.between(before, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(14));
    assertThat(body(get(a, "/api/v1/notebooks/" + id)).get("status").asString()).isEqualTo("Running");

    Instant idleFrom = Instant.now();
    JsonNode stopped = awaitStatus(a, id, "Stopped", Duration.ofSeconds(40));
    assertThat(stopped.get("reason").asString()).startsWith("idle: Jupyter reported no activity for 10 s");
    assertThat(Duration.between(idleFrom, Instant.parse(stopped.get("updatedAt").asString())))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(8));
    expect(204, send(a, "DELETE", "/api/v1/notebooks/" + id, null));
  }
}
