package dev.incline.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.platform.security.Caller;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamsIT extends JobServiceTestBase {

  private final Caller erin = caller("team-erin");

  /** Raw SSE lines until {@code event:end} (inclusive) or the deadline. */
  private List<String> readStream(String path, String lastEventId, Duration max) throws Exception {
    var request = request(erin, path).header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<java.io.InputStream> response = http.send(request.timeout(max).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    List<String> lines = new ArrayList<>();
    long deadline = System.nanoTime() + max.toNanos();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      boolean ending = false;
      while (System.nanoTime() < deadline && (line = reader.readLine()) != null) {
        lines.add(line);
        if (line.equals("event:end")) {
          ending = true;
        }
        if (ending && line.isEmpty()) {
          break;
        }
      }
    }
    return lines;
  }

  private String job(String project, String command) throws Exception {
    return body(post(erin, "/api/v1/jobs", "{\"projectId\": \"" + project + "\", \"command\": " + json.writeValueAsString(command) + "}"))
        .get("id").asString();
  }

  @Test
  void logStreamsFollowHeartbeatAndEnd() throws Exception {
    String project = createProject(erin, "streams");
    String id = job(project, "echo one; sleep 3; echo two >&2");
    List<String> lines = readStream("/api/v1/jobs/" + id + "/logs", null, Duration.ofSeconds(60));
    assertThat(lines).contains(":heartbeat", "event:log", "event:end");
    List<String> data = lines.stream().filter(l -> l.startsWith("data:{")).toList();
    assertThat(data).hasSize(3); // two lines and the end event's {}
    assertThat(data.get(0)).contains("\"line\":\"one\"", "\"stream\":\"stdout\"", "\"seq\":1");
    assertThat(data.get(1)).contains("\"line\":\"two\"", "\"stream\":\"stderr\"", "\"seq\":2");
    assertThat(lines.indexOf("id:1")).isLessThan(lines.indexOf("id:2"));
  }

  @Test
  void reconnectingWithLastEventIdResumesAfterIt() throws Exception {
    String project = createProject(erin, "resume");
    String id = job(project, "for i in 1 2 3 4 5; do echo line-$i; done");
    readStream("/api/v1/jobs/" + id + "/logs", null, Duration.ofSeconds(60)); // until it ends
    List<String> rest = readStream("/api/v1/jobs/" + id + "/logs", "3", Duration.ofSeconds(30));
    assertThat(rest.stream().filter(l -> l.startsWith("data:{\"")).toList())
        .hasSize(2)
        .satisfiesExactly(l -> assertThat(l).contains("line-4"), l -> assertThat(l).contains("line-5"));
    List<String> viaQuery = readStream("/api/v1/jobs/" + id + "/logs?follow=true&after=4", null, Duration.ofSeconds(30));
    assertThat(viaQuery.stream().filter(l -> l.startsWith("data:{\"")).toList()).singleElement()
        .satisfies(l -> assertThat(l).contains("line-5"));
  }

  @Test
  void theTeamsEventStreamShowsEveryTransition() throws Exception {
    String project = createProject(erin, "events");
    String id = job(project, "exit 2");
    Thread.sleep(3000); // the job has surely finished; ?after=0 replays history
    var request = request(erin, "/api/v1/events?after=0").header("Accept", "text/event-stream").timeout(Duration.ofSeconds(4));
    List<String> lines = new ArrayList<>();
    HttpResponse<java.io.InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      while (System.nanoTime() < deadline && (line = reader.readLine()) != null) {
        lines.add(line);
        if (line.contains("\"Failed\"")) {
          break;
        }
      }
    } catch (java.io.IOException e) {
      // the request timeout ends a stream that never ends by itself
    }
    List<String> mine = lines.stream().filter(l -> l.contains(id)).toList();
    assertThat(mine).hasSizeGreaterThanOrEqualTo(3);
    assertThat(mine.getFirst()).contains("\"status\":\"Pending\"");
    assertThat(mine.getLast()).contains("\"status\":\"Failed\"", "\"exitCode\":2", "\"kind\":\"job\"");
    assertThat(lines).contains("event:status");
  }

  /**
   * deployment-service and notebook-service record their workloads' changes on the team's stream
   * through {@code /service/v1/events}: under the calling service's team only, never a user's.
   */
  @Test
  void otherServicesRecordTheirWorkloadsOnTheTeamsStream() throws Exception {
    Caller service = new Caller(erin.teamId(), erin.teamName(), "service:deployment-service", dev.incline.platform.security.Role.MEMBER, false);
    String dep = dev.incline.platform.id.PublicId.encode("dep", dev.incline.platform.id.PublicId.newUuid());
    var recorded = post(service, "/service/v1/events", "{\"kind\":\"deployment\",\"id\":\"" + dep + "\",\"status\":\"Ready\"}");
    assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(202);
    // a user (here: the team's own owner) may not write events, and what is not a workload id is refused by field
    assertThat(post(erin, "/service/v1/events", "{\"kind\":\"deployment\",\"id\":\"" + dep + "\",\"status\":\"Failed\"}").statusCode())
        .isEqualTo(403);
    var bad = post(service, "/service/v1/events", "{\"kind\":\"deployment\",\"id\":\"nope\",\"status\":\"Ready\"}");
    assertThat(bad.statusCode()).isEqualTo(422);
    assertThat(bad.body()).contains("\"id\"");
    assertThat(post(service, "/service/v1/events", "{\"kind\":\"job\",\"id\":\"" + dep + "\",\"status\":\"Ready\"}").statusCode())
        .isEqualTo(422);

    List<String> mine = readEvents(erin, dep);
    assertThat(mine).hasSize(1);
    assertThat(mine.getFirst()).contains("\"kind\":\"deployment\"", "\"status\":\"Ready\"", "\"id\":\"" + dep + "\"");
    // another team's stream never shows it
    Caller other = caller("streams-other-" + System.nanoTime());
    assertThat(readEvents(other, dep)).isEmpty();
    // machine types with their node labels, for services only
    var types = get(service, "/service/v1/machine-types");
    assertThat(types.statusCode()).isEqualTo(200);
    assertThat(types.body()).contains("nodeSelector", "A100");
    assertThat(get(erin, "/service/v1/machine-types").statusCode()).isEqualTo(403);
  }

  /** The lines about {@code id} that the team's stream replays within two seconds (the stream itself never ends). */
  private List<String> readEvents(Caller caller, String id) throws Exception {
    var request = request(caller, "/api/v1/events?after=0").header("Accept", "text/event-stream");
    List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
    HttpResponse<java.io.InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    Thread reader = Thread.ofVirtual().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (java.io.IOException e) {
        // closed below
      }
    });
    Thread.sleep(2000);
    response.body().close();
    reader.join(5000);
    return lines.stream().filter(l -> l.contains(id)).toList();
  }
}
