package dev.incline.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged jar, started the way {@code ./incline up} starts it: catches what tests on the
 * class path cannot, such as a library missing from the jar, and checks that a stop is clean.
 */
class StandaloneJarIT {

  static final JsonMapper json = JsonMapper.builder().build();

  @Test
  void theJarRunsAJobFromAnUploadedWorkspaceAndStopsCleanly() throws Exception {
    Path jar = Path.of("target", "incline-standalone.jar").toAbsolutePath();
    assertThat(jar).exists();
    Path home = Files.createTempDirectory(Path.of("target"), "jar-home-").toAbsolutePath();
    String key = "jar-test-key-" + UUID.randomUUID();
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString())
        .redirectErrorStream(true);
    pb.environment().put("INCLINE_HOME", home.toString());
    pb.environment().put("INCLINE_PORT", "0");
    pb.environment().put("INCLINE_BOOTSTRAP_API_KEY", key);
    Process process = pb.start();
    List<String> output = new CopyOnWriteArrayList<>();
    Thread.ofVirtual().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          output.add(line);
        }
      } catch (Exception ignored) {
        // the process ended
      }
    });
    try {
      Pattern api = Pattern.compile("API:\\s+http://127\\.0\\.0\\.1:(\\d+)/api/v1");
      await().atMost(Duration.ofMinutes(2)).until(() -> output.stream().anyMatch(l -> api.matcher(l).find()) || !process.isAlive());
      String apiLine = output.stream().filter(l -> api.matcher(l).find()).findFirst()
          .orElseThrow(() -> new AssertionError("the jar did not start:\n" + String.join("\n", output)));
      Matcher m = api.matcher(apiLine);
      assertThat(m.find()).isTrue();
      String base = "http://127.0.0.1:" + m.group(1);
      HttpClient http = HttpClient.newHttpClient();

      String project = json.readTree(send(http, HttpRequest.newBuilder(URI.create(base + "/api/v1/projects"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"jar\"}")), key, 201))
          .get("id").asString();
      String uploadId = uploadExample(http, base, key);
      String job = json.readTree(send(http, HttpRequest.newBuilder(URI.create(base + "/api/v1/jobs"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"projectId\": \"" + project + "\", \"command\": \"ls\", "
              + "\"workspace\": {\"uploadId\": \"" + uploadId + "\"}}")), key, 201)).get("id").asString();
      await().atMost(Duration.ofMinutes(1)).until(() -> json.readTree(send(http,
          HttpRequest.newBuilder(URI.create(base + "/api/v1/jobs/" + job)), key, 200)).get("status").asString().equals("Succeeded"));
      assertThat(send(http, HttpRequest.newBuilder(URI.create(base + "/api/v1/jobs/" + job + "/logs")), key, 200))
          .contains("train.py", "README.md");
    } finally {
      process.destroy(); // SIGTERM, as Ctrl-C's SIGINT would
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
    }
    // A clean stop closed PostgreSQL too: its lock file is gone.
    assertThat(home.resolve("postgres").resolve("postmaster.pid")).doesNotExist();
    assertThat(String.join("\n", output)).doesNotContain("Exception");
  }

  static String send(HttpClient http, HttpRequest.Builder request, String key, int expected) throws Exception {
    HttpResponse<String> r = http.send(request.header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
    return r.body();
  }

  static String uploadExample(HttpClient http, String base, String key) throws Exception {
    byte[] archive = StandaloneIT.exampleWorkspace();
    String boundary = "b-" + UUID.randomUUID();
    var body = new java.io.ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ws.tar.gz\"\r\n"
        + "Content-Type: application/gzip\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.write(archive);
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return json.readTree(send(http, HttpRequest.newBuilder(URI.create(base + "/api/v1/workspaces"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), key, 201)).get("uploadId").asString();
  }
}
