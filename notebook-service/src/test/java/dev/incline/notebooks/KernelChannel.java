package dev.incline.notebooks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A kernel's WebSocket channels as a browser uses them (Jupyter's messaging protocol in JSON text
 * frames): sends one {@code execute_request} and waits for its {@code execute_result}.
 */
final class KernelChannel {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private KernelChannel() {}

  /** Opens the channel; fails with the handshake's error (a 401, a 404) when the upgrade is refused. */
  static WebSocket open(HttpClient http, URI channels, Map<String, String> headers, CompletableFuture<JsonNode> result, String msgId)
      throws Exception {
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    StringBuilder partial = new StringBuilder();
    return b.buildAsync(channels, new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          JsonNode msg = JSON.readTree(partial.toString());
          partial.setLength(0);
          if (msgId.equals(msg.path("parent_header").path("msg_id").asString(""))) {
            String type = msg.path("msg_type").asString(msg.path("header").path("msg_type").asString(""));
            if (type.equals("execute_result") || type.equals("error")) {
              result.complete(msg);
            }
          }
        }
        ws.request(1);
        return null;
      }

      @Override
      public void onError(WebSocket ws, Throwable error) {
        result.completeExceptionally(error);
      }
    }).get(20, TimeUnit.SECONDS);
  }

  /** Executes {@code code} in the kernel behind {@code channels}; answers the result's {@code text/plain}. */
  static String execute(HttpClient http, URI channels, Map<String, String> headers, String code) throws Exception {
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    String msgId = UUID.randomUUID().toString();
    WebSocket ws = open(http, channels, headers, result, msgId);
    try {
      String request = JSON.writeValueAsString(Map.of(
          "header", Map.of("msg_id", msgId, "username", "test", "session", UUID.randomUUID().toString(),
              "msg_type", "execute_request", "version", "5.3"),
          "parent_header", Map.of(), "metadata", Map.of(), "buffers", java.util.List.of(), "channel", "shell",
          "content", Map.of("code", code, "silent", false, "store_history", false, "user_expressions", Map.of(),
              "allow_stdin", false, "stop_on_error", true)));
      ws.sendText(request, true).get(10, TimeUnit.SECONDS);
      JsonNode msg = result.get(60, TimeUnit.SECONDS);
      if (!msg.path("msg_type").asString(msg.path("header").path("msg_type").asString("")).equals("execute_result")) {
        throw new AssertionError("the kernel answered " + msg);
      }
      return msg.path("content").path("data").path("text/plain").asString();
    } finally {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }
  }
}
