package dev.incline.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.jobs.agent.JobTokens;
import dev.incline.jobs.job.Job;
import dev.incline.jobs.job.JobService;
import dev.incline.platform.security.Caller;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** The endpoint the agent inside a workload uses to upload artifacts, with the job token it is given. */
class AgentUploadIT extends JobServiceTestBase {

  private final Caller erin = caller("team-erin");
  private final Caller frank = caller("team-frank");

  @Autowired JobTokens tokens;
  @Autowired JobService jobs;

  private String createJob(Caller caller, String command) throws Exception {
    String project = createProject(caller, "agent-" + System.nanoTime());
    HttpResponse<String> r = post(caller, "/api/v1/jobs", json.writeValueAsString(Map.of("projectId", project, "command", command)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return body(r).get("id").asString();
  }

  private String awaitStatus(Caller caller, String id, String... statuses) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> List.of(statuses).contains(body(get(caller, "/api/v1/jobs/" + id)).get("status").asString()));
    try {
      return body(get(caller, "/api/v1/jobs/" + id)).get("status").asString();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private String jobToken(Caller caller, String id) {
    Job job = jobs.require(caller.teamId(), id);
    return tokens.issue(job);
  }

  private HttpResponse<String> requestUpload(String jobId, String bearer, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri("/internal/v1/jobs/" + jobId + "/artifact-uploads"))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String upload(String path, long size) {
    return "{\"path\": \"" + path + "\", \"size\": " + size + "}";
  }

  private void put(JsonNode grant, byte[] bytes) throws Exception {
    assertThat(grant.get("method").asString()).isEqualTo("PUT");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(grant.get("url").asString()))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @Test
  void anAgentUploadIsListedAndDownloadableAndSurvivesTheRuntimesOwnCollection() throws Exception {
    // The process runtime copies its artifacts directory at the end; an agent-recorded row must stay.
    String id = createJob(erin, "test -n \"$INCLINE_AGENT_TOKEN\" && echo has-a-token; sleep 2; "
        + "printf local > $INCLINE_ARTIFACTS_DIR/from-directory.txt");
    awaitStatus(erin, id, "Running", "Succeeded", "Failed");
    byte[] weights = "agent-uploaded weights".getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> granted = requestUpload(id, jobToken(erin, id), upload("model/./weights.bin", weights.length));
    assertThat(granted.statusCode()).as(granted.body()).isEqualTo(200);
    JsonNode grant = body(granted);
    assertThat(grant.get("key").asString()).startsWith("teams/team-erin/jobs/" + id + "/artifacts/").endsWith("model/weights.bin");
    put(grant, weights);

    assertThat(awaitStatus(erin, id, "Succeeded", "Failed")).isEqualTo("Succeeded");
    assertThat(get(erin, "/api/v1/jobs/" + id + "/logs").body()).as("the job got its token, which is never logged").isEqualTo("has-a-token\n");
    JsonNode listed = body(get(erin, "/api/v1/jobs/" + id + "/artifacts"));
    assertThat(listed.findValuesAsString("path")).containsExactly("from-directory.txt", "model/weights.bin");
    assertThat(listed.get(1).get("size").asLong()).isEqualTo(weights.length);
    assertThat(get(erin, "/api/v1/jobs/" + id + "/artifacts/model/weights.bin?redirect=false").body()).isEqualTo("agent-uploaded weights");
    assertThat(get(erin, "/api/v1/jobs/" + id + "/artifacts/from-directory.txt?redirect=false").body()).isEqualTo("local");
  }

  @Test
  void aChangedFileReplacesItsArtifact() throws Exception {
    String id = createJob(erin, "true");
    awaitStatus(erin, id, "Succeeded");
    String token = jobToken(erin, id);
    put(body(requestUpload(id, token, upload("metrics.json", 2))), "{}".getBytes(StandardCharsets.UTF_8));
    put(body(requestUpload(id, token, upload("metrics.json", 12))), "{\"loss\": 0.1}".getBytes(StandardCharsets.UTF_8));
    JsonNode listed = body(get(erin, "/api/v1/jobs/" + id + "/artifacts"));
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).get("size").asLong()).isEqualTo(12);
    assertThat(get(erin, "/api/v1/jobs/" + id + "/artifacts/metrics.json?redirect=false").body()).isEqualTo("{\"loss\": 0.1}");
  }

