package dev.incline.notebooks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/**
 * A small HTTP server standing in for job-service (projects, machine types, the event stream) and
 * storage-service (dataset references, usages, manifests and the files' downloads), checking the
 * token's team as they do.
 */
final class FakeServices {

  static final String SECRET = "test-internal-token-secret-0123456789abcdef";
  static final InternalTokens TOKENS = new InternalTokens(SECRET, Duration.ofMinutes(5), Clock.systemUTC());
  /** team id → its project ids */
  static final Map<String, Set<String>> PROJECTS = new ConcurrentHashMap<>();
  /** team id → dataset reference → {versionId, "name:number"} */
  static final Map<String, Map<String, String[]>> DATASETS = new ConcurrentHashMap<>();
  /** version id → file path → bytes */
  static final Map<String, Map<String, byte[]>> FILES = new ConcurrentHashMap<>();
  /** usedBy → team, while storage-service holds the usage */
  static final Map<String, String> USAGES = new ConcurrentHashMap<>();
  /** events recorded on job-service's stream: team, then the body */
  static final List<String[]> EVENTS = new CopyOnWriteArrayList<>();

  private static HttpServer server;

  private FakeServices() {}

  static synchronized String url() {
    if (server == null) {
      server = start();
    }
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  static String project(String team) {
    String id = "prj_" + team + Long.toHexString(System.nanoTime());
    PROJECTS.computeIfAbsent(team, t -> ConcurrentHashMap.newKeySet()).add(id);
    return id;
  }

  /** A committed dataset version of {@code team} with one file. */
  static void dataset(String team, String ref, String versionId, String path, String content) {
    DATASETS.computeIfAbsent(team, t -> new ConcurrentHashMap<>()).put(ref, new String[] {versionId, ref});
    FILES.computeIfAbsent(versionId, v -> new ConcurrentHashMap<>()).put(path, content.getBytes(StandardCharsets.UTF_8));
  }

  private static HttpServer start() {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      JwtDecoder decoder = TOKENS.decoder();
      s.createContext("/api/v1/projects/", exchange -> {
        String id = exchange.getRequestURI().getPath().substring("/api/v1/projects/".length());
        Caller caller = caller(decoder, exchange);
        respond(exchange, caller == null ? 401 : PROJECTS.getOrDefault(caller.teamId(), Set.of()).contains(id) ? 200 : 404, null);
      });
      s.createContext("/service/v1/machine-types", exchange -> respond(exchange, caller(decoder, exchange) == null ? 401 : 200,
          "[{\"name\":\"C3\",\"cpu\":2,\"memoryGiB\":4,\"nodeSelector\":{}},"
              + "{\"name\":\"A100\",\"cpu\":12,\"memoryGiB\":90,\"gpu\":{\"count\":1,\"model\":\"A100-SXM4-40GB\"},\"nodeSelector\":{}}]"));
      s.createContext("/service/v1/events", exchange -> {
        Caller caller = caller(decoder, exchange);
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (caller != null && caller.userId().startsWith("service:")) {
          EVENTS.add(new String[] {caller.teamId(), body});
        }
        respond(exchange, caller == null ? 401 : 202, null);
      });
      s.createContext("/internal/v1/dataset-refs/use", exchange -> {
        Caller caller = caller(decoder, exchange);
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (caller == null) {
          respond(exchange, 401, null);
          return;
        }
        // {"refs":["a:1",...],"usedBy":"nb_..."}: a tiny parse is enough for the tests' bodies
        String refs = body.replaceAll(".*\"refs\":\\[([^]]*)].*", "$1");
        String usedBy = body.replaceAll(".*\"usedBy\":\"([^\"]*)\".*", "$1");
        StringBuilder out = new StringBuilder("{\"versions\":[");
        int i = 0;
        for (String quoted : refs.isBlank() ? new String[0] : refs.split(",")) {
          String ref = quoted.replace("\"", "");
          String[] v = DATASETS.getOrDefault(caller.teamId(), Map.of()).get(ref);
          if (v == null) {
            respond(exchange, 422, "{\"errors\":[{\"field\":\"refs[" + i + "]\",\"message\":\"no dataset " + ref + "\"}]}");
            return;
          }
          String[] nv = v[1].split(":");
          out.append(i == 0 ? "" : ",").append("{\"id\":\"").append(v[0]).append("\",\"dataset\":\"").append(nv[0])
              .append("\",\"version\":").append(nv.length > 1 ? nv[1] : "1").append("}");
          i++;
        }
        USAGES.put(usedBy, caller.teamId());
        respond(exchange, 200, out.append("]}").toString());
      });
      s.createContext("/internal/v1/dataset-usages/", exchange -> {
        Caller caller = caller(decoder, exchange);
        String usedBy = exchange.getRequestURI().getPath().substring("/internal/v1/dataset-usages/".length());
        if (caller != null) {
          USAGES.remove(usedBy, caller.teamId());
        }
        respond(exchange, caller == null ? 401 : 204, null);
      });
      s.createContext("/internal/v1/dataset-versions/", exchange -> {
        Caller caller = caller(decoder, exchange);
        String versionId = exchange.getRequestURI().getPath().split("/")[4];
        boolean mine = caller != null && DATASETS.getOrDefault(caller.teamId(), Map.of()).values().stream()
            .anyMatch(v -> v[0].equals(versionId));
        if (!mine) {
          respond(exchange, caller == null ? 401 : 404, null);
          return;
        }
        StringBuilder files = new StringBuilder("{\"versionId\":\"" + versionId + "\",\"files\":[");
        int i = 0;
        for (Map.Entry<String, byte[]> f : FILES.getOrDefault(versionId, Map.of()).entrySet()) {
          files.append(i++ == 0 ? "" : ",").append("{\"path\":\"").append(f.getKey()).append("\",\"size\":").append(f.getValue().length)
              .append(",\"sha256\":\"").append(sha256(f.getValue())).append("\",\"url\":\"").append(url()).append("/blobs/")
              .append(versionId).append("/").append(f.getKey()).append("\"}");
        }
        respond(exchange, 200, files.append("]}").toString());
      });
      s.createContext("/blobs/", exchange -> {
        String[] parts = exchange.getRequestURI().getPath().substring("/blobs/".length()).split("/", 2);
        byte[] bytes = FILES.getOrDefault(parts[0], Map.of()).get(parts[1]);
        if (bytes == null) {
          respond(exchange, 404, null);
          return;
        }
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
      });
      s.start();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void respond(HttpExchange exchange, int status, String json) throws IOException {
    if (json == null) {
      exchange.sendResponseHeaders(status, -1);
    } else {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
    }
    exchange.close();
  }

  private static Caller caller(JwtDecoder decoder, HttpExchange exchange) {
    try {
      return InternalTokens.toCaller(decoder.decode(exchange.getRequestHeaders().getFirst(InternalTokens.HEADER)));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
