package dev.incline.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.incline.embedded.SharedInfrastructure;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = GatewayApplication.CONFIG_NAME)
class GatewayIT {

  static final String SECRET = "gateway-test-internal-secret-0123456789";
  static final String ADMIN_KEY = "test-admin-key-0123456789abcdef";
  static final Path KEY_FILE = Path.of("target", "gateway-it-" + System.nanoTime(), "admin-api-key").toAbsolutePath();
  static final Map<String, Map<String, List<String>>> upstreamRequests = new ConcurrentHashMap<>();
  static final List<String> upstreamRawUris = new java.util.concurrent.CopyOnWriteArrayList<>();
  static final HttpServer upstream = upstream();

  static HttpServer upstream() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext("/deployments/", exchange -> {
        upstreamRequests.put(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()));
        byte[] body = ("{\"outputs\":[],\"got\":" + exchange.getRequestBody().readAllBytes().length + "}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      });
      server.createContext("/api/v1/jobs", exchange -> {
        upstreamRequests.put(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()));
        upstreamRawUris.add(exchange.getRequestURI().toString());
        if (exchange.getRequestURI().getPath().endsWith("/logs")) {
          exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
          exchange.sendResponseHeaders(200, 0);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write("id: 1\nevent: log\ndata: {\"line\":\"first\"}\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(3000);
            out.write("id: 2\nevent: log\ndata: {\"line\":\"second\"}\n\n".getBytes(StandardCharsets.UTF_8));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return;
        }
        byte[] body = "{\"upstream\":true}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      });
      server.start();
      return server;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stopUpstream() {
    upstream.stop(0);
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    SharedInfrastructure.properties("gateway").forEach((k, v) -> registry.add(k, () -> v));
    registry.add("incline.internal-token.secret", () -> SECRET);
    registry.add("incline.gateway.bootstrap.api-key", () -> ADMIN_KEY);
    registry.add("incline.gateway.bootstrap.key-file", KEY_FILE::toString);
    registry.add("incline.gateway.services.jobs", () -> "http://127.0.0.1:" + upstream.getAddress().getPort());
    registry.add("incline.gateway.services.deployments", () -> "http://127.0.0.1:" + upstream.getAddress().getPort());
  }

  @LocalServerPort int port;
  @Autowired JsonMapper json;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonNode json(HttpResponse<String> r) {
    return json.readTree(r.body());
  }

  @Test
  void bootstrapKeyIsWrittenPrivatelyAndAuthenticatesAsTheDefaultTeamsOwner() throws Exception {
    assertThat(Files.readString(KEY_FILE).trim()).isEqualTo(ADMIN_KEY);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(KEY_FILE))).isEqualTo("rw-------");
    JsonNode me = json(call("GET", "/api/v1/me", ADMIN_KEY, null));
    assertThat(me.get("team").get("name").asString()).isEqualTo("default");
    assertThat(me.get("role").asString()).isEqualTo("owner");
    assertThat(me.get("platformAdmin").asBoolean()).isTrue();
    var viaHeader = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/me"))
        .header("X-API-Key", ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(viaHeader.statusCode()).isEqualTo(200);
  }

  @Test
  void missingOrWrongKeysAreProblems() throws Exception {
    HttpResponse<String> none = call("GET", "/api/v1/me", null, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("Content-Type").orElseThrow()).contains("application/problem+json");
    assertThat(json(none).get("type").asString()).endsWith("/unauthenticated");
    assertThat(call("GET", "/api/v1/jobs", "ink_not-a-real-key-at-all", null).statusCode()).isEqualTo(401);
    assertThat(call("GET", "/actuator/health", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void keysAreShownOnceListedByPrefixAndRevocable() throws Exception {
    HttpResponse<String> created = call("POST", "/api/v1/api-keys", ADMIN_KEY, "{\"name\": \"ci\"}");
    assertThat(created.statusCode()).isEqualTo(201);
    String key = json(created).get("key").asString();
    String id = json(created).get("id").asString();
    assertThat(key).startsWith("ink_").hasSize(44);
    assertThat(call("GET", "/api/v1/me", key, null).statusCode()).isEqualTo(200);
    String list = call("GET", "/api/v1/api-keys", ADMIN_KEY, null).body();
    assertThat(list).contains(id, key.substring(0, 8)).doesNotContain(key);
    assertThat(call("DELETE", "/api/v1/api-keys/" + id, ADMIN_KEY, null).statusCode()).isEqualTo(204);
    assertThat(call("GET", "/api/v1/me", key, null).statusCode()).isEqualTo(401);
  }

  @Test
  void teamsAreSeparateAndOnlyPlatformAdminsCreateThem() throws Exception {
    HttpResponse<String> created = call("POST", "/api/v1/teams", ADMIN_KEY, "{\"name\": \"vision\", \"owner\": {\"name\": \"Vera\", \"email\": \"vera@example.com\"}}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String visionKey = json(created).get("apiKey").asString();
    assertThat(json(created).get("owner").get("userId").asString()).startsWith("usr_");
    JsonNode me = json(call("GET", "/api/v1/me", visionKey, null));
    assertThat(me.get("team").get("name").asString()).isEqualTo("vision");
    assertThat(me.get("platformAdmin").asBoolean()).isFalse();
    assertThat(call("POST", "/api/v1/teams", visionKey, "{\"name\": \"sneaky\"}").statusCode()).isEqualTo(403);
    assertThat(call("POST", "/api/v1/teams", ADMIN_KEY, "{\"name\": \"Bad Name!\"}").statusCode()).isEqualTo(422);
    assertThat(call("POST", "/api/v1/teams", ADMIN_KEY, "{\"name\": \"vision\"}").statusCode()).isEqualTo(409);

    HttpResponse<String> invited = call("POST", "/api/v1/teams/vision/members", visionKey, "{\"email\": \"vic@example.com\", \"role\": \"viewer\"}");
    assertThat(invited.statusCode()).isEqualTo(201);
    String viewerKey = json(invited).get("apiKey").asString();
    assertThat(json(call("GET", "/api/v1/me", viewerKey, null)).get("role").asString()).isEqualTo("viewer");
    assertThat(call("GET", "/api/v1/teams/vision/members", visionKey, null).body()).contains("vera@example.com", "vic@example.com");
    assertThat(call("POST", "/api/v1/teams/vision/members", viewerKey, "{\"email\": \"x@example.com\"}").statusCode()).isEqualTo(403);
    // another team's members: not found, not forbidden
    assertThat(call("GET", "/api/v1/teams/default/members", visionKey, null).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/api/v1/teams/vision/members", ADMIN_KEY, null).statusCode()).isEqualTo(404);
    assertThat(call("POST", "/api/v1/teams/vision/members", visionKey, "{\"email\": \"y@example.com\", \"role\": \"emperor\"}").statusCode()).isEqualTo(422);
  }

  @Test
  void mutatingCallsAreAudited() throws Exception {
    call("POST", "/api/v1/api-keys", ADMIN_KEY, "{\"name\": \"audited\"}");
    JsonNode events = json(call("GET", "/api/v1/audit-events?limit=5", ADMIN_KEY, null));
    assertThat(events.get("items").get(0).get("method").asString()).isEqualTo("POST");
    assertThat(events.get("items").get(0).get("path").asString()).isEqualTo("/api/v1/api-keys");
    assertThat(events.get("items").get(0).get("status").asInt()).isEqualTo(201);
    assertThat(events.toString()).doesNotContain("audited"); // bodies are never recorded
    HttpResponse<String> created = call("POST", "/api/v1/teams", ADMIN_KEY, "{\"name\": \"audit-team\"}");
    String otherKey = json(created).get("apiKey").asString();
    JsonNode otherEvents = json(call("GET", "/api/v1/audit-events", otherKey, null));
    assertThat(otherEvents.get("items")).isEmpty();
  }

  /**
   * Inference reaches deployment-service as the caller (a fresh internal token, no key), is not
   * audited (data, not a change to the platform), and needs a key like the API.
   */
  @Test
  void inferenceIsRoutedToDeploymentServiceAsTheCallerAndNotAudited() throws Exception {
    String path = "/deployments/dep_01jd8x4m2q7r9s0t1v2w3x4y5z/v2/models/digits/infer";
    assertThat(call("POST", path, null, "{}").statusCode()).isEqualTo(401);
    HttpResponse<String> r = call("POST", path, ADMIN_KEY, "{\"inputs\":[]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("got").asInt()).isEqualTo(13);
    Map<String, List<String>> headers = upstreamRequests.get(path);
    assertThat(headers.keySet().stream().map(String::toLowerCase)).doesNotContain("authorization", "x-api-key");
    String token = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(InternalTokens.HEADER))
        .findFirst().orElseThrow().getValue().getFirst();
    Caller caller = InternalTokens.toCaller(new InternalTokens(SECRET, Duration.ofMinutes(1), Clock.systemUTC()).decoder().decode(token));
    assertThat(caller.teamName()).isEqualTo("default");
    JsonNode events = json(call("GET", "/api/v1/audit-events?limit=50", ADMIN_KEY, null));
    assertThat(events.toString()).doesNotContain("/deployments/");
  }

  /** Every method the API uses reaches the service, PATCH included (HttpURLConnection cannot send it). */
  @Test
  void everyMethodIsRouted() throws Exception {
    for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE")) {
      HttpResponse<String> r = call(method, "/api/v1/jobs/job_methods", ADMIN_KEY, method.equals("GET") || method.equals("DELETE")
          ? null : "{\"a\": 1}");
      assertThat(r.statusCode()).as(method + " " + r.body()).isEqualTo(200);
      assertThat(r.body()).contains("upstream");
    }
  }

  @Test
  void routedRequestsCarryAFreshInternalTokenAndNoClientCredentials() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/jobs/job_123"))
        .header("Authorization", "Bearer " + ADMIN_KEY)
        .header(InternalTokens.HEADER, "forged-token")
        .build();
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("upstream");
    Map<String, List<String>> headers = upstreamRequests.get("/api/v1/jobs/job_123");
    assertThat(headers.keySet().stream().map(String::toLowerCase)).doesNotContain("authorization", "x-api-key");
    String token = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(InternalTokens.HEADER))
        .findFirst().orElseThrow().getValue().getFirst();
    assertThat(token).isNotEqualTo("forged-token");
    var decoded = new InternalTokens(SECRET, Duration.ofMinutes(1), Clock.systemUTC()).decoder().decode(token);
    Caller caller = InternalTokens.toCaller(decoded);
    assertThat(caller.teamName()).isEqualTo("default");
    assertThat(caller.teamId()).startsWith("team_");
  }

  /**
   * A job's ports proxy (job-service) relies on the rest of the path and the query arriving as sent.
   * The gateway rebuilds the query from decoded parameters, so a literal {@code +} arrives as
   * {@code %20}: the same value to a form decoder, which is what servers use on a query.
   */
  @Test
  void pathAndQueryReachTheServiceUnchanged() throws Exception {
    String path = "/api/v1/jobs/job_1/ports/6006/data/a%20b/c.txt?run=x%2Fy&sum=1%2B1&tag=a%20b&tag=c&empty=";
    HttpResponse<String> r = call("GET", path, ADMIN_KEY, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(upstreamRawUris).contains(path);
    call("GET", "/api/v1/jobs/job_1/ports/6006/?q=a+b", ADMIN_KEY, null);
    assertThat(upstreamRawUris).contains("/api/v1/jobs/job_1/ports/6006/?q=a%20b");
  }

  @Test
  void serverSentEventsPassThroughUnbuffered() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/jobs/job_1/logs"))
        .header("Authorization", "Bearer " + ADMIN_KEY).header("Accept", "text/event-stream").build();
    long start = System.nanoTime();
    HttpResponse<java.io.InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null && !line.startsWith("data:")) {
        // skip id and event lines
      }
      long firstAfter = (System.nanoTime() - start) / 1_000_000;
      assertThat(line).contains("first");
      // The upstream waits 3 s before its second event: a buffering proxy would hold the first one.
      assertThat(firstAfter).as("first event arrived after %d ms", firstAfter).isLessThan(2500);
    }
  }

}
