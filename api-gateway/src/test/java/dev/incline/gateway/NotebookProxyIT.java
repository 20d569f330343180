package dev.incline.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.embedded.SharedInfrastructure;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import dev.incline.platform.web.StubUpstream;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A running notebook through the gateway: its HTTP and its kernel's WebSocket reach notebook-service
 * (a {@link StubUpstream} that echoes WebSocket messages) as the caller, with an internal token and
 * none of the client's credentials; browsers authenticate with the notebook cookie.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = GatewayApplication.CONFIG_NAME)
class NotebookProxyIT {

  static final String SECRET = "notebook-proxy-internal-secret-0123456789";
  static final String KEY = "notebook-proxy-admin-key-0123456789";
  static final String COOKIE = "incline_notebook_key";
  static final StubUpstream notebookService = start();

  static StubUpstream start() {
    try {
      return StubUpstream.start();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    notebookService.close();
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    SharedInfrastructure.properties("gateway_notebooks").forEach((k, v) -> registry.add(k, () -> v));
    registry.add("incline.internal-token.secret", () -> SECRET);
    registry.add("incline.gateway.bootstrap.api-key", () -> KEY);
    registry.add("incline.gateway.services.notebooks", () -> "http://127.0.0.1:" + notebookService.port());
  }

  @LocalServerPort int port;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  HttpResponse<String> send(String method, String path, Consumer<HttpRequest.Builder> headers, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    headers.accept(b);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  WebSocket connect(String path, Messages messages, Consumer<WebSocket.Builder> headers) throws Exception {
    WebSocket.Builder b = http.newWebSocketBuilder();
    headers.accept(b);
    return b.buildAsync(URI.create("ws://127.0.0.1:" + port + path), messages).get(10, TimeUnit.SECONDS);
  }

  /** The status a refused WebSocket handshake was answered with. */
  int refusedWith(String path, Consumer<WebSocket.Builder> headers) {
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> connect(path, new Messages(), headers));
    assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
    return ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
  }

  static StubUpstream.Request seen(String target) throws InterruptedException {
    StubUpstream.Request r;
    while ((r = notebookService.requests().poll(10, TimeUnit.SECONDS)) != null) {
      if (r.target().equals(target)) {
        return r;
      }
    }
    throw new AssertionError("notebook-service saw no request for " + target);
  }

  static Caller caller(StubUpstream.Request request) {
    String token = request.header(InternalTokens.HEADER);
    assertThat(token).as("internal token").isNotNull();
    return InternalTokens.toCaller(new InternalTokens(SECRET, Duration.ofMinutes(1), Clock.systemUTC()).decoder().decode(token));
  }

  static void assertNoClientCredentials(StubUpstream.Request request) {
    assertThat(request.headers().keySet()).doesNotContain("authorization", "x-api-key");
    assertThat(request.target()).doesNotContain("key=");
    assertThat(String.valueOf(request.header("Cookie"))).doesNotContain(COOKIE, KEY);
  }

  @Test
  void notebookHttpReachesNotebookServiceAsTheCaller() throws Exception {
    HttpResponse<String> get = send("GET", "/notebooks/nb_http/api/kernels?since=1", b -> b.header("X-API-Key", KEY), null);
    assertThat(get.statusCode()).isEqualTo(200);
    StubUpstream.Request seenGet = seen("/notebooks/nb_http/api/kernels?since=1");
    assertThat(caller(seenGet).teamName()).isEqualTo("default");
    assertNoClientCredentials(seenGet);

    HttpResponse<String> post = send("POST", "/notebooks/nb_http/api/contents", b -> b
        .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
        .header(InternalTokens.HEADER, "forged"), "{\"type\":\"notebook\"}");
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(post.body()).contains("\"got\":19");
    StubUpstream.Request seenPost = seen("/notebooks/nb_http/api/contents");
    assertThat(seenPost.method()).isEqualTo("POST");
    assertThat(caller(seenPost).teamName()).isEqualTo("default");
    assertNoClientCredentials(seenPost);

    assertThat(send("GET", "/api/v1/notebooks", b -> b.header("X-API-Key", KEY), null).statusCode()).isEqualTo(200);
    assertThat(caller(seen("/api/v1/notebooks")).teamName()).isEqualTo("default");
    assertThat(send("GET", "/notebooks/nb_http/api/kernels", b -> {}, null).statusCode()).isEqualTo(401);

    // what notebooks serve is data, not a change to the platform
    String audit = send("GET", "/api/v1/audit-events?limit=50", b -> b.header("X-API-Key", KEY), null).body();
    assertThat(audit).doesNotContain("/notebooks/");
  }

  @Test
  void theKernelWebSocketIsTunnelledAsTheCaller() throws Exception {
    Messages messages = new Messages();
    WebSocket ws = connect("/notebooks/nb_ws/api/kernels/k1/channels?session_id=s1", messages, b -> b
        .header("X-API-Key", KEY).header(InternalTokens.HEADER, "forged").subprotocols("v1.kernel.websocket.jupyter.org"));
    assertThat(ws.getSubprotocol()).isEqualTo("v1.kernel.websocket.jupyter.org");
    ws.sendText("{\"msg_type\":\"execute_request\"}", true).get(5, TimeUnit.SECONDS);
    assertThat(messages.next()).isEqualTo("{\"msg_type\":\"execute_request\"}");
    StubUpstream.Request upgrade = seen("/notebooks/nb_ws/api/kernels/k1/channels?session_id=s1");
    assertThat(caller(upgrade).teamName()).isEqualTo("default");
    assertNoClientCredentials(upgrade);
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
  }

  @Test
  void anUpgradeWithoutAValidKeyIsRefusedBeforeNotebookService() throws Exception {
    assertThat(refusedWith("/notebooks/nb_ws/api/kernels/k2/channels", b -> {})).isEqualTo(401);
    assertThat(refusedWith("/notebooks/nb_ws/api/kernels/k2/channels", b -> b.header("X-API-Key", "ink_not-a-valid-key-at-all")))
        .isEqualTo(401);
    assertThat(notebookService.all()).noneMatch(r -> r.target().contains("/k2/"));
  }

  @Test
  void aKeyInTheQueryIsTradedForACookieScopedToTheNotebook() throws Exception {
    HttpResponse<String> traded = send("GET", "/notebooks/nb_cookie/lab/tree?path=a%20b&key=" + KEY + "&x=1", b -> {}, null);
    assertThat(traded.statusCode()).isEqualTo(303);
    assertThat(traded.headers().firstValue("Location")).hasValue("/notebooks/nb_cookie/lab/tree?path=a%20b&x=1");
    String setCookie = traded.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).startsWith(COOKIE + "=" + KEY + ";")
        .contains("Path=/notebooks/nb_cookie/", "HttpOnly", "SameSite=Strict").doesNotContain("Secure");
    assertThat(traded.headers().firstValue("Cache-Control")).hasValue("no-store");

    HttpResponse<String> behindTls = send("GET", "/notebooks/nb_cookie?key=" + KEY, b -> b.header("X-Forwarded-Proto", "https"), null);
    assertThat(behindTls.statusCode()).isEqualTo(303);
    assertThat(behindTls.headers().firstValue("Location")).hasValue("/notebooks/nb_cookie/");
    assertThat(behindTls.headers().firstValue("Set-Cookie").orElseThrow()).contains("Secure");

    assertThat(send("GET", "/notebooks/nb_cookie/lab?key=ink_not-a-valid-key-at-all", b -> {}, null).statusCode()).isEqualTo(401);
    assertThat(send("POST", "/notebooks/nb_cookie/api/contents?key=" + KEY, b -> b.header("X-API-Key", KEY), "{}").statusCode())
        .isEqualTo(400);
    assertThat(notebookService.all()).noneMatch(r -> r.target().contains("key="));
  }

