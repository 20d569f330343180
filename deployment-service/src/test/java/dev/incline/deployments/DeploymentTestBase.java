package dev.incline.deployments;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * deployment-service on real PostgreSQL with the process runtime, its replicas running the real model
 * server (its executable jar, built before this module). A small HTTP server stands in for
 * job-service (projects, machine types, the event stream) and model-registry (references and files),
 * checking the token's team as they do.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = DeploymentServiceApplication.CONFIG_NAME)
// Each subclass has its own context (another runtime) on the same schema: one reconciler at a time may walk it.
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
public abstract class DeploymentTestBase {

  public static final String SECRET = "test-internal-token-secret-0123456789abcdef";
  protected static final InternalTokens TOKENS = new InternalTokens(SECRET, Duration.ofMinutes(5), Clock.systemUTC());
  /** team id → its project ids */
  protected static final Map<String, Set<String>> PROJECTS = new ConcurrentHashMap<>();
  /** team id → "name:version" and "name:alias" → the version's JSON as model-registry shows it */
  protected static final Map<String, Map<String, String>> MODELS = new ConcurrentHashMap<>();
  /** blob name → bytes, served as the presigned downloads of model files */
  protected static final Map<String, byte[]> BLOBS = new ConcurrentHashMap<>();
  /** events recorded on job-service's stream: team, then the body */
  protected static final List<String[]> EVENTS = new CopyOnWriteArrayList<>();
  private static final HttpServer FAKE = fakeServices();
  private static final Path HOME = Path.of("target", "deployments-it").toAbsolutePath();

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    SharedInfrastructure.properties("deployments").forEach((k, v) -> registry.add(k, () -> v));
    String fake = "http://127.0.0.1:" + FAKE.getAddress().getPort();
    registry.add("incline.internal-token.secret", () -> SECRET);
    registry.add("incline.deployments.services.jobs", () -> fake);
    registry.add("incline.deployments.services.models", () -> fake);
    registry.add("incline.deployments.model-cache", () -> HOME.resolve("models").toString());
    registry.add("incline.deployments.reconcile-interval", () -> "250ms");
    registry.add("incline.deployments.ready-timeout", () -> "60s");
    registry.add("incline.deployments.max-failures", () -> "2");
    registry.add("incline.deployments.autoscaling.window", () -> "2s");
    registry.add("incline.deployments.autoscaling.scale-down-delay", () -> "4s");
    registry.add("incline.compute.work-root", () -> HOME.resolve("runs").toString());
    registry.add("incline.compute.storage-root", () -> HOME.resolve("storage").toString());
    registry.add("incline.deployments.model-server.command", DeploymentTestBase::modelServerCommand);
  }

  /** The real model server, small: two replicas and the tests share two cores. */
  static String modelServerCommand() {
    String jar = System.getProperty("incline.test.model-server-jar");
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException("the model server's jar is not built: " + jar
          + " (run the tests through Maven, which builds model-server first)");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    return String.join(",", java, "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "--enable-native-access=ALL-UNNAMED", "-jar", jar, "--spring.main.banner-mode=off");
  }

  /** The linear digits model the model server's tests build: zero input scores the bias, (j - 5) / 8. */
  protected static Path digitsModel() {
    return Path.of(System.getProperty("incline.test.digits-model"));
  }

  /** Registers a version of an ONNX model with the stand-in registry, under its number and aliases. */
  protected static String registerModel(String team, String name, int version, Path file, String format, String... aliases) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      String versionId = "mdv_" + team + name + version;
      String modelId = "mdl_" + team + name;
      BLOBS.put(versionId + "/model.onnx", bytes);
      String json = "{\"id\":\"" + versionId + "\",\"modelId\":\"" + modelId + "\",\"model\":\"" + name + "\",\"version\":" + version
          + ",\"format\":\"" + format + "\",\"files\":[{\"path\":\"model.onnx\",\"size\":" + bytes.length + ",\"sha256\":\"" + sha + "\"}]}";
      Map<String, String> refs = MODELS.computeIfAbsent(team, t -> new ConcurrentHashMap<>());
      refs.put(name + ":" + version, json);
      refs.put(modelId + ":" + versionId, json);
      for (String alias : aliases) {
        refs.put(name + ":" + alias, json);
      }
      return versionId;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpServer fakeServices() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
      var decoder = TOKENS.decoder();
      server.createContext("/api/v1/projects/", exchange -> {
        String id = exchange.getRequestURI().getPath().substring("/api/v1/projects/".length());
        Caller caller = caller(decoder, exchange);
        int status = caller == null ? 401 : PROJECTS.getOrDefault(caller.teamId(), Set.of()).contains(id) ? 200 : 404;
        respond(exchange, status, null);
      });
      server.createContext("/service/v1/machine-types", exchange -> {
        Caller caller = caller(decoder, exchange);
        respond(exchange, caller == null ? 401 : 200, "[{\"name\":\"C3\",\"cpu\":2,\"memoryGiB\":4,\"nodeSelector\":{}},"
            + "{\"name\":\"A100\",\"cpu\":12,\"memoryGiB\":90,\"gpu\":{\"count\":1,\"model\":\"A100-SXM4-40GB\"},"
            + "\"nodeSelector\":{\"nvidia.com/gpu.product\":\"NVIDIA-A100-SXM4-40GB\"}}]");
      });
      server.createContext("/service/v1/events", exchange -> {
        Caller caller = caller(decoder, exchange);
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (caller != null) {
          EVENTS.add(new String[] {caller.teamId(), body});
        }
        respond(exchange, caller == null ? 401 : 202, null);
      });
      server.createContext("/api/v1/model-versions/", exchange -> {
        String ref = java.net.URLDecoder.decode(exchange.getRequestURI().getRawPath().substring("/api/v1/model-versions/".length()),
            StandardCharsets.UTF_8);
        Caller caller = caller(decoder, exchange);
        String json = caller == null ? null : MODELS.getOrDefault(caller.teamId(), Map.of()).get(ref);
        respond(exchange, caller == null ? 401 : json == null ? 404 : 200, json);
      });
      server.createContext("/api/v1/models/", exchange -> {
        // /api/v1/models/{modelId}/versions/{versionId}/files/{path}?redirect=false
        String[] parts = exchange.getRequestURI().getPath().split("/");
        Caller caller = caller(decoder, exchange);
        String key = parts.length >= 9 ? parts[6] + "/" + parts[8] : "";
        boolean mine = caller != null && parts.length >= 9 && parts[6].startsWith("mdv_" + caller.teamId());
        respond(exchange, mine && BLOBS.containsKey(key) ? 200 : 404,
            "{\"url\":\"http://127.0.0.1:" + exchange.getLocalAddress().getPort() + "/blobs/" + key + "\"}");
      });
      server.createContext("/blobs/", exchange -> {
        byte[] bytes = BLOBS.get(exchange.getRequestURI().getPath().substring("/blobs/".length()));
        if (bytes == null) {
          respond(exchange, 404, null);
          return;
        }
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
      });
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void respond(HttpExchange exchange, int status, String json) throws IOException {
    if (json == null || status >= 400) {
      exchange.sendResponseHeaders(status, -1);
    } else {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
    }
    exchange.close();
  }

  private static Caller caller(org.springframework.security.oauth2.jwt.JwtDecoder decoder, HttpExchange exchange) {
    try {
      return InternalTokens.toCaller(decoder.decode(exchange.getRequestHeaders().getFirst(InternalTokens.HEADER)));
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Autowired(required = false) protected dev.incline.compute.WorkloadRuntime runtime;

  /**
   * Replicas outlive the service by design (a restart re-adopts them); a test's must not outlive the
   * test. Each test deletes its deployments, and the reconciler stops their replicas within a few
   * ticks: wait for that, then stop whatever a failed test left.
   */
  @org.junit.jupiter.api.AfterEach
  void noReplicaOutlivesItsTest() throws Exception {
    if (runtime == null) {
      return;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline && !replicas().isEmpty()) {
      Thread.sleep(250);
    }
    for (dev.incline.compute.WorkloadRef ref : replicas()) {
      runtime.stop(ref, Duration.ofSeconds(2));
      Thread.sleep(2500);
      runtime.delete(ref);
    }
  }

  private List<dev.incline.compute.WorkloadRef> replicas() {
    return runtime.list().stream().filter(r -> r.kind() == dev.incline.compute.WorkloadRef.Kind.DEPLOYMENT)
        .filter(r -> {
          try {
            return runtime.observe(r).phase() == dev.incline.compute.Phase.RUNNING;
          } catch (RuntimeException e) {
            return false;
          }
        }).toList();
  }

  @LocalServerPort protected int port;
  @Autowired protected JsonMapper json;

  protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  protected static Caller caller(String team) {
    return new Caller(team, team, "usr_" + team, Role.OWNER, false);
  }

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

  /** An inference of {@code rows} all-zero digits. */
  protected static String zeros(int rows) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < rows * 64; i++) {
      data.append(i == 0 ? "0" : ",0");
    }
    return "{\"inputs\":[{\"name\":\"input\",\"shape\":[" + rows + ",64],\"datatype\":\"FP32\",\"data\":[" + data + "]}]}";
  }
}
