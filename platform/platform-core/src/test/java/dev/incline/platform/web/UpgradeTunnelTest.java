package dev.incline.platform.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/**
 * The tunnel in a real Tomcat, between the JDK's WebSocket client (or a raw socket, where the test needs
 * to see the wire) and {@link StubUpstream}.
 */
class UpgradeTunnelTest {

  static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
  static StubUpstream upstream;
  static int downPort;
  static Tomcat tomcat;
  static int port;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    upstream = StubUpstream.start(UpgradeTunnelTest::answer);
    try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      downPort = unused.getLocalPort();
    }
    tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("upgrade-tunnel-test").toString());
    tomcat.setPort(0);
    Context context = tomcat.addContext("", null);
    Tomcat.addServlet(context, "relay", new RelayServlet());
    context.addServletMappingDecoded("/*", "relay");
    tomcat.start();
    port = tomcat.getConnector().getLocalPort();
  }

  @AfterAll
  static void stop() throws Exception {
    tomcat.stop();
    tomcat.destroy();
    upstream.close();
  }

  /** What a proxy does: relays to the stub (or to a port nobody listens on), dropping and adding a header. */
  static final class RelayServlet extends HttpServlet {
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
      if (!UpgradeTunnel.isUpgrade(request)) {
        response.sendError(400);
        return;
      }
      int target = request.getRequestURI().startsWith("/down/") ? downPort : upstream.port();
      String query = request.getQueryString() == null ? "" : "?" + request.getQueryString();
      UpgradeTunnel.relay(request, response, URI.create("http://127.0.0.1:" + target + request.getRequestURI() + query),
          h -> h.remove("authorization").set("X-Added", "by-the-proxy"));
    }
  }

  static byte[] answer(StubUpstream.Request request) {
    return switch (request.path()) {
      case "/forbidden" -> concat("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nX-Reason: not yours\r\n"
          + "Content-Length: 6\r\n\r\ndenied");
      case "/chunked" -> concat("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "4\r\nnot \r\n4;ext=1\r\nhere\r\n0\r\nX-Trailer: t\r\n\r\n");
      case "/until-close" -> concat("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nread until the end");
      case "/huge" -> concat("HTTP/1.1 101 Switching Protocols\r\nX-Big: " + "a".repeat(70_000) + "\r\n\r\n");
      default -> null;
    };
  }

  @Test
  void messagesGoBothWaysWithTheHeadersEdited() throws Exception {
    Messages messages = new Messages();
    WebSocket ws = http.newWebSocketBuilder()
        .header("Authorization", "Bearer client-secret")
        .header("X-Client", "kept")
        .subprotocols("echo.v1", "echo.v0")
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/echo?q=a%20b&n=1"), messages)
        .get(10, TimeUnit.SECONDS);
    assertThat(ws.getSubprotocol()).isEqualTo("echo.v1");
    ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
    assertThat(messages.next()).isEqualTo("hello");
    String big = "0123456789abcdef".repeat(20_000);
    ws.sendText(big, true).get(5, TimeUnit.SECONDS);
    assertThat(messages.next()).isEqualTo(big);

    StubUpstream.Request seen = seen("/ws/echo?q=a%20b&n=1");
    assertThat(seen.header("Host")).isEqualTo("127.0.0.1:" + upstream.port());
    assertThat(seen.header("X-Added")).isEqualTo("by-the-proxy");
    assertThat(seen.header("X-Client")).isEqualTo("kept");
    assertThat(seen.header("Authorization")).isNull();
    assertThat(seen.header("Connection")).isEqualTo("Upgrade");
    assertThat(seen.header("Upgrade")).isEqualToIgnoringCase("websocket");
    assertThat(seen.header("Sec-WebSocket-Key")).isNotBlank();
    assertThat(seen.header("Sec-WebSocket-Version")).isEqualTo("13");

    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    assertThat(messages.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
    assertThat(gone("/ws/echo?q=a%20b&n=1")).isTrue();
  }

  /** The 101 carries the upstream's headers, and frames the upstream sent right behind it are not lost. */
  @Test
  void theSwitchCarriesTheUpstreamsHeadersAndWhatFollowedThem() throws Exception {
    try (Socket socket = rawUpgrade("/ws/greet")) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      ResponseHead head = ResponseHead.read(in, 64 * 1024);
      assertThat(head.status()).isEqualTo(101);
      // RFC 6455 §1.3's example key and answer
      assertThat(head.header("Sec-WebSocket-Accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
      assertThat(head.header("Upgrade")).isEqualToIgnoringCase("websocket");
      assertThat(head.header("Connection")).containsIgnoringCase("upgrade");
      assertThat(head.header("X-Stub")).isEqualTo("yes");
      assertThat(head.header("Content-Length")).isNull();
      assertThat(head.header("Transfer-Encoding")).isNull();
      assertThat(readTextFrame(in)).isEqualTo("welcome");
      sendTextFrame(socket.getOutputStream(), "ping-pong");
      assertThat(readTextFrame(in)).isEqualTo("ping-pong");
    }
  }

  @Test
  void otherAnswersPassThroughWithTheirBodies() throws Exception {
    RawResponse forbidden = rawAnswer("/forbidden");
    assertThat(forbidden.head().status()).isEqualTo(403);
    assertThat(forbidden.head().header("X-Reason")).isEqualTo("not yours");
    assertThat(forbidden.head().header("Content-Length")).isEqualTo("6");
    assertThat(forbidden.body()).isEqualTo("denied");

    RawResponse chunked = rawAnswer("/chunked");
    assertThat(chunked.head().status()).isEqualTo(404);
    assertThat(chunked.body()).isEqualTo("not here");

    RawResponse untilClose = rawAnswer("/until-close");
    assertThat(untilClose.head().status()).isEqualTo(400);
    assertThat(untilClose.body()).isEqualTo("read until the end");
  }

  @Test
  void anUnreachableOrBrokenUpstreamIsA502Problem() throws Exception {
    for (String path : new String[] {"/down/ws", "/huge"}) {
      RawResponse r = rawAnswer(path);
      assertThat(r.head().status()).as(path).isEqualTo(502);
      assertThat(r.head().header("Content-Type")).startsWith("application/problem+json");
      assertThat(r.body()).contains("\"type\":\"https://incline.dev/problems/bad-gateway\"", "\"status\":502");
    }
  }

  @Test
  void aClientThatGoesAwayClosesTheUpstream() throws Exception {
    Messages messages = new Messages();
    WebSocket ws = http.newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/abort"), messages).get(10, TimeUnit.SECONDS);
    ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
    assertThat(messages.next()).isEqualTo("hello");
    ws.abort();
    assertThat(gone("/ws/abort")).isTrue();
  }

  /**
   * The harder direction: Tomcat closes an upgraded connection only when an event for it comes, and a
   * quiet client sends none.
   */
  @Test
  void anUpstreamThatGoesAwayClosesTheClient() throws Exception {
    try (Socket socket = rawUpgrade("/ws/dropped")) {
      socket.setSoTimeout(10_000);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      assertThat(ResponseHead.read(in, 64 * 1024).status()).isEqualTo(101);
      sendTextFrame(socket.getOutputStream(), "drop-me");
      assertThat(in.read()).as("end of stream").isEqualTo(-1);
    }
    Messages messages = new Messages();
    WebSocket ws = http.newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/closed"), messages).get(10, TimeUnit.SECONDS);
    ws.sendText("close-me", true).get(5, TimeUnit.SECONDS);
    assertThat(messages.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
  }

  @Test
  void recognizesUpgradeRequests() {
    assertThat(UpgradeTunnel.isUpgrade(request("GET", "keep-alive, Upgrade", "websocket"))).isTrue();
    assertThat(UpgradeTunnel.isUpgrade(request("GET", "upgrade", "WebSocket"))).isTrue();
    assertThat(UpgradeTunnel.isUpgrade(request("POST", "Upgrade", "websocket"))).isFalse();
    assertThat(UpgradeTunnel.isUpgrade(request("GET", "keep-alive", "websocket"))).isFalse();
    assertThat(UpgradeTunnel.isUpgrade(request("GET", "Upgrade", null))).isFalse();
    assertThat(UpgradeTunnel.isUpgrade(request("GET", null, null))).isFalse();
    // Java's HttpClient offers HTTP/2 on every plain GET: an ordinary request, not a tunnel
    assertThat(UpgradeTunnel.isUpgrade(request("GET", "Upgrade, HTTP2-Settings", "h2c"))).isFalse();
  }

  @Test
  void headerEditsAreCaseInsensitiveAndRefuseLineBreaks() {
    HeaderEdit h = new HeaderEdit().add("Cookie", "a=1").add("cookie", "b=2").set("X-One", "1");
    assertThat(h.all("COOKIE")).containsExactly("a=1", "b=2");
    assertThat(h.get("x-one")).isEqualTo("1");
    h.set("x-one", "2").remove("COOKIE");
    assertThat(h.names()).containsExactly("x-one");
    assertThat(h.contains("Cookie")).isFalse();
    assertThatThrownBy(() -> h.set("X-Evil", "a\r\nHost: elsewhere")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> h.set("X Evil", "a")).isInstanceOf(IllegalArgumentException.class);
  }

  static MockHttpServletRequest request(String method, String connection, String upgrade) {
    MockHttpServletRequest r = new MockHttpServletRequest(method, "/ws");
    if (connection != null) {
      r.addHeader("Connection", connection);
    }
    if (upgrade != null) {
      r.addHeader("Upgrade", upgrade);
    }
    return r;
  }

  /** The stub's record of the request for {@code target}; other tests' requests are skipped. */
  static StubUpstream.Request seen(String target) throws InterruptedException {
    StubUpstream.Request r;
    while ((r = upstream.requests().poll(10, TimeUnit.SECONDS)) != null) {
      if (r.target().equals(target)) {
        return r;
      }
    }
    throw new AssertionError("the upstream saw no request for " + target);
  }

  /** Whether the stub saw the client of {@code target} go away within 10 s. */
  static boolean gone(String target) throws InterruptedException {
    String t;
    while ((t = upstream.clientsGone().poll(10, TimeUnit.SECONDS)) != null) {
      if (t.equals(target)) {
        return true;
      }
    }
    return false;
  }

  record RawResponse(ResponseHead head, String body) {}

  Socket rawUpgrade(String path) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(10_000);
    socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
        + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + KEY + "\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    return socket;
  }

  RawResponse rawAnswer(String path) throws IOException {
    try (Socket socket = rawUpgrade(path)) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      ResponseHead head = ResponseHead.read(in, 64 * 1024);
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      head.copyBody(in, body);
      return new RawResponse(head, body.toString(StandardCharsets.UTF_8));
    }
  }

  /** A masked text frame, as clients send them (the mask is zero, which leaves the payload as it is). */
  static void sendTextFrame(OutputStream out, String text) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    out.write(new byte[] {(byte) 0x81, (byte) (0x80 | payload.length), 0, 0, 0, 0});
    out.write(payload);
    out.flush();
  }

  static String readTextFrame(InputStream in) throws IOException {
    assertThat(in.read()).isEqualTo(0x81);
    int length = in.read();
    return new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  static byte[] concat(String raw) {
    return raw.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Collects whole text messages and the close code. */
  static final class Messages implements WebSocket.Listener {
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    String next() throws InterruptedException {
      return received.poll(10, TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        received.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
    }
  }
}
