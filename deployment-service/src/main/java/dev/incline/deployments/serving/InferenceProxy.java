package dev.incline.deployments.serving;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Sends one inference request to a replica and streams the answer back. The request body is read
 * first (inference requests are bounded), so that a replica which refuses the connection (it just
 * stopped) is skipped and the same request goes to another: during a roll a request may meet a
 * replica on its way out, and it must not fail for that.
 */
@Component
class InferenceProxy {

  /** Hop-by-hop headers (RFC 9110, 7.6.1), those the JDK client sets itself, and the platform's credentials. */
  private static final Set<String> SKIPPED = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
      "content-length", "expect", "http2-settings", "authorization", "x-api-key", "x-incline-token");

  private static final int ATTEMPTS = 3;

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .followRedirects(HttpClient.Redirect.NEVER)
      .build();

  private final ReplicaPool pool;

  InferenceProxy(ReplicaPool pool) {
    this.pool = pool;
  }

  /** What went wrong when no replica answered. */
  static final class Unavailable extends Exception {
    Unavailable(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * @param rest the path after {@code /deployments/<id>}, starting with '/'
   * @param maxBody the largest request body accepted
   * @return false when the body is over {@code maxBody} (nothing was sent)
   */
  boolean forward(UUID deploymentId, String rest, HttpServletRequest request, HttpServletResponse response, long maxBody)
      throws IOException, Unavailable {
    byte[] body = readBody(request, maxBody);
    if (body == null) {
      return false;
    }
    UUID refused = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Optional<ReplicaPool.Target> target = pool.pick(deploymentId, refused);
      if (target.isEmpty()) {
        break;
      }
      ReplicaPool.Target t = target.get();
      HttpRequest upstream = upstream(t.endpoint(), rest, request, body);
      try (ReplicaPool.Lease lease = pool.begin(deploymentId, t)) {
        HttpResponse<InputStream> answer;
        try {
          answer = client.send(upstream, HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException | HttpConnectTimeoutException e) {
          refused = t.replicaId(); // nothing reached the replica: another one may take the request
          continue;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
        if (answer.statusCode() == 503 && attempt + 1 < ATTEMPTS && pool.pick(deploymentId, t.replicaId()).isPresent()) {
          // a replica that began its drain answers 503 before it leaves the table: try another
          answer.body().close();
          refused = t.replicaId();
          continue;
        }
        copy(answer, response);
        return true;
      }
    }
    throw new Unavailable(refused == null ? "no replica of this deployment is ready; try again shortly"
        : "no replica of this deployment answered; try again shortly");
  }

  private static byte[] readBody(HttpServletRequest request, long max) throws IOException {
    long declared = request.getContentLengthLong();
    if (declared > max) {
      return null;
    }
    try (InputStream in = request.getInputStream()) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
      return bytes.length > max ? null : bytes;
    }
  }

  private static HttpRequest upstream(URI endpoint, String rest, HttpServletRequest request, byte[] body) {
    String base = endpoint.toString().replaceAll("/+$", "");
    String query = request.getQueryString();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + rest + (query == null ? "" : "?" + query)))
        .timeout(Duration.ofMinutes(5))
        .method(request.getMethod(), body.length == 0 && !hasBody(request.getMethod())
            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    for (String name : Collections.list(request.getHeaderNames())) {
      if (!SKIPPED.contains(name.toLowerCase(Locale.ROOT))) {
        for (String v : Collections.list(request.getHeaders(name))) {
          b.header(name, v);
        }
      }
    }
    return b.build();
  }

  private static boolean hasBody(String method) {
    return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
  }

  private static void copy(HttpResponse<InputStream> answer, HttpServletResponse response) throws IOException {
    response.setStatus(answer.statusCode());
    answer.headers().map().forEach((name, values) -> {
      if (!SKIPPED.contains(name.toLowerCase(Locale.ROOT))) {
        values.forEach(v -> response.addHeader(name, v));
      }
    });
    answer.headers().firstValueAsLong("content-length").ifPresent(response::setContentLengthLong);
    try (InputStream in = answer.body()) {
      OutputStream out = response.getOutputStream();
      in.transferTo(out);
      out.flush();
    }
  }

  static byte[] error(String message) {
    return ("{\"error\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}").getBytes(StandardCharsets.UTF_8);
  }
}
