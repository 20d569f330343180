package dev.incline.standalone;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** Reads a server-sent event stream in the background, as a browser's EventSource would. */
final class SseClient {

  record Event(String id, String name, String data, long receivedAtNanos) {}

  final List<Event> events = new CopyOnWriteArrayList<>();
  final CompletableFuture<Integer> done = new CompletableFuture<>();

  static SseClient open(HttpClient http, URI uri, String key, String lastEventId) {
    SseClient client = new SseClient();
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + key)
        .header("Accept", "text/event-stream").timeout(Duration.ofMinutes(5));
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    Thread.ofVirtual().start(() -> {
      try {
        HttpResponse<java.io.InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
          response.body().close();
          client.done.complete(response.statusCode());
          return;
        }
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
          String id = null;
          String name = "message";
          StringBuilder data = new StringBuilder();
          String line;
          while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
              if (!data.isEmpty()) {
                client.events.add(new Event(id, name, data.toString(), System.nanoTime()));
                if (name.equals("end")) {
                  break;
                }
              }
              id = null;
              name = "message";
              data.setLength(0);
            } else if (line.startsWith("id:")) {
              id = line.substring(3).strip();
            } else if (line.startsWith("event:")) {
              name = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
              data.append(line.substring(5).strip());
            }
          }
        }
        client.done.complete(200);
      } catch (Exception e) {
        client.done.completeExceptionally(e);
      }
    });
    return client;
  }

  List<Event> named(String name) {
    return events.stream().filter(e -> e.name().equals(name)).toList();
  }
}
