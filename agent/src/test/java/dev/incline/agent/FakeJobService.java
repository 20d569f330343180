package dev.incline.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Plays job-service (the presign endpoint) and S3 (the PUT target) in one local HTTP server. */
final class FakeJobService implements AutoCloseable {

  record Presign(String job, String authorization, String body) {}

  record Put(String path, byte[] bytes) {
    String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  final List<Presign> presigns = new CopyOnWriteArrayList<>();
  final List<Put> puts = new CopyOnWriteArrayList<>();
  /** The next this many presign requests answer 503. */
  final AtomicInteger failNext = new AtomicInteger();
  private final HttpServer server;

  FakeJobService() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/internal/v1/jobs/", this::presign);
    server.createContext("/s3/", this::put);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  List<String> putPaths() {
    return puts.stream().map(Put::path).toList();
  }

  private void presign(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String[] parts = ex.getRequestURI().getPath().split("/");
    if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      respond(ex, 503, "{\"title\":\"Service Unavailable\"}");
      return;
    }
    presigns.add(new Presign(parts[4], ex.getRequestHeaders().getFirst("Authorization"), body));
    String path = Json.stringField(body, "path");
    respond(ex, 200, "{\"url\":" + Json.quote(uri() + "/s3/" + path + "?X-Amz-Signature=abc") + ",\"method\":\"PUT\",\"key\":\"k\"}");
  }

  private void put(HttpExchange ex) throws IOException {
    if (!ex.getRequestMethod().equals("PUT")) {
      respond(ex, 405, "");
      return;
    }
    puts.add(new Put(ex.getRequestURI().getPath().substring("/s3/".length()), ex.getRequestBody().readAllBytes()));
    respond(ex, 200, "");
  }

  private static void respond(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      ex.getResponseBody().write(bytes);
    }
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
