package dev.incline.standalone;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A Jupyter kernel's WebSocket channels, as the notebook page in a browser uses them: one execution. */
final class KernelSocket {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private KernelSocket() {}

  /** Runs {@code code}; answers the {@code text/plain} of its {@code execute_result}. */
  static String execute(HttpClient http, URI channels, Map<String, String> headers, String code) throws Exception {
    String msgId = UUID.randomUUID().toString();
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    StringBuilder partial = new StringBuilder();
    WebSocket ws = b.buildAsync(channels, new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          JsonNode msg = JSON.readTree(partial.toString());
          partial.setLength(0);
          String type = msg.path("header").path("msg_type").asString("");
          if (msgId.equals(msg.path("parent_header").path("msg_id").asString("")) && (type.equals("execute_result") || type.equals("error"))) {
            result.complete(msg);
          }
        }
        socket.request(1);
        return null;
      }
    }).get(20, TimeUnit.SECONDS);
    try {
      ws.sendText(JSON.writeValueAsString(Map.of(
          "header", Map.of("msg_id", msgId, "username", "e2e", "session", UUID.randomUUID().toString(), "msg_type", "execute_request",
              "version", "5.3"),
          "parent_header", Map.of(), "metadata", Map.of(), "buffers", List.of(), "channel", "shell",
          "content", Map.of("code", code, "silent", false, "store_history", false, "user_expressions", Map.of(), "allow_stdin", false,
              "stop_on_error", true))), true).get(10, TimeUnit.SECONDS);
      JsonNode msg = result.get(60, TimeUnit.SECONDS);
      return msg.path("content").path("data").path("text/plain").asString(msg.toString());
    } finally {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }
  }

  /** The status the server refused the upgrade with; fails when the upgrade succeeds. */
  static int refusal(HttpClient http, URI channels, Map<String, String> headers) throws Exception {
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    try {
      WebSocket ws = b.buildAsync(channels, new WebSocket.Listener() {}).get(20, TimeUnit.SECONDS);
      ws.abort();
      throw new AssertionError("the upgrade to " + channels + " was accepted");
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      while (c != null && !(c instanceof WebSocketHandshakeException)) {
        c = c.getCause();
      }
      if (c == null) {
        throw e;
      }
      return ((WebSocketHandshakeException) c).getResponse().statusCode();
    }
  }
}
