package dev.incline.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FetchModelTest {

  @TempDir Path tmp;
  private HttpServer server;
  private String base;
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  private final AtomicInteger downloads = new AtomicInteger();
  /** The Authorization header of each request, manifest and files alike. */
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private volatile String manifest = "{\"files\": []}";
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/internal/v1/deployments/dep_1/model-manifest", ex -> {
      boolean ok = "Bearer dep-token".equals(ex.getRequestHeaders().getFirst("Authorization"));
      byte[] body = ok ? manifest.getBytes(StandardCharsets.UTF_8) : new byte[0];
      ex.sendResponseHeaders(ok ? 200 : 401, ok ? body.length : -1);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.createContext("/s3/", ex -> {
      downloads.incrementAndGet();
      authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
      byte[] body = objects.get(ex.getRequestURI().getPath().substring(4));
      ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
      if (body != null) {
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    Files.writeString(tmp.resolve("token"), "dep-token\n");
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String file(String path, byte[] content, String sha) {
    String key = "o" + objects.size();
    objects.put(key, content);
    return "{\"path\": " + Json.quote(path) + ", \"size\": " + content.length + ", \"sha256\": \"" + sha + "\", \"url\": "
        + Json.quote(base + "/s3/" + key + "?X-Amz-Signature=x&X-Amz-Expires=3600") + "}";
  }

  private static String manifest(String... files) {
    return "{\"files\": [" + String.join(", ", files) + "]}";
  }

  private static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private int run(Map<String, String> env, String... extra) {
    CommandLine cmd = Agent.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    ((FetchModelCommand) cmd.getSubcommands().get("fetch-model").getCommand()).env = env::get;
    List<String> args = new ArrayList<>(List.of("fetch-model", "--manifest-url",
        base + "/internal/v1/deployments/dep_1/model-manifest", "--dest", tmp.resolve("models/digits").toString()));
    args.addAll(List.of(extra));
    return cmd.execute(args.toArray(String[]::new));
  }

  private int run() {
    return run(Map.of("INCLINE_DEPLOYMENT_TOKEN", "dep-token"));
  }

  @Test
  void fetchesTheModelReadOnlyAndCheckedWithTheTokenFromTheEnvironment() throws Exception {
    byte[] onnx = new byte[] {8, 7, 0, 1, 2, 3};
    byte[] vocab = "ä b c\n".getBytes(StandardCharsets.UTF_8);
    manifest = manifest(file("model.onnx", onnx, sha(onnx)), file("assets/vocab tokens.txt", vocab, sha(vocab)));
    assertThat(run()).as(err.toString()).isZero();
    Path dir = tmp.resolve("models/digits");
    assertThat(Files.readAllBytes(dir.resolve("model.onnx"))).isEqualTo(onnx);
    assertThat(Files.readAllBytes(dir.resolve("assets/vocab tokens.txt"))).isEqualTo(vocab);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("model.onnx")))).isEqualTo("r--r--r--");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("r-xr-xr-x");
    assertThat(out.toString()).contains("fetched the model into").contains("2 files, " + (onnx.length + vocab.length) + " bytes");
    // the token goes to the manifest's server only, never with the presigned downloads
    assertThat(authorizations).hasSize(2).containsOnly("null");
    // nothing else is left beside it
    try (var left = Files.list(tmp.resolve("models"))) {
      assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly("digits");
    }
  }

  @Test
  void aCompleteDestinationIsLeftAsItIs() throws Exception {
    byte[] onnx = "model".getBytes();
    manifest = manifest(file("model.onnx", onnx, sha(onnx)));
    assertThat(run()).isZero();
    assertThat(downloads.get()).isEqualTo(1);
    // a restarted pod: the emptyDir still holds it; not even the manifest (nor a still valid token) is needed
    assertThat(run(Map.of())).isZero();
    assertThat(downloads.get()).isEqualTo(1);
    assertThat(out.toString()).contains("the model is already in");
  }

  @Test
  void theTokenMayComeFromAFile() throws Exception {
    byte[] onnx = "model".getBytes();
    manifest = manifest(file("model.onnx", onnx, sha(onnx)));
    assertThat(run(Map.of("INCLINE_DEPLOYMENT_TOKEN", "wrong"), "--token-file", tmp.resolve("token").toString()))
        .as(err.toString()).isZero();
  }

  @Test
  void aFileThatDoesNotMatchItsChecksumLeavesNothingAtTheDestination() throws Exception {
    byte[] good = "good".getBytes();
    byte[] tampered = "tampered".getBytes();
    manifest = manifest(file("a.bin", good, sha(good)), file("model.onnx", tampered, sha("original".getBytes())));
    assertThat(run()).isEqualTo(Agent.FAILED);
    assertThat(err.toString()).contains("SHA-256");
    try (var left = Files.list(tmp.resolve("models"))) {
      assertThat(left.toList()).isEmpty();
    }
    // once the bytes are right, the next attempt (the kubelet restarts the init container) succeeds
    manifest = manifest(file("a.bin", good, sha(good)), file("model.onnx", "original".getBytes(), sha("original".getBytes())));
    assertThat(run()).as(err.toString()).isZero();
  }

  @Test
  void pathsOutsideTheDestinationAreRefusedBeforeAnyDownload() throws Exception {
    byte[] x = "x".getBytes();
    for (String path : List.of("../escape.onnx", "/etc/model.onnx", "a/../../escape", "a//b", "./model.onnx", "a\\..\\b")) {
      manifest = manifest(file(path, x, sha(x)));
      assertThat(run()).as(path).isEqualTo(Agent.REJECTED);
      assertThat(err.toString()).contains("outside the model's directory");
    }
    assertThat(downloads.get()).isZero();
    assertThat(Files.exists(tmp.resolve("models/escape.onnx"))).isFalse();
    assertThat(Files.exists(tmp.resolve("escape.onnx"))).isFalse();
    assertThat(Files.exists(tmp.resolve("models/digits"))).isFalse();
  }

  @Test
  void aWrongTokenOrNoneFailsWithoutTouchingTheDestination() {
    assertThat(run(Map.of("INCLINE_DEPLOYMENT_TOKEN", "stolen"))).isEqualTo(Agent.FAILED);
    assertThat(err.toString()).contains("answered 401");
    assertThat(run(Map.of())).isEqualTo(Agent.REJECTED);
    assertThat(err.toString()).contains("INCLINE_DEPLOYMENT_TOKEN");
    assertThat(Files.exists(tmp.resolve("models/digits"))).isFalse();
  }

  @Test
  void unreadableManifestsAreRejected() throws Exception {
    byte[] x = "x".getBytes();
    for (String bad : List.of("not json", "{\"files\": []}", "{\"files\": {}}", "[]",
        manifest(file("m.onnx", x, "abc")),
        manifest(file("m.onnx", x, sha(x)), file("m.onnx", x, sha(x))),
        manifest(file("m.onnx", x, sha(x)).replace("\"size\": 1", "\"size\": -1")),
        manifest(file("m.onnx", x, sha(x)).replace("http://", "file://")))) {
      manifest = bad;
      assertThat(run()).as(bad).isEqualTo(Agent.REJECTED);
    }
    assertThat(downloads.get()).isZero();
  }

  @Test
  void theManifestParserReadsWhatTheServiceWrites() {
    var files = FetchModelCommand.parse("""
        { "files" : [ { "path": "model.onnx", "size": 123, "sha256": "%s",
                        "url": "https:\\/\\/s3.example\\/b\\/k?X-Amz-Signature=a%%2Fb&x=1" } ],
          "model": {"name": "digits", "version": 3, "extra": [true, false, null, 1.5e3]} }
        """.formatted("A".repeat(64)));
    assertThat(files).singleElement().satisfies(f -> {
      assertThat(f.path()).isEqualTo("model.onnx");
      assertThat(f.size()).isEqualTo(123);
      assertThat(f.sha256()).isEqualTo("a".repeat(64));
      assertThat(f.url().toString()).isEqualTo("https://s3.example/b/k?X-Amz-Signature=a%2Fb&x=1");
    });
    assertThatThrownBy(() -> Json.parse("{\"a\": 1,}")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Json.parse("{\"a\": \"\\u12\"}")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Json.parse("[1] x")).hasMessageContaining("after the JSON value");
    assertThat(Json.parse("{\"s\": \"\\u00e9\\n\\\"\"}")).isEqualTo(Map.of("s", "é\n\""));
  }
}
