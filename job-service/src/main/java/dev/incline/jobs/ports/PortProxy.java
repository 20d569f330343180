package dev.incline.jobs.ports;

import dev.incline.platform.security.InternalTokenProperties;
import dev.incline.platform.security.InternalTokens;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Forwards one request to a workload's port and streams the answer back. Bodies stream both ways
 * and nothing times out once connected: a port may serve a large download, a long upload, or a
 * stream of server-sent events (TensorBoard, a notebook's kernel, a model server).
 */
@Component
class PortProxy {

  /** Hop-by-hop headers (RFC 9110, 7.6.1) and those the JDK client sets itself. */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
      "content-length", "expect", "http2-settings");

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * The platform's credentials: a workload runs the team's code, so it must not see the caller's
   * API key or an internal token it could replay against the platform.
   */
  private final Set<String> credentials;

  // HTTP/1.1: an upgrade attempt to h2c confuses simple servers, and workloads rarely speak h2c.
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(CONNECT_TIMEOUT)
      .followRedirects(HttpClient.Redirect.NEVER)
      .build();

  PortProxy(InternalTokenProperties tokens) {
    // copyOf: the configured header is usually the default one, and Set.of rejects duplicates
    this.credentials = Set.copyOf(List.of("authorization", "x-api-key", InternalTokens.HEADER.toLowerCase(Locale.ROOT),
        tokens.header().toLowerCase(Locale.ROOT)));
  }

  /**
   * @param endpoint where the port is, e.g. {@code http://127.0.0.1:6006}
   * @param prefix the raw request path up to and including the port, cut off before forwarding
   */
  void forward(URI endpoint, String prefix, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    HttpResponse<InputStream> upstream = send(target(endpoint, prefix, request), prefix, request);
    try (InputStream body = upstream.body()) {
      response.setStatus(upstream.statusCode());
      Set<String> skip = skipped(upstream.headers().map());
      upstream.headers().map().forEach((name, values) -> {
        if (!skip.contains(name.toLowerCase(Locale.ROOT))) {
          values.forEach(v -> response.addHeader(name, v));
        }
      });
      upstream.headers().firstValueAsLong("content-length").ifPresent(response::setContentLengthLong);
      copy(body, response.getOutputStream());
    }
  }

  static URI target(URI endpoint, String prefix, HttpServletRequest request) {
    String base = endpoint.toString().replaceAll("/+$", "");
    String rest = request.getRequestURI().substring(prefix.length());
    String query = request.getQueryString();
    try {
      return URI.create(base + (rest.isEmpty() ? "/" : rest) + (query == null ? "" : "?" + query));
    } catch (IllegalArgumentException e) {
      throw new dev.incline.platform.error.InvalidRequestException("path", "is not a valid URI path: " + e.getMessage());
    }
  }

  private HttpResponse<InputStream> send(URI target, String prefix, HttpServletRequest request) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(target).method(request.getMethod(), body(request));
    Set<String> skip = skipped(headers(request));
    for (String name : Collections.list(request.getHeaderNames())) {
      if (!skip.contains(name.toLowerCase(Locale.ROOT))) {
        for (String value : Collections.list(request.getHeaders(name))) {
          b.header(name, value);
        }
      }
    }
    // Lets an application that builds absolute links (TensorBoard, Jupyter) put them under the proxy.
    b.setHeader("X-Forwarded-Prefix", prefix);
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while forwarding to the job's port", e);
    } catch (IOException e) {
      throw new PortUnreachableException("nothing answered on " + target.getHost() + ":" + target.getPort()
          + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
    }
  }

  /** The request body as it arrives, with its length when the client gave one. */
  private static HttpRequest.BodyPublisher body(HttpServletRequest request) {
    long length = request.getContentLengthLong();
    boolean chunked = request.getHeader("Transfer-Encoding") != null;
    if (length <= 0 && !chunked) {
      return HttpRequest.BodyPublishers.noBody();
    }
    HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(() -> {
      try {
        return request.getInputStream();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    return length > 0 ? HttpRequest.BodyPublishers.fromPublisher(stream, length) : stream;
  }

  private static Map<String, List<String>> headers(HttpServletRequest request) {
    Map<String, List<String>> out = new java.util.HashMap<>();
    for (String name : Collections.list(request.getHeaderNames())) {
      out.put(name, Collections.list(request.getHeaders(name)));
    }
    return out;
  }

  /** Hop-by-hop headers, credentials, and whatever {@code Connection} names as hop-by-hop too. */
  private Set<String> skipped(Map<String, List<String>> headers) {
    Set<String> skip = new HashSet<>(HOP_BY_HOP);
    skip.addAll(credentials);
    headers.forEach((name, values) -> {
      if (name.equalsIgnoreCase("connection")) {
        values.forEach(v -> {
          for (String token : v.split(",")) {
            skip.add(token.strip().toLowerCase(Locale.ROOT));
          }
        });
      }
    });
    return skip;
  }

  /** Flushes after every read, so that a stream (server-sent events) reaches the caller as it comes. */
  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[16 * 1024];
    int n;
    while ((n = in.read(buffer)) != -1) {
      out.write(buffer, 0, n);
      out.flush();
    }
  }
}
