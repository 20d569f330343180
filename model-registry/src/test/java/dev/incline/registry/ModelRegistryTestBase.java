package dev.incline.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.incline.embedded.SharedInfrastructure;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import dev.incline.platform.security.Role;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * model-registry on real PostgreSQL and S3, called with internal tokens as the gateway would. A
 * small HTTP server stands in for job-service: its project lookups and {@code GET /api/v1/jobs/{id}},
 * checking the token's team as job-service does.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = ModelRegistryApplication.CONFIG_NAME)
public abstract class ModelRegistryTestBase {

  public static final String SECRET = "test-internal-token-secret-0123456789abcdef";
  protected static final InternalTokens TOKENS = new InternalTokens(SECRET, Duration.ofMinutes(5), Clock.systemUTC());
  /** team id → its project ids */
  protected static final Map<String, Set<String>> PROJECTS = new ConcurrentHashMap<>();
  /** team id → job id → the job's JSON as job-service shows it */
  protected static final Map<String, Map<String, String>> JOBS = new ConcurrentHashMap<>();
  private static final HttpServer JOB_SERVICE = jobService();

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    SharedInfrastructure.properties("registry").forEach((k, v) -> registry.add(k, () -> v));
    registry.add("incline.internal-token.secret", () -> SECRET);
    registry.add("incline.registry.services.jobs", () -> "http://127.0.0.1:" + JOB_SERVICE.getAddress().getPort());
  }

  private static HttpServer jobService() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      var decoder = TOKENS.decoder();
      server.createContext("/api/v1/projects/", exchange -> {
        String id = exchange.getRequestURI().getPath().substring("/api/v1/projects/".length());
        Caller caller = caller(decoder, exchange);
        int status = caller == null ? 401 : PROJECTS.getOrDefault(caller.teamId(), Set.of()).contains(id) ? 200 : 404;
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
      });
      server.createContext("/api/v1/jobs/", exchange -> {
        String id = exchange.getRequestURI().getPath().substring("/api/v1/jobs/".length());
        Caller caller = caller(decoder, exchange);
        String job = caller == null ? null : JOBS.getOrDefault(caller.teamId(), Map.of()).get(id);
        if (job == null) {
          exchange.sendResponseHeaders(caller == null ? 401 : 404, -1);
        } else {
          byte[] body = job.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
        }
        exchange.close();
      });
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Caller caller(org.springframework.security.oauth2.jwt.JwtDecoder decoder, HttpExchange exchange) {
    try {
      return InternalTokens.toCaller(decoder.decode(exchange.getRequestHeaders().getFirst(InternalTokens.HEADER)));
    } catch (RuntimeException e) {
      return null;
    }
  }

  @LocalServerPort protected int port;
  @Autowired protected JsonMapper json;

  protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  protected static Caller caller(String team) {
    return new Caller(team, team, "usr_" + team, Role.OWNER, false);
  }

  /** A project of the team, known to the stand-in for job-service. */
  protected static String project(String team) {
    String id = "prj_" + team + Long.toHexString(System.nanoTime());
    PROJECTS.computeIfAbsent(team, t -> ConcurrentHashMap.newKeySet()).add(id);
    return id;
  }

  protected URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  protected HttpRequest.Builder request(Caller caller, String path) {
    return HttpRequest.newBuilder(uri(path)).header(InternalTokens.HEADER, TOKENS.issue(caller)).timeout(Duration.ofSeconds(60));
  }

  protected HttpResponse<String> get(Caller caller, String path) throws Exception {
    return http.send(request(caller, path).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  protected HttpResponse<String> post(Caller caller, String path, String body) throws Exception {
    return send(caller, "POST", path, body);
  }

  protected HttpResponse<String> send(Caller caller, String method, String path, String body) throws Exception {
    return http.send(request(caller, path).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A streamed upload of one file. */
  protected HttpResponse<String> upload(Caller caller, String path, byte[] bytes) throws Exception {
    return http.send(request(caller, path).header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
  }

  protected HttpResponse<String> delete(Caller caller, String path) throws Exception {
    return http.send(request(caller, path).DELETE().build(), HttpResponse.BodyHandlers.ofString());
  }

  protected JsonNode body(HttpResponse<String> response) {
    return json.readTree(response.body());
  }

  protected static void expect(int status, HttpResponse<String> r) {
    if (r.statusCode() != status) {
      throw new AssertionError("expected " + status + " but got " + r.statusCode() + ": " + r.body());
    }
  }
}
