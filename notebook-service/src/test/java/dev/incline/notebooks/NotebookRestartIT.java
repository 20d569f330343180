package dev.incline.notebooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.embedded.SharedInfrastructure;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import dev.incline.platform.security.Role;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * notebook-service stops while a notebook runs and starts again: the Jupyter server keeps running (its
 * kernel too), and the new instance re-adopts it from the database: same server, same token, reached
 * through the proxy at once.
 */
class NotebookRestartIT {

  private static final Path HOME = Path.of("target", "notebooks-restart-it").toAbsolutePath();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final JsonMapper json = JsonMapper.builder().build();

  private static ConfigurableApplicationContext start() {
    Map<String, Object> p = new HashMap<>(SharedInfrastructure.properties("notebooks_restart"));
    p.put("server.port", "0");
    p.put("incline.internal-token.secret", FakeServices.SECRET);
    p.put("incline.notebooks.services.jobs", FakeServices.url());
    p.put("incline.notebooks.services.storage", FakeServices.url());
    p.put("incline.notebooks.reconcile-interval", "300ms");
    p.put("incline.compute.work-root", HOME.resolve("runs").toString());
    p.put("incline.compute.storage-root", HOME.resolve("storage").toString());
    // as arguments: default properties would lose to notebook-service.yaml's own values
    return NotebookServiceApplication.application().run(p.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
        .toArray(String[]::new));
  }

  private static int port(ConfigurableApplicationContext c) {
    return Integer.parseInt(c.getEnvironment().getProperty("local.server.port"));
  }

  private HttpResponse<String> call(int port, Caller caller, String method, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header(InternalTokens.HEADER, FakeServices.TOKENS.issue(caller)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRestartReadoptsTheRunningNotebook() throws Exception {
    Caller a = new Caller("team_nb_restart", "team_nb_restart", "usr_restart", Role.OWNER, false);
    String project = FakeServices.project(a.teamId());
    String id;
    String started;
    String kernel;
    WorkloadRef ref;
    try (ConfigurableApplicationContext first = start()) {
      int port = port(first);
      HttpResponse<String> created = call(port, a, "POST", "/api/v1/notebooks", "{\"projectId\":\"" + project + "\",\"name\":\"survivor\"}");
      assertThat(created.statusCode()).isEqualTo(201);
      id = json.readTree(created.body()).get("id").asString();
      ref = new WorkloadRef(a.teamId(), WorkloadRef.Kind.NOTEBOOK, id);
      await().atMost(Duration.ofSeconds(90)).until(() ->
          json.readTree(call(port, a, "GET", "/api/v1/notebooks/" + id, null).body()).get("status").asString().equals("Running"));
      started = json.readTree(call(port, a, "GET", "/notebooks/" + id + "/api/status", null).body()).get("started").asString();
      kernel = json.readTree(call(port, a, "POST", "/notebooks/" + id + "/api/kernels", "{\"name\":\"python3\"}").body()).get("id").asString();
      URI channels = URI.create("ws://127.0.0.1:" + port + "/notebooks/" + id + "/api/kernels/" + kernel + "/channels?session_id=r");
      assertThat(KernelChannel.execute(http, channels, Map.of(InternalTokens.HEADER, FakeServices.TOKENS.issue(a)), "x = 20\nx + 1"))
          .isEqualTo("21");
    }
    try (ConfigurableApplicationContext second = start()) {
      int port = port(second);
      WorkloadRuntime runtime = second.getBean(WorkloadRuntime.class);
      try {
        assertThat(runtime.observe(ref).phase()).isEqualTo(Phase.RUNNING);
        JsonNode view = json.readTree(call(port, a, "GET", "/api/v1/notebooks/" + id, null).body());
        assertThat(view.get("status").asString()).isEqualTo("Running");
        // the same Jupyter server, and the kernel kept its state across the service's restart
        HttpResponse<String> status = call(port, a, "GET", "/notebooks/" + id + "/api/status", null);
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(json.readTree(status.body()).get("started").asString()).isEqualTo(started);
        URI channels = URI.create("ws://127.0.0.1:" + port + "/notebooks/" + id + "/api/kernels/" + kernel + "/channels?session_id=r2");
        assertThat(KernelChannel.execute(http, channels, Map.of(InternalTokens.HEADER, FakeServices.TOKENS.issue(a)), "x * 2"))
            .isEqualTo("40");
        assertThat(call(port, a, "DELETE", "/api/v1/notebooks/" + id, null).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(30)).until(() -> runtime.observe(ref).phase() == Phase.NOT_FOUND);
      } finally {
        runtime.delete(ref);
      }
    }
  }
}
