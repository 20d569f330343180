package dev.incline.notebooks.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * What idle culling reads from Jupyter, against a stand-in that answers as Jupyter's {@code /api/status}
 * and {@code /api/kernels} do: the last activity of the server and of its kernels, and busy kernels,
 * asked for with the run's token and without counting as activity.
 */
class JupyterActivityTest {

  private HttpServer server;
  private final List<String> asked = new CopyOnWriteArrayList<>();
  private volatile String kernels = "[]";

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    Map<String, String> answers = Map.of("/notebooks/nb_x/api/status",
        "{\"started\": \"2026-11-21T10:00:00.000000Z\", \"last_activity\": \"2026-11-21T10:05:00.123456Z\", \"kernels\": 1}");
    server.createContext("/notebooks/nb_x/api/", exchange -> {
      asked.add(exchange.getRequestURI() + " " + exchange.getRequestHeaders().getFirst("Authorization"));
      String path = exchange.getRequestURI().getPath();
      String body = path.endsWith("/api/kernels") ? kernels : answers.get(path);
      if (!"token secret".equals(exchange.getRequestHeaders().getFirst("Authorization")) || body == null) {
        exchange.sendResponseHeaders(403, -1);
        exchange.close();
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private JupyterClient.Activity activity(String token) {
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    return new JupyterClient(JsonMapper.builder().build()).activity(endpoint, "/notebooks/nb_x/", token).orElse(null);
  }

  @Test
  void aBusyKernelIsActivityNowWhateverTheLastActivityWas() {
    kernels = "[{\"id\": \"k1\", \"execution_state\": \"idle\", \"last_activity\": \"2026-11-21T10:04:00Z\"},"
        + "{\"id\": \"k2\", \"execution_state\": \"busy\", \"last_activity\": \"2026-11-21T10:01:00Z\"}]";
    JupyterClient.Activity a = activity("secret");
    assertThat(a.kernels()).isEqualTo(2);
    assertThat(a.busyKernels()).isEqualTo(1);
    Instant now = Instant.parse("2026-11-21T12:00:00Z");
    assertThat(a.lastActiveAsOf(now)).isEqualTo(now);
  }

  @Test
  void idleKernelsLeaveTheLatestReportedActivity() {
    kernels = "[{\"id\": \"k1\", \"execution_state\": \"idle\", \"last_activity\": \"2026-11-21T10:07:30Z\"},"
        + "{\"id\": \"k2\", \"execution_state\": \"starting\", \"last_activity\": \"2026-11-21T10:02:00Z\"}]";
    JupyterClient.Activity a = activity("secret");
    assertThat(a.busyKernels()).isZero();
    assertThat(a.lastActiveAsOf(Instant.parse("2026-11-21T12:00:00Z"))).isEqualTo(Instant.parse("2026-11-21T10:07:30Z"));
    kernels = "[]";
    assertThat(activity("secret").lastActiveAsOf(Instant.parse("2026-11-21T12:00:00Z")))
        .isEqualTo(Instant.parse("2026-11-21T10:05:00.123456Z"));
  }

  @Test
  void asksWithTheRunsTokenAndWithoutCountingAsActivity() {
    activity("secret");
    assertThat(asked).anyMatch(a -> a.startsWith("/notebooks/nb_x/api/kernels?no_track_activity=1 ") && a.endsWith("token secret"));
    assertThat(activity("wrong")).as("a Jupyter that refuses the token is no evidence either way").isNull();
  }
}
