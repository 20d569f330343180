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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * checking the token's team as job-service does. Another stands in for storage-service's dataset
 * usages ({@code POST /internal/v1/dataset-refs/use}, {@code DELETE /internal/v1/dataset-usages/{usedBy}}):
 * it knows the dataset versions in {@link #DATASET_VERSIONS}, refuses others as storage-service does
 * (422 naming {@code refs[i]}), and records every call it takes with the token's team.
 *
 * <p>Archives unpack within small bounds here: {@value #ARCHIVE_MAX_ENTRIES} entries, {@value
 * #ARCHIVE_MAX_BYTES} bytes.
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

  protected static final int ARCHIVE_MAX_ENTRIES = 100;
  protected static final long ARCHIVE_MAX_BYTES = 4L * 1024 * 1024;

  /** team id → the dataset references storage-service resolves for it ({@code name:dsv_…}) */
  protected static final Map<String, Set<String>> DATASET_VERSIONS = new ConcurrentHashMap<>();
  /** One call storage-service took: {@code use} with refs, or {@code release}. */
  protected record DatasetCall(String kind, String teamId, List<String> refs, String usedBy) {}
  protected static final List<DatasetCall> DATASET_CALLS = new CopyOnWriteArrayList<>();
  /** While set, the stand-in for storage-service drops every connection unanswered, as if it were down. */
  protected static final AtomicBoolean STORAGE_DOWN = new AtomicBoolean();
  private static final HttpServer STORAGE_SERVICE = storageService();

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    SharedInfrastructure.properties("registry").forEach((k, v) -> registry.add(k, () -> v));
    registry.add("incline.internal-token.secret", () -> SECRET);
    registry.add("incline.registry.services.jobs", () -> "http://127.0.0.1:" + JOB_SERVICE.getAddress().getPort());
    registry.add("incline.registry.services.storage", () -> "http://127.0.0.1:" + STORAGE_SERVICE.getAddress().getPort());
    registry.add("incline.registry.archive.max-entries", () -> ARCHIVE_MAX_ENTRIES);
    registry.add("incline.registry.archive.max-unpacked-size", () -> ARCHIVE_MAX_BYTES + "B");
  }

  private static HttpServer storageService() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      var decoder = TOKENS.decoder();
      JsonMapper mapper = JsonMapper.builder().build();
      server.createContext("/internal/v1/", exchange -> {
        try (exchange) {
          if (STORAGE_DOWN.get()) {
            return; // closed without an answer
          }
          Caller caller = caller(decoder, exchange);
          String path = exchange.getRequestURI().getPath();
          if (caller == null) {
            exchange.sendResponseHeaders(401, -1);
          } else if (exchange.getRequestMethod().equals("POST") && path.equals("/internal/v1/dataset-refs/use")) {
            JsonNode request = mapper.readTree(exchange.getRequestBody().readAllBytes());
            List<String> refs = new ArrayList<>();
            request.get("refs").forEach(r -> refs.add(r.asString()));
            List<String> errors = new ArrayList<>();
            for (int i = 0; i < refs.size(); i++) {
              if (!DATASET_VERSIONS.getOrDefault(caller.teamId(), Set.of()).contains(refs.get(i))) {
                errors.add("{\"field\": \"refs[%d]\", \"message\": \"version '%s' not found\"}".formatted(i, refs.get(i)));
              }
            }
            if (errors.isEmpty()) {
              DATASET_CALLS.add(new DatasetCall("use", caller.teamId(), refs, request.path("usedBy").asString(null)));
              respond(exchange, 200, "{\"versions\": []}");
            } else {
              respond(exchange, 422, "{\"status\": 422, \"errors\": [" + String.join(", ", errors) + "]}");
            }
          } else if (exchange.getRequestMethod().equals("DELETE") && path.startsWith("/internal/v1/dataset-usages/")) {
            DATASET_CALLS.add(new DatasetCall("release", caller.teamId(), List.of(),
                path.substring("/internal/v1/dataset-usages/".length())));
            exchange.sendResponseHeaders(204, -1);
          } else {
            exchange.sendResponseHeaders(404, -1);
          }
        }
      });
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void respond(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
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

  /** A streamed upload of an archive, sent as {@code contentType}. */
  protected HttpResponse<String> uploadArchive(Caller caller, String path, String contentType, byte[] bytes) throws Exception {
    return http.send(request(caller, path).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
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
