package dev.incline.notebooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.platform.security.Caller;
import java.time.Duration;
import java.time.Instant;
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
  void idleNotebooksAreCulledButNotWhileJupyterReportsActivity() throws Exception {
    Caller a = caller("team_nb_idle");
    String id = create(a, "{\"projectId\":\"" + FakeServices.project(a.teamId()) + "\",\"name\":\"idler\",\"autoShutdownHours\":72}");
    awaitStatus(a, id, "Running", Duration.ofSeconds(90));
    // 14 s of use, longer than the idle timeout: a request to Jupyter's API every 2 s, which Jupyter itself
    // records as its last activity (kernels' busy state is tested against a stand-in Jupyter in
    // JupyterActivityTest: Debian's Jupyter 6.4 hears kernel status messages late, or not at all, under load)
    Instant before = Instant.now();
    while (Duration.between(before, Instant.now()).compareTo(Duration.ofSeconds(14)) < 0) {
      expect(200, get(a, "/notebooks/" + id + "/api/contents"));
      Thread.sleep(2000);
    }
    assertThat(body(get(a, "/api/v1/notebooks/" + id)).get("status").asString()).isEqualTo("Running");

    Instant idleFrom = Instant.now();
    JsonNode stopped = awaitStatus(a, id, "Stopped", Duration.ofSeconds(40));
    assertThat(stopped.get("reason").asString()).startsWith("idle: Jupyter reported no activity for 10 s");
    assertThat(Duration.between(idleFrom, Instant.parse(stopped.get("updatedAt").asString())))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(8));
    expect(204, send(a, "DELETE", "/api/v1/notebooks/" + id, null));
  }
}
