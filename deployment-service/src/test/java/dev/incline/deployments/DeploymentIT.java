package dev.incline.deployments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.deployments.serving.ReplicaPool;
import dev.incline.platform.security.Caller;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

class DeploymentIT extends DeploymentTestBase {

  @Autowired ReplicaPool pool;

  private JsonNode create(Caller caller, String body) throws Exception {
    HttpResponse<String> r = send(caller, "POST", "/api/v1/deployments", body);
    expect(201, r);
    return body(r);
  }

  private JsonNode awaitStatus(Caller caller, String id, String status) {
    JsonNode[] last = new JsonNode[1];
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      last[0] = body(get(caller, "/api/v1/deployments/" + id));
      assertThat(last[0].get("status").asString()).as(last[0].toString()).isEqualTo(status);
    });
    return last[0];
  }

  private HttpResponse<String> infer(Caller caller, String id, String body) throws Exception {
    return send(caller, "POST", "/deployments/" + id + "/v2/models/digits/infer", body);
  }

  @Test
  void servesTheModelThroughItsReplicasAndOnlyToItsTeam() throws Exception {
    Caller team = caller("serve");
    String project = project("serve");
    registerModel("serve", "digits", 1, digitsModel(), "onnx", "production");
    JsonNode d = create(team, "{\"projectId\":\"" + project + "\",\"name\":\"digits\",\"model\":\"digits:production\","
        + "\"machineType\":\"C3\",\"replicas\":{\"min\":1,\"max\":1}}");
    String id = d.get("id").asString();
    assertThat(d.get("status").asString()).isEqualTo("Pending");
    assertThat(d.get("endpoint").asString()).isEqualTo("/deployments/" + id);
    assertThat(d.get("modelVersion").get("ref").asString()).isEqualTo("digits:1");

    JsonNode ready = awaitStatus(team, id, "Ready");
    assertThat(ready.get("replicas").get("ready").asInt()).isEqualTo(1);
    assertThat(ready.get("replicaStatus").get(0).get("status").asString()).isEqualTo("Ready");

    HttpResponse<String> r = infer(team, id, zeros(2));
    expect(200, r);
    JsonNode out = body(r).get("outputs").get(0);
    assertThat(out.get("shape").toString()).isEqualTo("[2,10]");
    for (int j = 0; j < 10; j++) {
      assertThat(out.get("data").get(j).asDouble()).isEqualTo((j - 5) / 8.0); // zero input scores the bias
    }
    // metadata and health, from the model server, through the deployment
    JsonNode meta = body(get(team, "/deployments/" + id + "/v2/models/digits"));
    assertThat(meta.get("inputs").get(0).get("name").asString()).isEqualTo("input");
    expect(200, get(team, "/deployments/" + id + "/v2/health/ready"));
    // the model server's own 400 comes back as it is
    HttpResponse<String> bad = infer(team, id, "{\"inputs\":[{\"name\":\"nope\",\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":[]}]}");
    expect(400, bad);
    assertThat(body(bad).get("error").asString()).contains("nope");

    // another team: the same 404 as a deployment that does not exist, on every endpoint
    Caller other = caller("serve-other");
    project("serve-other");
    expect(404, get(other, "/api/v1/deployments/" + id));
    expect(404, get(other, "/api/v1/deployments/digits"));
    expect(404, infer(other, id, zeros(1)));
    expect(404, get(other, "/deployments/" + id + "/v2/health/ready"));
    expect(404, send(other, "PATCH", "/api/v1/deployments/" + id, "{\"replicas\":{\"min\":2,\"max\":2}}"));
    expect(404, send(other, "POST", "/api/v1/deployments/" + id + "/stop", null));
    expect(404, send(other, "POST", "/api/v1/deployments/" + id + "/start", null));
    expect(404, send(other, "DELETE", "/api/v1/deployments/" + id, null));
    assertThat(body(get(other, "/api/v1/deployments")).get("items")).isEmpty();
    expect(404, infer(team, "dep_00000000000000000000000000", zeros(1)));
    assertThat(body(get(team, "/api/v1/deployments")).get("items").size()).isEqualTo(1);

    // the team's event stream heard Pending, Deploying, Ready, in that order
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      List<String> statuses = EVENTS.stream().filter(e -> e[0].equals("serve") && e[1].contains(id))
          .map(e -> json.readTree(e[1]).get("status").asString()).toList();
      assertThat(statuses).containsSubsequence("Pending", "Deploying", "Ready");
    });

    // the routing table is memory: lost (as in a restart of this service), the replica is re-adopted
    String replica = ready.get("replicaStatus").get(0).get("id").asString();
    pool.forgetDeployment(dev.incline.deployments.serving.DeploymentIds.decode(id).orElseThrow());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> expect(200, infer(team, id, zeros(1))));
    assertThat(body(get(team, "/api/v1/deployments/" + id)).get("replicaStatus").get(0).get("id").asString()).isEqualTo(replica);

    // stop: no replica, inference is a 503 that says so; start: serving again
    expect(200, send(team, "POST", "/api/v1/deployments/" + id + "/stop", null));
    JsonNode stopped = awaitStatus(team, id, "Stopped");
    assertThat(stopped.get("replicaStatus")).isEmpty();
    HttpResponse<String> down = infer(team, id, zeros(1));
    expect(503, down);
    assertThat(body(down).get("error").asString()).contains("no replica");
    expect(200, send(team, "POST", "/api/v1/deployments/" + id + "/start", null));
    awaitStatus(team, id, "Ready");
    expect(200, infer(team, id, zeros(1)));

    expect(204, send(team, "DELETE", "/api/v1/deployments/" + id, null));
    expect(404, get(team, "/api/v1/deployments/" + id));
    expect(404, infer(team, id, zeros(1)));
  }

  @Test
  void rollsToAnotherVersionReplicaByReplicaWithoutAFailedRequest() throws Exception {
    Caller team = caller("roll");
    String project = project("roll");
    registerModel("roll", "digits", 1, digitsModel(), "onnx");
    String v2 = registerModel("roll", "digits", 2, digitsModel(), "onnx");
    JsonNode d = create(team, "{\"projectId\":\"" + project + "\",\"name\":\"rolling\",\"model\":\"digits:1\","
        + "\"replicas\":{\"min\":2,\"max\":2}}");
    String id = d.get("id").asString();
    awaitStatus(team, id, "Ready");

    // steady load from four clients while the deployment rolls
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      clients.add(Thread.ofVirtual().start(() -> {
        while (running.get()) {
          try {
            HttpResponse<String> r = infer(team, id, zeros(1));
            if (r.statusCode() == 200) {
              ok.incrementAndGet();
            } else {
              failures.add(r.statusCode() + " " + r.body());
            }
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      }));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > 20);
    HttpResponse<String> patched = send(team, "PATCH", "/api/v1/deployments/" + id, "{\"model\":\"digits:2\"}");
    expect(200, patched);
    assertThat(body(patched).get("revision").asInt()).isEqualTo(2);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(body(get(team, "/api/v1/deployments/" + id)).get("status").asString()).isEqualTo("Updating"));
    JsonNode done = awaitStatus(team, id, "Ready");
    int during = ok.get();
    Thread.sleep(500);
    running.set(false);
    for (Thread t : clients) {
      t.join();
    }
    assertThat(failures).as("requests that failed during the roll").isEmpty();
    assertThat(during).isGreaterThan(50);
    assertThat(done.get("modelVersion").get("versionId").asString()).isEqualTo(v2);
    assertThat(done.get("replicaStatus")).hasSize(2);
    done.get("replicaStatus").forEach(r -> assertThat(r.get("revision").asInt()).isEqualTo(2));
    expect(204, send(team, "DELETE", "/api/v1/deployments/" + id, null));
  }

  @Test
  void scalesOnConcurrencyBetweenMinAndMax() throws Exception {
    Caller team = caller("scale");
    String project = project("scale");
    registerModel("scale", "digits", 1, digitsModel(), "onnx");
    JsonNode d = create(team, "{\"projectId\":\"" + project + "\",\"name\":\"scaled\",\"model\":\"digits:1\","
        + "\"replicas\":{\"min\":1,\"max\":2},\"autoscaling\":{\"targetConcurrency\":1}}");
    String id = d.get("id").asString();
    awaitStatus(team, id, "Ready");
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < 6; c++) {
      clients.add(Thread.ofVirtual().start(() -> {
        while (running.get()) {
          try {
            infer(team, id, zeros(64));
          } catch (Exception e) {
            // load only
          }
        }
      }));
    }
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
      JsonNode now = body(get(team, "/api/v1/deployments/" + id));
      assertThat(now.get("replicas").get("desired").asInt()).isEqualTo(2);
      assertThat(now.get("replicas").get("ready").asInt()).isEqualTo(2);
    });
    running.set(false);
    for (Thread t : clients) {
      t.join();
    }
    // quiet: back to min once the scale-down delay has passed
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      JsonNode now = body(get(team, "/api/v1/deployments/" + id));
      assertThat(now.get("replicas").get("desired").asInt()).isEqualTo(1);
      assertThat(now.get("replicaStatus")).hasSize(1);
    });
    expect(204, send(team, "DELETE", "/api/v1/deployments/" + id, null));
  }

  @Test
  void aCustomImageServesOnItsPortAndACrashingOneFails() throws Exception {
    Caller team = caller("custom");
    String project = project("custom");
    JsonNode web = create(team, "{\"projectId\":\"" + project + "\",\"name\":\"web\",\"image\":\"python:3\","
        + "\"command\":\"mkdir -p www && echo hello > www/index.html && exec python3 -m http.server $PORT --bind 127.0.0.1 -d www\","
        + "\"port\":8000,\"healthPath\":\"/index.html\"}");
    String webId = web.get("id").asString();
    awaitStatus(team, webId, "Ready");
    HttpResponse<String> page = get(team, "/deployments/" + webId + "/index.html");
    expect(200, page);
    assertThat(page.body()).isEqualTo("hello\n");

    JsonNode crash = create(team, "{\"projectId\":\"" + project + "\",\"name\":\"crash\",\"image\":\"busybox\","
        + "\"command\":\"echo starting; exit 3\",\"port\":8000}");
    String crashId = crash.get("id").asString();
    JsonNode failed = awaitStatus(team, crashId, "Failed");
    assertThat(failed.get("reason").asString()).contains("exited with code 3");
    // a new revision (here: a command that works) starts over
    expect(200, send(team, "PATCH", "/api/v1/deployments/" + crashId,
        "{\"command\":\"mkdir -p w && echo ok > w/ok && exec python3 -m http.server $PORT --bind 127.0.0.1 -d w\",\"healthPath\":\"/ok\"}"));
    awaitStatus(team, crashId, "Ready");
    expect(204, send(team, "DELETE", "/api/v1/deployments/" + webId, null));
    expect(204, send(team, "DELETE", "/api/v1/deployments/" + crashId, null));
  }

  @Test
  void badRequestsNameTheFieldAndKeepNothing() throws Exception {
    Caller team = caller("bad");
    String project = project("bad");
    registerModel("bad", "digits", 1, digitsModel(), "onnx");
    registerModel("bad", "torchy", 1, digitsModel(), "pytorch");
    String base = "{\"projectId\":\"" + project + "\",\"name\":\"x\",";
    assertField(send(team, "POST", "/api/v1/deployments", base + "\"replicas\":{\"min\":1}}"), "model");
    assertField(send(team, "POST", "/api/v1/deployments", base + "\"model\":\"nothing:1\"}"), "model");
    assertField(send(team, "POST", "/api/v1/deployments", base + "\"model\":\"torchy:1\"}"), "model");
    assertField(send(team, "POST", "/api/v1/deployments", base + "\"model\":\"digits:1\",\"machineType\":\"Z9\"}"), "machineType");
    assertField(send(team, "POST", "/api/v1/deployments", base + "\"model\":\"digits:1\",\"replicas\":{\"min\":3,\"max\":2}}"),
        "replicas.max");
    assertField(send(team, "POST", "/api/v1/deployments", base + "\"model\":\"digits:1\",\"replicas\":{\"min\":0}}"), "replicas.min");
    assertField(send(team, "POST", "/api/v1/deployments", base + "\"image\":\"busybox\"}"), "command");
    assertField(send(team, "POST", "/api/v1/deployments", "{\"projectId\":\"" + project + "\",\"name\":\"Bad Name\",\"model\":\"digits:1\"}"),
        "name");
    expect(404, send(team, "POST", "/api/v1/deployments", "{\"projectId\":\"prj_nope\",\"name\":\"x\",\"model\":\"digits:1\"}"));
    // another team's model is not found either
    registerModel("bad-other", "secret", 1, digitsModel(), "onnx");
    assertField(send(team, "POST", "/api/v1/deployments", base + "\"model\":\"secret:1\"}"), "model");
    assertThat(body(get(team, "/api/v1/deployments")).get("items")).isEmpty();
    assertField(get(team, "/api/v1/deployments?cursor=bm90LWFuLWlk"), "cursor"); // "not-an-id"

    create(team, base + "\"model\":\"digits:1\",\"replicas\":{\"min\":1}}");
    HttpResponse<String> twice = send(team, "POST", "/api/v1/deployments", base + "\"model\":\"digits:1\"}");
    expect(409, twice);
    expect(204, send(team, "DELETE", "/api/v1/deployments/x", null));
  }

  private void assertField(HttpResponse<String> r, String field) {
    expect(422, r);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
    assertThat(r.body()).contains("\"" + field + "\"");
  }
}
