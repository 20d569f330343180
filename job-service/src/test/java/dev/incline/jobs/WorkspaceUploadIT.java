package dev.incline.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.platform.security.Caller;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class WorkspaceUploadIT extends JobServiceTestBase {

  private final Caller carol = caller("team-carol");

  static byte[] zip(String name, String content) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry(name));
      zip.write(content.getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    return bytes.toByteArray();
  }

  HttpResponse<String> upload(Caller caller, byte[] archive, String fileName) throws Exception {
    String boundary = "b-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.write(archive);
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return http.send(request(caller, "/api/v1/workspaces").header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aJobRunsInItsUploadedWorkspace() throws Exception {
    HttpResponse<String> uploaded = upload(carol, zip("src/run.sh", "echo from the workspace; cat data.txt 2>/dev/null || true"), "../../ws.zip");
    assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
    JsonNode view = body(uploaded);
    assertThat(view.get("fileName").asString()).isEqualTo("ws.zip");
    String project = createProject(carol, "uploads");
    String id = body(post(carol, "/api/v1/jobs", "{\"projectId\": \"" + project + "\", \"command\": \"sh src/run.sh\", "
        + "\"workspace\": {\"uploadId\": \"" + view.get("uploadId").asString() + "\"}}")).get("id").asString();
    await().atMost(Duration.ofSeconds(60)).until(() -> body(get(carol, "/api/v1/jobs/" + id)).get("status").asString().equals("Succeeded"));
    assertThat(get(carol, "/api/v1/jobs/" + id + "/logs").body()).isEqualTo("from the workspace\n");
  }

  @Test
  void hostileOrBrokenArchivesAreRefusedAtUpload() throws Exception {
    HttpResponse<String> traversal = upload(carol, zip("../../etc/cron.d/x", "boom"), "evil.zip");
    assertThat(traversal.statusCode()).isEqualTo(422);
    assertThat(body(traversal).get("errors").get(0).get("field").asString()).isEqualTo("file");
    assertThat(body(traversal).get("detail").asString()).contains("outside");
    HttpResponse<String> absolute = upload(carol, zip("/tmp/x", "boom"), "abs.zip");
    assertThat(absolute.statusCode()).isEqualTo(422);
    HttpResponse<String> notAnArchive = upload(carol, "just text".getBytes(StandardCharsets.UTF_8), "notes.txt");
    assertThat(notAnArchive.statusCode()).isEqualTo(422);
    assertThat(body(notAnArchive).get("detail").asString()).contains("not a zip");
    HttpResponse<String> missing = http.send(request(carol, "/api/v1/workspaces").header("Content-Type", "multipart/form-data; boundary=x")
        .POST(HttpRequest.BodyPublishers.ofString("--x--\r\n")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(422);
  }

  @Test
  void anotherTeamsUploadCannotBeUsed() throws Exception {
    String uploadId = body(upload(carol, zip("a.sh", "echo hi"), "a.zip")).get("uploadId").asString();
    Caller dave = caller("team-dave");
    String project = createProject(dave, "thief");
    HttpResponse<String> r = post(dave, "/api/v1/jobs", "{\"projectId\": \"" + project + "\", \"command\": \"sh a.sh\", "
        + "\"workspace\": {\"uploadId\": \"" + uploadId + "\"}}");
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(r.body()).contains("workspace.uploadId");
  }

  @Test
  void exposesMetricsHealthAndOpenApi() throws Exception {
    String project = createProject(carol, "observed");
    String id = body(post(carol, "/api/v1/jobs", "{\"projectId\": \"" + project + "\", \"command\": \"echo '{\\\"chart\\\": \\\"m\\\", \\\"y\\\": 1}'\"}")).get("id").asString();
    await().atMost(Duration.ofSeconds(60)).until(() -> body(get(carol, "/api/v1/jobs/" + id)).get("status").asString().equals("Succeeded"));
    var open = java.net.http.HttpRequest.newBuilder(uri("/actuator/prometheus")).build();
    String prometheus = http.send(open, HttpResponse.BodyHandlers.ofString()).body();
    assertThat(prometheus).contains("incline_jobs_started_total", "incline_metrics_points_ingested_total", "incline_jobs_finished_total");
    assertThat(http.send(java.net.http.HttpRequest.newBuilder(uri("/actuator/health/readiness")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    String api = http.send(java.net.http.HttpRequest.newBuilder(uri("/v3/api-docs")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(api).contains("/api/v1/jobs/{id}/metrics/stream", "/api/v1/workspaces");
  }

  @Test
  void largeArchivesGoStraightToS3ThroughAPresignedUrl() throws Exception {
    JsonNode presigned = body(post(carol, "/api/v1/workspaces/uploads", "{\"fileName\": \"big.zip\"}"));
    String uploadId = presigned.get("uploadId").asString();
    assertThat(presigned.get("method").asString()).isEqualTo("PUT");
    String project = createProject(carol, "presigned");
    String job = "{\"projectId\": \"" + project + "\", \"command\": \"sh go.sh\", \"workspace\": {\"uploadId\": \"" + uploadId + "\"}}";
    assertThat(post(carol, "/api/v1/jobs", job).statusCode()).as("not usable before completion").isEqualTo(422);
    assertThat(post(carol, "/api/v1/workspaces/" + uploadId + "/complete", "").statusCode()).isEqualTo(409);

    HttpResponse<String> put = http.send(HttpRequest.newBuilder(java.net.URI.create(presigned.get("url").asString()))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(zip("go.sh", "echo presigned"))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(post(caller("team-mallory"), "/api/v1/workspaces/" + uploadId + "/complete", "").statusCode()).isEqualTo(404);
    JsonNode ready = body(post(carol, "/api/v1/workspaces/" + uploadId + "/complete", ""));
    assertThat(ready.get("status").asString()).isEqualTo("ready");
    assertThat(ready.get("size").asLong()).isPositive();

    String id = body(post(carol, "/api/v1/jobs", job)).get("id").asString();
    await().atMost(Duration.ofSeconds(60)).until(() -> body(get(carol, "/api/v1/jobs/" + id)).get("status").asString().equals("Succeeded"));
    assertThat(get(carol, "/api/v1/jobs/" + id + "/logs").body()).isEqualTo("presigned\n");
  }

  @Test
  void aHostilePresignedArchiveIsRefusedOnCompletion() throws Exception {
    JsonNode presigned = body(post(carol, "/api/v1/workspaces/uploads", "{}"));
    http.send(HttpRequest.newBuilder(java.net.URI.create(presigned.get("url").asString()))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(zip("../escape.sh", "boom"))).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> r = post(carol, "/api/v1/workspaces/" + presigned.get("uploadId").asString() + "/complete", "");
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(r.body()).contains("outside");
  }
}
