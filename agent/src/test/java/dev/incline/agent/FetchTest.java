package dev.incline.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FetchTest {

  @TempDir Path tmp;
  private HttpServer server;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      byte[] body = files.get(ex.getRequestURI().getPath());
      ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
      if (body != null) {
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path + "?X-Amz-Signature=secret";
  }

  private int run(String... args) {
    CommandLine cmd = Agent.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  static byte[] zip(String name, String content) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry(name));
      zip.write(content.getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    return bytes.toByteArray();
  }

  static byte[] tarGz(String name, String content) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] data = content.getBytes(StandardCharsets.UTF_8);
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
      TarArchiveEntry entry = new TarArchiveEntry(name);
      entry.setSize(data.length);
      entry.setMode(0755);
      tar.putArchiveEntry(entry);
      tar.write(data);
      tar.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }

  @Test
  void fetchesAndUnpacksAZip() throws Exception {
    files.put("/ws.zip", zip("src/train.py", "print('hi')"));
    Path dest = tmp.resolve("workspace");
    assertThat(run("fetch", "--url", url("/ws.zip"), "--dest", dest.toString())).as(err.toString()).isZero();
    assertThat(dest.resolve("src/train.py")).hasContent("print('hi')");
    assertThat(out.toString()).contains("fetched archive from http://127.0.0.1:", "1 files, 11 bytes")
        .as("the presigned signature is a credential").doesNotContain("secret");
  }

  @Test
  void fetchesAndUnpacksATarGzKeepingTheExecBit() throws Exception {
    files.put("/ws.tar.gz", tarGz("run.sh", "echo run"));
    Path dest = tmp.resolve("workspace");
    assertThat(run("fetch", "--url", url("/ws.tar.gz"), "--dest", dest.toString())).as(err.toString()).isZero();
    assertThat(dest.resolve("run.sh")).hasContent("echo run").isExecutable();
  }

  @Test
  void aHostileArchiveIsRejectedWithExitCodeTwo() throws Exception {
    files.put("/evil.zip", zip("../../etc/cron.d/x", "boom"));
    Path dest = tmp.resolve("box/workspace");
    assertThat(run("fetch", "--url", url("/evil.zip"), "--dest", dest.toString())).isEqualTo(Agent.REJECTED);
    assertThat(err.toString()).contains("rejected", "outside");
    assertThat(tmp.resolve("etc")).doesNotExist();
  }

  @Test
  void aFailedDownloadExitsWithOne() {
    assertThat(run("fetch", "--url", url("/missing.zip"), "--dest", tmp.resolve("w").toString())).isEqualTo(Agent.FAILED);
    assertThat(err.toString()).contains("could not fetch", "HTTP 404").doesNotContain("secret");
  }

  @Test
  void aFailedCloneExitsWithOne() {
    int code = run("fetch", "--git-url", tmp.resolve("no-such-repo").toUri().toString(), "--git-ref", "main",
        "--dest", tmp.resolve("w").toString());
    assertThat(code).isEqualTo(Agent.FAILED);
    assertThat(err.toString()).contains("could not fetch the workspace git");
  }

  @Test
  void urlAndGitUrlAreExclusiveAndOneIsRequired() {
    assertThat(run("fetch", "--dest", tmp.toString())).isEqualTo(2);
    assertThat(run("fetch", "--url", url("/a"), "--git-url", "x", "--dest", tmp.toString())).isEqualTo(2);
  }

  @Test
  void helpWorksWithoutArguments() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("fetch", "upload");
    assertThat(run("upload", "--help")).isZero();
    assertThat(out.toString()).contains("--token-file", "--settle");
  }
}
