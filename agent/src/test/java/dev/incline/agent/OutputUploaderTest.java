package dev.incline.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputUploaderTest {

  @TempDir Path tmp;
  private HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger failNext = new AtomicInteger();
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/internal/v1/jobs/", ex -> {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        ex.sendResponseHeaders(503, -1);
        ex.close();
        return;
      }
      requests.add(ex.getRequestMethod() + " " + URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8)
          + " " + ex.getRequestHeaders().getFirst("Authorization") + " " + body);
      ex.sendResponseHeaders(ex.getRequestMethod().equals("PUT") ? 201 : 204, -1);
      ex.close();
    });
    server.start();
    Files.writeString(tmp.resolve("token"), "tok\n");
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private OutputUploader uploader() {
    return new OutputUploader(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "job_1", tmp.resolve("token"),
        new PrintStream(log, true));
  }

  @Test
  void sendsEachFileThenSaysTheOutputIsComplete() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("workspace/out/sub"));
    Files.writeString(out.resolve("a b.txt"), "A");
    Files.writeString(tmp.resolve("workspace/out/top.csv"), "1,2");
    Files.createSymbolicLink(tmp.resolve("workspace/out/link"), Path.of("/etc/hostname"));
    failNext.set(1); // a transient 503 is tried again
    boolean ok = uploader().uploadAll(List.of(OutputUploader.Output.parse("features=" + tmp.resolve("workspace/out"))));
    assertThat(ok).isTrue();
    assertThat(requests).containsExactly(
        "PUT /internal/v1/jobs/job_1/outputs/features/files/sub/a b.txt Bearer tok A",
        "PUT /internal/v1/jobs/job_1/outputs/features/files/top.csv Bearer tok 1,2",
        "POST /internal/v1/jobs/job_1/outputs/features/uploaded Bearer tok ");
  }

  @Test
  void aMissingOrEmptyDirectoryIsLeftForJobServiceToReport() throws Exception {
    Files.createDirectories(tmp.resolve("empty"));
    boolean ok = uploader().uploadAll(List.of(OutputUploader.Output.parse("a=" + tmp.resolve("missing")),
        OutputUploader.Output.parse("b=" + tmp.resolve("empty"))));
    assertThat(ok).isTrue();
    assertThat(requests).isEmpty();
    assertThat(log.toString()).contains("output a: 0 file(s)");
  }
}
