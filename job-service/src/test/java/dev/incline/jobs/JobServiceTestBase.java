package dev.incline.jobs;

import dev.incline.embedded.SharedInfrastructure;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import dev.incline.platform.security.Role;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The job service on real PostgreSQL and S3, called with internal tokens as the gateway would. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = JobServiceApplication.CONFIG_NAME)
public abstract class JobServiceTestBase {

  public static final String SECRET = "test-internal-token-secret-0123456789abcdef";
  static final Path WORK = Path.of("target", "test-runs-" + UUID.randomUUID()).toAbsolutePath();

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    SharedInfrastructure.properties("jobs").forEach((k, v) -> registry.add(k, () -> v));
    registry.add("incline.internal-token.secret", () -> SECRET);
    registry.add("incline.compute.work-root", () -> WORK.resolve("runs").toString());
    registry.add("incline.compute.storage-root", () -> WORK.resolve("storage").toString());
    registry.add("incline.jobs.reconcile-interval", () -> "100ms");
    registry.add("incline.jobs.stop-grace", () -> "2s");
    registry.add("incline.jobs.streams.heartbeat", () -> "1s");
    registry.add("incline.jobs.streams.poll", () -> "200ms");
  }

  @LocalServerPort protected int port;
  @Autowired protected JsonMapper json;

  protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final InternalTokens tokens = new InternalTokens(SECRET, Duration.ofMinutes(5), Clock.systemUTC());

  protected static Caller caller(String team) {
    return new Caller(team, team, "usr_" + team, Role.OWNER, false);
  }

  protected String token(Caller caller) {
    return tokens.issue(caller);
  }

  protected URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  protected HttpRequest.Builder request(Caller caller, String path) {
    return HttpRequest.newBuilder(uri(path)).header(InternalTokens.HEADER, token(caller)).timeout(Duration.ofSeconds(60));
  }

  protected HttpResponse<String> get(Caller caller, String path) throws Exception {
    return http.send(request(caller, path).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  protected HttpResponse<String> post(Caller caller, String path, String body) throws Exception {
    return http.send(request(caller, path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  protected HttpResponse<String> delete(Caller caller, String path) throws Exception {
    return http.send(request(caller, path).DELETE().build(), HttpResponse.BodyHandlers.ofString());
  }

  protected JsonNode body(HttpResponse<String> response) {
    return json.readTree(response.body());
  }

  protected String createProject(Caller caller, String name) throws Exception {
    HttpResponse<String> r = post(caller, "/api/v1/projects", "{\"name\": \"" + name + "\"}");
    if (r.statusCode() != 201) {
      throw new AssertionError("project create: " + r.statusCode() + " " + r.body());
    }
    return body(r).get("id").asString();
  }
}