  /** The cookie as a browser keeps it: sent on the notebook's paths only, and accepted there only. */
  @Test
  void theCookieAuthenticatesItsNotebookOnly() throws Exception {
    HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL)).build();
    String base = "http://127.0.0.1:" + port;
    HttpResponse<String> traded = browser.send(HttpRequest.newBuilder(URI.create(base + "/notebooks/nb_mine/lab?key=" + KEY)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(traded.statusCode()).isEqualTo(303);
    HttpResponse<String> own = browser.send(HttpRequest.newBuilder(URI.create(base + "/notebooks/nb_mine/api/status")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(own.statusCode()).isEqualTo(200);
    StubUpstream.Request seenOwn = seen("/notebooks/nb_mine/api/status");
    assertThat(caller(seenOwn).teamName()).isEqualTo("default");
    assertNoClientCredentials(seenOwn);
    assertThat(browser.send(HttpRequest.newBuilder(URI.create(base + "/notebooks/nb_other/api/status")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    assertThat(browser.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/me")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);

    // sent by hand, the cookie is still no key for the API or for inference
    String cookie = COOKIE + "=" + KEY;
    assertThat(send("GET", "/api/v1/me", b -> b.header("Cookie", cookie), null).statusCode()).isEqualTo(401);
    assertThat(send("GET", "/api/v1/notebooks", b -> b.header("Cookie", cookie), null).statusCode()).isEqualTo(401);
    assertThat(send("POST", "/deployments/dep_1/v2/models/m/infer", b -> b.header("Cookie", cookie), "{}").statusCode())
        .isEqualTo(401);
    // a key in a header wins, even a wrong one
    assertThat(send("GET", "/notebooks/nb_mine/api/status", b -> b.header("Cookie", cookie)
        .header("X-API-Key", "ink_not-a-valid-key-at-all"), null).statusCode()).isEqualTo(401);
  }

  @Test
  void theCookieOpensTheKernelWebSocketFromTheNotebooksOwnOriginOnly() throws Exception {
    String cookies = "_xsrf=2|abc; " + COOKIE + "=" + KEY + "; theme=dark";
    Messages messages = new Messages();
    WebSocket ws = connect("/notebooks/nb_browser/api/kernels/k3/channels", messages, b -> b
        .header("Cookie", cookies).header("Origin", "http://127.0.0.1:" + port));
    ws.sendText("from the browser", true).get(5, TimeUnit.SECONDS);
    assertThat(messages.next()).isEqualTo("from the browser");
    StubUpstream.Request upgrade = seen("/notebooks/nb_browser/api/kernels/k3/channels");
    assertThat(caller(upgrade).teamName()).isEqualTo("default");
    assertThat(upgrade.header("Cookie")).isEqualTo("_xsrf=2|abc; theme=dark");
    assertNoClientCredentials(upgrade);
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);

    // behind a proxy, the origin is the one the proxy was asked for
    Messages proxied = new Messages();
    connect("/notebooks/nb_browser/api/kernels/k4/channels", proxied, b -> b.header("Cookie", cookies)
        .header("Origin", "https://notebooks.example.com").header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-Host", "notebooks.example.com")).sendText("proxied", true).get(5, TimeUnit.SECONDS);
    assertThat(proxied.next()).isEqualTo("proxied");

    assertThat(refusedWith("/notebooks/nb_browser/api/kernels/k5/channels", b -> b.header("Cookie", cookies)
        .header("Origin", "https://evil.example"))).isEqualTo(403);
    assertThat(refusedWith("/notebooks/nb_browser/api/kernels/k5/channels", b -> b.header("Cookie", cookies)
        .header("Origin", "null"))).isEqualTo(403);
    assertThat(refusedWith("/notebooks/nb_browser/api/kernels/k5/channels", b -> b.header("Cookie", COOKIE + "=wrong-key-000000")))
        .isEqualTo(401);
    assertThat(notebookService.all()).noneMatch(r -> r.target().contains("/k5/"));
    // a key in a header is not a browser's ambient credential: any origin may use it
    Messages scripted = new Messages();
    connect("/notebooks/nb_browser/api/kernels/k6/channels", scripted, b -> b.header("X-API-Key", KEY)
        .header("Origin", "https://tools.example")).sendText("scripted", true).get(5, TimeUnit.SECONDS);
    assertThat(scripted.next()).isEqualTo("scripted");
  }

  @Test
  void httpRequestsDropTheNotebookCookieAndKeepTheNotebooksOwn() throws Exception {
    HttpResponse<String> r = send("GET", "/notebooks/nb_jar/api/sessions", b -> b
        .header("Cookie", "_xsrf=2|abc; " + COOKIE + "=" + KEY), null);
    assertThat(r.statusCode()).isEqualTo(200);
    StubUpstream.Request seenJar = seen("/notebooks/nb_jar/api/sessions");
    assertThat(seenJar.header("Cookie")).isEqualTo("_xsrf=2|abc");
    assertNoClientCredentials(seenJar);
    assertThat(send("GET", "/notebooks/nb_jar/api/sessions", b -> b.header("Cookie", COOKIE + "=" + KEY)
        .header("Origin", "https://evil.example"), null).statusCode()).isEqualTo(403);
  }

  /** Collects whole text messages. */
  static final class Messages implements WebSocket.Listener {
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
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
  }
}
