package dev.incline.notebooks.proxy;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * One HTTP request to a notebook's Jupyter, streamed both ways, authenticated with the run's token. What
 * the platform authenticated the caller with stays here, and what Jupyter would authenticate a browser
 * with (its cookies) never leaves: every request to Jupyter carries the token instead, which also makes
 * Jupyter skip its XSRF check, since a token-authenticated request cannot be a forged browser request.
 */
@Component
public class JupyterProxy {

  /**
   * Hop-by-hop headers (RFC 9110, 7.6.1), those the JDK client sets itself, the platform's credentials,
   * cookies, and the browser's Origin and Referer (Jupyter compares them with its own host, which is not
   * the gateway's: the gateway has checked who the caller is).
   */
  static final Set<String> REQUEST_SKIPPED = Set.of("connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
      "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect",
      "http2-settings", "authorization", "x-api-key", "x-incline-token", "cookie", "origin", "referer",
      // uncompressed, so that pages can be read for the token (Jupyter does not compress by default anyway)
      "accept-encoding");

  /** Pages larger than this are not Jupyter's own and are passed as they are. */
  private static final int MAX_PAGE = 8 << 20;

  /** Jupyter's cookies would authenticate a browser to Jupyter itself: they stay here. */
  static final Set<String> RESPONSE_SKIPPED = Set.of("connection", "keep-alive", "proxy-authenticate", "proxy-connection",
      "te", "trailer", "transfer-encoding", "upgrade", "content-length", "set-cookie", "set-cookie2");

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER)
      .build();

  /** The upstream did not answer at all; nothing was sent to the client. */
  public static final class Unreachable extends Exception {
    Unreachable(String message) {
      super(message, null, false, false);
    }
  }

  /** @param target Jupyter's URI for this request (its base path, the rest and the query) */
  public void forward(URI target, String token, HttpServletRequest request, HttpServletResponse response)
      throws IOException, Unreachable {
    HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(Duration.ofMinutes(5))
        .method(request.getMethod(), body(request));
    for (String name : Collections.list(request.getHeaderNames())) {
      if (!REQUEST_SKIPPED.contains(name.toLowerCase(Locale.ROOT))) {
        for (String v : Collections.list(request.getHeaders(name))) {
          b.header(name, v);
        }
      }
    }
    b.header("Authorization", "token " + token);
    HttpResponse<InputStream> answer;
    try {
      answer = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException e) {
      throw new Unreachable("the notebook's Jupyter does not answer");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    response.setStatus(answer.statusCode());
    answer.headers().map().forEach((name, values) -> {
      if (!RESPONSE_SKIPPED.contains(name.toLowerCase(Locale.ROOT))) {
        values.forEach(v -> response.addHeader(name, v));
      }
    });
    long length = answer.headers().firstValueAsLong("content-length").orElse(-1);
    if (isPage(answer) && length <= MAX_PAGE) {
      // Jupyter writes the token of the request that authenticated into its pages (for its scripts'
      // API calls, and into links): the browser does without, the proxy adds it on the way in.
      byte[] page;
      try (InputStream in = answer.body()) {
        page = in.readNBytes(MAX_PAGE + 1);
      }
      byte[] clean = without(page, token.getBytes(StandardCharsets.US_ASCII));
      response.setContentLength(clean.length);
      response.getOutputStream().write(clean);
      return;
    }
    if (length >= 0) {
      response.setContentLengthLong(length);
    }
    try (InputStream in = answer.body()) {
      OutputStream out = response.getOutputStream();
      byte[] buf = new byte[16384];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        if (in.available() == 0) {
          out.flush(); // a slow stream (a long download, an event stream) reaches the client as it comes
        }
      }
      out.flush();
    }
  }

  /** {@code bytes} with every occurrence of {@code cut} removed; bytes, not text: a page's charset is its own. */
  static byte[] without(byte[] bytes, byte[] cut) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(bytes.length);
    int i = 0;
    outer:
    while (i < bytes.length) {
      if (i + cut.length <= bytes.length) {
        for (int j = 0; j < cut.length; j++) {
          if (bytes[i + j] != cut[j]) {
            out.write(bytes[i++]);
            continue outer;
          }
        }
        i += cut.length;
      } else {
        out.write(bytes[i++]);
      }
    }
    return out.toByteArray();
  }

  private static boolean isPage(HttpResponse<?> answer) {
    String type = answer.headers().firstValue("content-type").orElse("");
    return type.startsWith("text/html") && answer.headers().firstValue("content-encoding").map("identity"::equals).orElse(true);
  }

  /** Streamed, with its length when the client gave one (Jupyter's contents API reads uploads whole). */
  private static HttpRequest.BodyPublisher body(HttpServletRequest request) {
    long length = request.getContentLengthLong();
    boolean chunked = request.getHeader("Transfer-Encoding") != null;
    if (length == 0 || (length < 0 && !chunked)) {
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
}