  @Test
  void aTokenWorksOnlyForItsOwnJob() throws Exception {
    String mine = createJob(erin, "true");
    String sibling = createJob(erin, "true");
    String theirs = createJob(frank, "true");
    String mineToken = jobToken(erin, mine);

    assertThat(requestUpload(sibling, mineToken, upload("x", 1)).statusCode()).as("another job of the same team").isEqualTo(404);
    assertThat(requestUpload(theirs, mineToken, upload("x", 1)).statusCode()).as("another team's job").isEqualTo(404);
    assertThat(requestUpload(mine, jobToken(frank, theirs), upload("x", 1)).statusCode()).isEqualTo(404);
    // A correctly signed token that pairs a job with a team it does not belong to finds nothing either.
    String forged = tokens.issue("team-frank", mine, Duration.ofMinutes(5));
    assertThat(requestUpload(mine, forged, upload("x", 1)).statusCode()).isEqualTo(404);
    assertThat(requestUpload(mine, mineToken, upload("x", 1)).statusCode()).isEqualTo(200);
    assertThat(body(get(erin, "/api/v1/jobs/" + sibling + "/artifacts"))).isEmpty();
  }

  @Test
  void expiredBadlySignedAndMissingTokensAre401() throws Exception {
    String id = createJob(erin, "true");
    Job job = jobs.require(erin.teamId(), id);
    JobTokens yesterday = new JobTokens(SECRET, Duration.ZERO, Clock.offset(Clock.systemUTC(), Duration.ofDays(-3)));
    HttpResponse<String> expired = requestUpload(id, yesterday.issue(job), upload("x", 1));
    assertThat(expired.statusCode()).isEqualTo(401);
    assertThat(expired.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
    assertThat(expired.body()).contains("job token");
    JobTokens otherSecret = new JobTokens("another-installations-secret-0123456789", Duration.ofHours(1), Clock.systemUTC());
    assertThat(requestUpload(id, otherSecret.issue(job), upload("x", 1)).statusCode()).isEqualTo(401);
    assertThat(requestUpload(id, null, upload("x", 1)).statusCode()).isEqualTo(401);
    assertThat(requestUpload(id, "not-a-jwt", upload("x", 1)).statusCode()).isEqualTo(401);
  }

  @Test
  void gatewayTokensDoNotOpenAgentPathsAndJobTokensDoNotOpenTheApi() throws Exception {
    String id = createJob(erin, "true");
    HttpResponse<String> viaHeader = http.send(request(erin, "/internal/v1/jobs/" + id + "/artifact-uploads")
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(upload("x", 1))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(viaHeader.statusCode()).as("X-Incline-Token").isEqualTo(401);
    assertThat(requestUpload(id, token(erin), upload("x", 1)).statusCode()).as("gateway token as bearer").isEqualTo(401);

    String jobToken = jobToken(erin, id);
    HttpResponse<String> api = http.send(HttpRequest.newBuilder(uri("/api/v1/jobs/" + id))
        .header("X-Incline-Token", jobToken).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(api.statusCode()).as("a job token is not a gateway token").isEqualTo(401);
    HttpResponse<String> apiBearer = http.send(HttpRequest.newBuilder(uri("/api/v1/jobs/" + id))
        .header("Authorization", "Bearer " + jobToken).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(apiBearer.statusCode()).isEqualTo(401);
    assertThat(get(erin, "/api/v1/jobs/" + id).statusCode()).as("the usual chain still works").isEqualTo(200);
    String openApi = http.send(HttpRequest.newBuilder(uri("/v3/api-docs")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(openApi).contains("/api/v1/jobs/{id}/artifacts").doesNotContain("/internal/");
  }

  @Test
  void badPathsAndSizesAre422() throws Exception {
    String id = createJob(erin, "true");
    String token = jobToken(erin, id);
    for (String body : List.of(upload("../x", 1), upload("a/../../x", 1), upload("/abs", 1), upload("", 1),
        upload("./", 1), upload("a\\\\b", 1), upload("x".repeat(1025), 1), "{\"size\": 1}")) {
      HttpResponse<String> r = requestUpload(id, token, body);
      assertThat(r.statusCode()).as(body).isEqualTo(422);
      assertThat(body(r).get("errors").get(0).get("field").asString()).isEqualTo("path");
    }
    for (String body : List.of(upload("x", -1), upload("x", 60L * 1024 * 1024 * 1024), "{\"path\": \"x\"}")) {
      HttpResponse<String> r = requestUpload(id, token, body);
      assertThat(r.statusCode()).as(body).isEqualTo(422);
      assertThat(body(r).get("errors").get(0).get("field").asString()).isEqualTo("size");
    }
    assertThat(body(get(erin, "/api/v1/jobs/" + id + "/artifacts"))).isEmpty();
  }

  @Test
  void aDeletedJobTakesNoMoreUploads() throws Exception {
    String id = createJob(erin, "true");
    awaitStatus(erin, id, "Succeeded");
    String token = jobToken(erin, id);
    assertThat(requestUpload(id, token, upload("late.txt", 1)).statusCode()).as("finished, not deleted").isEqualTo(200);
    assertThat(delete(erin, "/api/v1/jobs/" + id).statusCode()).isEqualTo(204);
    assertThat(requestUpload(id, token, upload("later.txt", 1)).statusCode()).isEqualTo(404);
  }
}
