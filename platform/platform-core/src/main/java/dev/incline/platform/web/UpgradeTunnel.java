package dev.incline.platform.web;

import dev.incline.platform.error.ProblemDetailsAdvice;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;

/**
 * Proxies an HTTP/1.1 Upgrade (a WebSocket handshake) to an upstream over a plain socket, and once the
 * upstream switches protocols, relays bytes both ways until either side closes. Spring Cloud Gateway's
 * servlet flavour cannot proxy upgrades; this needs only the Servlet API, and is tested on Tomcat.
 *
 * <p>The tunnel carries bytes, not frames: what the endpoints say to each other, pings included, is
 * their business, and a tunnel has no idle timeout.
 */
public final class UpgradeTunnel {

  static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  /** How long the upstream may take to answer the upgrade request. */
  static final int HEAD_TIMEOUT_MILLIS = 30_000;
  /** Bounds what a broken upstream can make the proxy hold in memory. */
  static final int MAX_HEAD_BYTES = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(UpgradeTunnel.class);

  /**
   * Headers that describe one connection rather than the request (RFC 9110 §7.6.1), and the ones the
   * tunnel sets itself. The client's Upgrade and {@code Connection: upgrade} are sent again as such.
   */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
      "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
      "content-length", "http2-settings");

  private UpgradeTunnel() {}

  /**
   * A GET with {@code Upgrade} and a {@code Connection} header that lists {@code upgrade}; not an offer
   * of HTTP/2 ({@code h2c}), which clients such as Java's send on plain GETs and a server may ignore:
   * those are ordinary requests.
   */
  public static boolean isUpgrade(HttpServletRequest request) {
    if (!"GET".equals(request.getMethod())) {
      return false;
    }
    String upgrade = request.getHeader("Upgrade");
    return upgrade != null && !upgrade.isBlank() && !upgrade.trim().equalsIgnoreCase("h2c")
        && connectionTokens(Collections.list(request.getHeaders("Connection"))).contains("upgrade");
  }

  /**
   * Sends the client's upgrade request to {@code target} (an absolute http URI with the path and query
   * to request) and answers the client as the upstream answers it.
   *
   * <p>The upstream gets the client's headers without the hop-by-hop ones, {@code Host} set to the
   * target's authority, {@code Connection: Upgrade} and the client's {@code Upgrade}; {@code headers}
   * then edits them (to drop the client's credentials and add the upstream's, say).
   *
   * <p>When the upstream answers 101, the client gets 101 with the upstream's headers
   * ({@code Sec-WebSocket-Accept}, {@code -Protocol}, {@code -Extensions}) and the connection is
   * switched: bytes are relayed both ways until either side closes, and then both are closed. Any
   * other answer is passed on with its status, headers and body. An upstream that cannot be reached
   * or does not answer within 30 s is a 502 with an RFC 9457 problem.
   *
   * @throws IOException when the client goes away while a non-101 answer is passed on
   */
  public static void relay(HttpServletRequest request, HttpServletResponse response, URI target,
      Consumer<HeaderEdit> headers) throws IOException {
    if (!"http".equalsIgnoreCase(target.getScheme()) || target.getHost() == null) {
      throw new IllegalArgumentException("the tunnel's target must be an absolute http URI: " + target);
    }
    HeaderEdit edit = forwardedHeaders(request, target);
    headers.accept(edit);
    Socket socket = new Socket();
    boolean switched = false;
    try {
      InputStream in;
      ResponseHead head;
      try {
        socket.connect(new InetSocketAddress(target.getHost(), target.getPort() < 0 ? 80 : target.getPort()),
            CONNECT_TIMEOUT_MILLIS);
        socket.setSoTimeout(HEAD_TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        OutputStream out = socket.getOutputStream();
        out.write(requestHead(target, edit));
        out.flush();
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        do {
          head = ResponseHead.read(in, MAX_HEAD_BYTES);
        } while (head.interim());
      } catch (IOException e) {
        log.warn("upgrade request to {}{} failed: {}", target.getRawAuthority(), target.getRawPath(), e.toString());
        badGateway(response, e instanceof java.net.SocketTimeoutException
            ? "the upstream service did not answer the upgrade request in time"
            : "the upstream service could not be reached or gave no valid answer to the upgrade request");
        return;
      }
      if (head.status() == 101) {
        switchProtocols(request, response, head, socket, in);
        switched = true;
      } else {
        passOn(response, head, in);
      }
    } finally {
      if (!switched) {
        socket.close();
      }
    }
  }

  private static HeaderEdit forwardedHeaders(HttpServletRequest request, URI target) {
    HeaderEdit edit = new HeaderEdit();
    edit.set("Host", target.getPort() < 0 ? target.getHost() : target.getHost() + ":" + target.getPort());
    Set<String> listed = connectionTokens(Collections.list(request.getHeaders("Connection")));
    for (String name : Collections.list(request.getHeaderNames())) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(lower) || listed.contains(lower)) {
        continue;
      }
      for (String value : Collections.list(request.getHeaders(name))) {
        edit.add(name, value);
      }
    }
    edit.set("Connection", "Upgrade");
    edit.set("Upgrade", request.getHeader("Upgrade"));
    return edit;
  }

  private static byte[] requestHead(URI target, HeaderEdit headers) {
    String path = target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
    StringBuilder head = new StringBuilder("GET ").append(path);
    if (target.getRawQuery() != null) {
      head.append('?').append(target.getRawQuery());
    }
    head.append(" HTTP/1.1\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("\r\n");
    return head.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static void switchProtocols(HttpServletRequest request, HttpServletResponse response, ResponseHead head,
      Socket socket, InputStream in) throws IOException {
    copyHeaders(head, response);
    response.setHeader("Connection", "Upgrade");
    response.setHeader("Upgrade", head.header("Upgrade") == null ? request.getHeader("Upgrade") : head.header("Upgrade"));
    socket.setSoTimeout(0);
    TunnelConnection tunnel;
    try {
      tunnel = request.upgrade(TunnelConnection.class);
    } catch (jakarta.servlet.ServletException e) {
      throw new IOException("the servlet container refused the upgrade", e);
    }
    // Tomcat sends the 101 and calls the tunnel's init once the filter chain has returned.
    tunnel.attach(socket, in);
  }

  private static void passOn(HttpServletResponse response, ResponseHead head, InputStream in) throws IOException {
    response.setStatus(head.status());
    copyHeaders(head, response);
    long length = head.hasBody() ? head.contentLength() : -1;
    if (length >= 0) {
      response.setContentLengthLong(length);
    }
    head.copyBody(in, response.getOutputStream());
    response.flushBuffer();
  }

  private static void copyHeaders(ResponseHead head, HttpServletResponse response) {
    Set<String> listed = connectionTokens(head.headers().stream()
        .filter(h -> h.getKey().equalsIgnoreCase("Connection")).map(Map.Entry::getValue).toList());
    for (Map.Entry<String, String> h : head.headers()) {
      String lower = h.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(lower) && !listed.contains(lower)) {
        response.addHeader(h.getKey(), h.getValue());
      }
    }
  }

  private static Set<String> connectionTokens(Iterable<String> values) {
    Set<String> tokens = new HashSet<>();
    for (String value : values) {
      for (String token : value.split(",")) {
        tokens.add(token.strip().toLowerCase(Locale.ROOT));
      }
    }
    return tokens;
  }

  private static void badGateway(HttpServletResponse response, String detail) throws IOException {
    if (response.isCommitted()) {
      return;
    }
    response.reset();
    response.setStatus(HttpServletResponse.SC_BAD_GATEWAY);
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.setCharacterEncoding(StandardCharsets.UTF_8);
    response.getWriter().write("{\"type\":\"" + ProblemDetailsAdvice.TYPE_BASE + "bad-gateway\",\"title\":\"Bad Gateway\","
        + "\"status\":502,\"detail\":\"" + detail + "\"}");
  }
}
