package dev.incline.notebooks;

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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * notebook-service on real PostgreSQL with the process runtime, its notebooks real Jupyter servers
 * (Debian's jupyter-notebook); {@link FakeServices} stands in for job-service and storage-service.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = NotebookServiceApplication.CONFIG_NAME)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
public abstract class NotebookTestBase {

  static final Path HOME = Path.of("target", "notebooks-it").toAbsolutePath();

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    SharedInfrastructure.properties("notebooks").forEach((k, v) -> registry.add(k, () -> v));
    String fake = FakeServices.url();
    registry.add("incline.internal-token.secret", () -> FakeServices.SECRET);
    registry.add("incline.notebooks.services.jobs", () -> fake);
    registry.add("incline.notebooks.services.storage", () -> fake);
    registry.add("incline.notebooks.dataset-cache", () -> HOME.resolve("datasets").toString());
    registry.add("incline.notebooks.reconcile-interval", () -> "300ms");
    registry.add("incline.notebooks.start-timeout", () -> "90s");
    registry.add("incline.notebooks.stop-grace", () -> "5s");
    registry.add("incline.compute.work-root", () -> HOME.resolve("runs").toString());
    registry.add("incline.compute.storage-root", () -> HOME.resolve("storage").toString());
  }

  @LocalServerPort protected int port;
  @Autowired protected JsonMapper json;
  @Autowired protected WorkloadRuntime runtime;

  protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Jupyter servers outlive the service by design; a test's must not outlive the test. */
  @AfterEach
  void noNotebookOutlivesItsTest() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline && !running().isEmpty()) {
      Thread.sleep(300);
    }
    for (WorkloadRef ref : running()) {
      runtime.delete(ref);
    }
  }

  private List<WorkloadRef> running() {
    return runtime.list().stream().filter(r -> r.kind() == WorkloadRef.Kind.NOTEBOOK)
        .filter(r -> runtime.observe(r).phase() == Phase.RUNNING).toList();
  }

  protected static Caller caller(String team) {
    return new Caller(team, team, "usr_" + team, Role.OWNER, false);
  }

  protected URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  protected HttpRequest.Builder request(Caller caller, String path) {
    return HttpRequest.newBuilder(uri(path)).header(InternalTokens.HEADER, FakeServices.TOKENS.issue(caller))
        .timeout(Duration.ofSeconds(60));
  }

  protected HttpResponse<String> get(Caller caller, String path) throws Exception {
    return http.send(request(caller, path).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  protected HttpResponse<String> send(Caller caller, String method, String path, String body) throws Exception {
    return http.send(request(caller, path).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  protected JsonNode body(HttpResponse<String> response) {
    return json.readTree(response.body());
  }

  protected static void expect(int status, HttpResponse<String> r) {
    if (r.statusCode() != status) {
      throw new AssertionError("expected " + status + " but got " + r.statusCode() + ": " + r.body());
    }
  }

  /** Creates a notebook and answers its id. */
  protected String create(Caller caller, String body) throws Exception {
    HttpResponse<String> r = send(caller, "POST", "/api/v1/notebooks", body);
    expect(201, r);
    return body(r).get("id").asString();
  }

  protected JsonNode awaitStatus(Caller caller, String id, String status, Duration within) {
    JsonNode[] last = new JsonNode[1];
    await().atMost(within).pollInterval(Duration.ofMillis(300)).until(() -> {
      last[0] = body(get(caller, "/api/v1/notebooks/" + id));
      String now = last[0].get("status").asString();
      if (!now.equals(status) && now.equals("Failed")) {
        throw new AssertionError("notebook failed: " + last[0]);
      }
      return now.equals(status);
    });
    return last[0];
  }

  /** The notebook's statuses on the event stream, in order; a new reason in the same status (what it waits for) counts once. */
  protected static String statusesOf(String id) {
    StringBuilder out = new StringBuilder();
    String last = null;
    for (String[] e : FakeServices.EVENTS) {
      if (e[1].contains("\"" + id + "\"")) {
        String status = e[1].replaceAll(".*\"status\":\"([^\"]*)\".*", "$1");
        if (!status.equals(last)) {
          out.append(status).append(' ');
        }
        last = status;
      }
    }
    return out.toString().trim();
  }
}
