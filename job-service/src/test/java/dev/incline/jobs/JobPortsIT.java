package dev.incline.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.platform.security.Caller;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A job's exposed port, reached through /api/v1/jobs/{id}/ports/{port}/... on the process runtime. */
class JobPortsIT extends JobServiceTestBase {

  private final Caller alice = caller("team-alice");
  private final Caller bob = caller("team-bob");

  /** Serves /hello.txt, echoes the path and headers of any other GET, and echoes POST bodies. */
  private static final String SERVER = """
      import http.server, sys
      class H(http.server.BaseHTTPRequestHandler):
          def reply(self, code, body):
              self.send_response(code)
              self.send_header('Content-Type', 'text/plain')
              self.send_header('Content-Length', str(len(body)))
              self.end_headers()
              self.wfile.write(body)
          def do_GET(self):
              if self.path == '/hello.txt':
                  self.reply(200, b'hello from the job\\n')
              else:
                  lines = ['path=' + self.path] + [k.lower() + ': ' + v for k, v in self.headers.items()]
                  self.reply(200, '\\n'.join(lines).encode())
          def do_POST(self):
              self.reply(201, self.rfile.read(int(self.headers.get('Content-Length', 0))))
      http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
      """;

  @Test
  void theTeamReachesARunningJobsPortAndNoOneElseDoes() throws Exception {
    int jobPort = freePort();
    String project = createProject(alice, "ports");
    String command = "cat > server.py <<'PY'\n" + SERVER + "PY\nexec /usr/bin/python3 server.py " + jobPort;
    HttpResponse<String> created = post(alice, "/api/v1/jobs", json.writeValueAsString(
        Map.of("projectId", project, "command", command, "ports", List.of(jobPort))));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = body(created).get("id").asString();
    String base = "/api/v1/jobs/" + id + "/ports/" + jobPort;

    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> get(alice, base + "/hello.txt").statusCode() == 200);
    HttpResponse<String> hello = get(alice, base + "/hello.txt");
    assertThat(hello.body()).isEqualTo("hello from the job\n");
    assertThat(hello.headers().firstValue("Content-Type")).hasValue("text/plain");

    JsonNode job = body(get(alice, "/api/v1/jobs/" + id));
    assertThat(job.get("status").asString()).isEqualTo("Running");
    assertThat(job.get("endpoints").get(Integer.toString(jobPort)).asString()).isEqualTo("http://127.0.0.1:" + jobPort);

    // Path and query go on as sent; the platform's credentials do not.
    HttpResponse<String> echo = http.send(request(alice, base + "/a/b%20c?x=1&y=a%2Fb")
        .header("Authorization", "Bearer inc_secret").header("X-API-Key", "inc_secret").header("X-Custom", "kept")
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(echo.statusCode()).as(echo.body()).isEqualTo(200);
    assertThat(echo.body().lines()).contains("path=/a/b%20c?x=1&y=a%2Fb", "x-custom: kept", "x-forwarded-prefix: " + base)
        .noneMatch(l -> l.startsWith("authorization") || l.startsWith("x-api-key") || l.startsWith("x-incline-token"));

    HttpResponse<String> posted = http.send(request(alice, base + "/upload").header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("some body")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(posted.statusCode()).isEqualTo(201);
    assertThat(posted.body()).isEqualTo("some body");

    // Form bodies too: nothing on the way may parse them into parameters and leave an empty stream.
    for (String type : List.of("application/x-www-form-urlencoded", "multipart/form-data; boundary=XyZ")) {
      String form = type.startsWith("multipart")
          ? "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n" : "a=1&b=2";
      HttpResponse<String> formPosted = http.send(request(alice, base + "/form").header("Content-Type", type)
          .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(formPosted.statusCode()).as(type).isEqualTo(201);
      assertThat(formPosted.body()).as(type).isEqualTo(form);
    }

    HttpResponse<String> otherTeam = get(bob, base + "/hello.txt");
    assertThat(otherTeam.statusCode()).isEqualTo(404);
    assertThat(otherTeam.body()).doesNotContain("hello from the job");
    HttpResponse<String> unexposed = get(alice, "/api/v1/jobs/" + id + "/ports/" + (jobPort == 65535 ? 1 : jobPort + 1) + "/hello.txt");
    assertThat(unexposed.statusCode()).isEqualTo(404);
    assertThat(unexposed.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));

    assertThat(post(alice, "/api/v1/jobs/" + id + "/stop", "").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> body(get(alice, "/api/v1/jobs/" + id)).get("status").asString().equals("Stopped"));
    HttpResponse<String> stopped = get(alice, base + "/hello.txt");
    assertThat(stopped.statusCode()).isEqualTo(409);
    assertThat(body(stopped).get("type").asString()).endsWith("/job-not-running");
  }

  @Test
  void aPortNothingListensOnIsABadGateway() throws Exception {
    int jobPort = freePort();
    String project = createProject(alice, "silent-port");
    String id = body(post(alice, "/api/v1/jobs", json.writeValueAsString(
        Map.of("projectId", project, "command", "sleep 60", "ports", List.of(jobPort))))).get("id").asString();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> body(get(alice, "/api/v1/jobs/" + id)).get("endpoints").has(Integer.toString(jobPort)));
    HttpResponse<String> r = get(alice, "/api/v1/jobs/" + id + "/ports/" + jobPort + "/");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
    assertThat(body(r).get("type").asString()).endsWith("/port-unreachable");
    post(alice, "/api/v1/jobs/" + id + "/stop", "");
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
