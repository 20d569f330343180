package dev.incline.deployments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import dev.incline.compute.docker.BusyboxImage;
import dev.incline.compute.docker.DockerRuntime;
import dev.incline.compute.docker.DockerRuntimeSettings;
import dev.incline.platform.security.Caller;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Replicas as containers on a real Docker engine: a custom image (busybox's httpd) published on
 * loopback, two replicas behind the deployment's routing. Without an engine the class is skipped,
 * except on CI ({@code CI=true}), where that is a failure. (The model server's own image cannot be
 * built here, with no registry to pull a JRE from; the docker spec of a model replica is unit-tested.)
 */
class DockerDeploymentIT extends DeploymentTestBase {

  private static final URI HOST = URI.create(System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock"));

  @DynamicPropertySource
  static void docker(DynamicPropertyRegistry registry) {
    registry.add("incline.compute.runtime", () -> "docker");
    registry.add("incline.compute.docker-host", HOST::toString);
  }

  @BeforeAll
  static void engine() throws Exception {
    Path root = Path.of("target", "docker-deployments").toAbsolutePath();
    try {
      DockerRuntime.ping(new DockerRuntimeSettings(HOST, root.resolve("runs"), root.resolve("storage"), null));
    } catch (IllegalStateException e) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("CI=true and " + e.getMessage() + ". Start the engine as root first: dockerd --iptables=false &");
      }
      Assumptions.abort("skipping the docker deployment tests: " + e.getMessage());
    }
    BusyboxImage.ensure(HOST);
  }

  @Test
  void containersServeBehindTheDeploymentsRoutingAndGoWhenStopped() throws Exception {
    Caller team = caller("docker");
    String project = project("docker");
    HttpResponse<String> created = send(team, "POST", "/api/v1/deployments", "{\"projectId\":\"" + project + "\",\"name\":\"httpd\","
        + "\"image\":\"" + BusyboxImage.NAME + "\",\"command\":\"mkdir -p /tmp/www && hostname > /tmp/www/who && "
        + "exec httpd -f -p $PORT -h /tmp/www\",\"port\":8080,\"healthPath\":\"/who\",\"replicas\":{\"min\":2,\"max\":2}}");
    expect(201, created);
    String id = body(created).get("id").asString();
    JsonNode[] last = new JsonNode[1];
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      last[0] = body(get(team, "/api/v1/deployments/" + id));
      assertThat(last[0].get("status").asString()).as(last[0].toString()).isEqualTo("Ready");
      assertThat(last[0].get("replicas").get("ready").asInt()).isEqualTo(2);
    });
    // both containers answer (each says its own hostname), through the routing
    java.util.Set<String> hosts = new java.util.HashSet<>();
    for (int i = 0; i < 20 && hosts.size() < 2; i++) {
      HttpResponse<String> r = get(team, "/deployments/" + id + "/who");
      expect(200, r);
      hosts.add(r.body().strip());
    }
    assertThat(hosts).hasSize(2);
    expect(404, get(caller("docker-other"), "/deployments/" + id + "/who"));

    expect(200, send(team, "POST", "/api/v1/deployments/" + id + "/stop", null));
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(body(get(team, "/api/v1/deployments/" + id)).get("status").asString()).isEqualTo("Stopped"));
    expect(503, get(team, "/deployments/" + id + "/who"));
    expect(204, send(team, "DELETE", "/api/v1/deployments/" + id, null));
  }
}
