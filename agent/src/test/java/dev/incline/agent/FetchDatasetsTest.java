package dev.incline.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FetchDatasetsTest {

  @TempDir Path tmp;
  private HttpServer server;
  private String base;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final AtomicInteger downloads = new AtomicInteger();
  private volatile String listing = "";
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/internal/v1/jobs/", ex -> {
      boolean ok = "Bearer job-token".equals(ex.getRequestHeaders().getFirst("Authorization"))
          && ex.getRequestURI().getPath().equals("/internal/v1/jobs/job_1/datasets");
      byte[] body = ok ? listing.getBytes(StandardCharsets.UTF_8) : new byte[0];
      ex.sendResponseHeaders(ok ? 200 : 404, ok ? body.length : -1);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.createContext("/s3/", ex -> {
      downloads.incrementAndGet();
      byte[] body = files.get(ex.getRequestURI().getPath().substring(4));
      ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
      if (body != null) {
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    Files.writeString(tmp.resolve("token"), "job-token\n");
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String line(String version, String mountAs, String path, byte[] content, String sha) {
    String key = "o" + files.size();
    files.put(key, content);
    return version + "\t" + mountAs + "\t" + URLEncoder.encode(path, StandardCharsets.UTF_8) + "\t" + content.length + "\t" + sha
        + "\t" + base + "/s3/" + key + "?X-Amz-Signature=x\n";
  }

  private static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private int run(String job) {
    CommandLine cmd = Agent.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute("fetch-datasets", "--api", base + "/", "--job", job, "--token-file", tmp.resolve("token").toString(),
        "--cache", tmp.resolve("cache").toString());
  }

  @Test
  void fetchesEachVersionOnceReadOnlyAndChecked() throws Exception {
    byte[] a = "a,b\n1,2\n".getBytes();
    byte[] u = "ünï".getBytes(StandardCharsets.UTF_8);
    listing = line("dsv_1", "raw", "train/a.csv", a, sha(a)) + line("dsv_1", "raw", "docs/ü x.txt", u, sha(u))
        + line("dsv_2", "other", "b.bin", new byte[] {1, 2, 3}, sha(new byte[] {1, 2, 3}));
    assertThat(run("job_1")).as(err.toString()).isZero();
    Path v1 = tmp.resolve("cache/dsv_1");
    assertThat(Files.readAllBytes(v1.resolve("train/a.csv"))).isEqualTo(a);
    assertThat(Files.readAllBytes(v1.resolve("docs/ü x.txt"))).isEqualTo(u);
    assertThat(Files.readAllBytes(tmp.resolve("cache/dsv_2/b.bin"))).containsExactly(1, 2, 3);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(v1.resolve("train/a.csv")))).isEqualTo("r--r--r--");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(v1.resolve("train")))).isEqualTo("r-xr-xr-x");
    assertThat(downloads.get()).isEqualTo(3);

    // the next pod of the team finds them on the volume
    assertThat(run("job_1")).isZero();
    assertThat(downloads.get()).isEqualTo(3);
    assertThat(out.toString()).contains("dsv_1 is already on the team volume");
  }

  @Test
  void aFileThatDoesNotMatchItsChecksumLeavesNoVersion() throws Exception {
    byte[] a = "tampered".getBytes();
    listing = line("dsv_9", "raw", "a.txt", a, sha("original".getBytes()));
    assertThat(run("job_1")).isEqualTo(Agent.FAILED);
    assertThat(err.toString()).contains("SHA-256");
    try (var left = Files.list(tmp.resolve("cache"))) {
      assertThat(left.toList()).isEmpty();
    }
  }

  @Test
  void refusesPathsOutsideTheVersionAndUnreadableListings() throws Exception {
    byte[] a = "x".getBytes();
    listing = line("dsv_3", "raw", "../escape.txt", a, sha(a));
    assertThat(run("job_1")).isEqualTo(Agent.FAILED);
    assertThat(Files.exists(tmp.resolve("cache/escape.txt"))).isFalse();
    assertThat(Files.exists(tmp.resolve("escape.txt"))).isFalse();
    listing = "dsv_4\tonly-two-fields\n";
    assertThat(run("job_1")).isEqualTo(Agent.REJECTED);
    assertThat(run("job_other")).isEqualTo(Agent.FAILED);
    assertThat(err.toString()).contains("answered 404");
  }
}
