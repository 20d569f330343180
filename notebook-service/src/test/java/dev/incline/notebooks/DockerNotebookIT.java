package dev.incline.notebooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.docker.DockerRuntime;
import dev.incline.compute.docker.DockerRuntimeSettings;
import dev.incline.compute.docker.DockerSpecs;
import dev.incline.notebooks.docker.JupyterImage;
import dev.incline.notebooks.notebook.NotebookIds;
import dev.incline.notebooks.notebook.NotebookRepository;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Notebooks as containers on a real Docker engine: an image made of this machine's Debian Jupyter
 * ({@link JupyterImage}), Jupyter published on loopback only and reached through the proxy, its working
 * directory and the team's storage on bind mounts that outlive the container. Without an engine the class
 * is skipped, except on CI ({@code CI=true}), where that is a failure.
 */
@TestPropertySource(properties = {"incline.compute.runtime=docker", "incline.notebooks.image=" + JupyterImage.NAME})
class DockerNotebookIT extends NotebookTestBase {

  private static final URI HOST = URI.create(System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock"));
  private static DockerClient docker;

  @Autowired NotebookRepository notebooks;

  @DynamicPropertySource
  static void docker(DynamicPropertyRegistry registry) {
    registry.add("incline.compute.docker-host", HOST::toString);
  }

  @BeforeAll
  static void engine() throws Exception {
    try {
      DockerRuntime.ping(new DockerRuntimeSettings(HOST, HOME.resolve("runs"), HOME.resolve("storage"), null));
    } catch (IllegalStateException e) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("CI=true and " + e.getMessage() + ". Start the engine as root first: dockerd --iptables=false &");
      }
      Assumptions.abort("skipping the docker notebook tests: " + e.getMessage());
    }
    JupyterImage.ensure(HOST);
    docker = JupyterImage.client(HOST);
  }

  @AfterAll
  static void closeClient() throws Exception {
    if (docker != null) {
      docker.close();
    }
  }

  private static InspectContainerResponse container(WorkloadRef ref) {
    return docker.inspectContainerCmd(DockerSpecs.containerName(ref)).exec();
  }

  private URI channels(String id, String kernel) {
    return URI.create("ws://127.0.0.1:" + port + "/notebooks/" + id + "/api/kernels/" + kernel + "/channels?session_id=docker");
  }

  @Test
  void jupyterInAContainerOnLoopbackKeepsItsFilesAcrossStopAndStart() throws Exception {
    Caller a = caller("team_nb_docker");
    String project = FakeServices.project(a.teamId());
    String id = create(a, "{\"projectId\":\"" + project + "\",\"name\":\"in-docker\",\"machineType\":\"C3\"}");
    awaitStatus(a, id, "Running", Duration.ofSeconds(120));
    assertThat(statusesOf(id)).startsWith("Pending Provisioning Running");
    WorkloadRef ref = new WorkloadRef(a.teamId(), WorkloadRef.Kind.NOTEBOOK, id);

    // one container of the test image, as the image's user (root), its Jupyter port published on loopback only
    InspectContainerResponse c = container(ref);
    assertThat(c.getConfig().getImage()).isEqualTo(JupyterImage.NAME);
    assertThat(c.getState().getRunning()).isTrue();
    Ports.Binding[] published = c.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(8888));
    assertThat(published).as("published bindings of 8888/tcp").isNotEmpty();
    assertThat(Arrays.stream(published).map(Ports.Binding::getHostIp)).containsOnly("127.0.0.1");
    assertThat(Arrays.stream(c.getHostConfig().getPortBindings().getBindings().get(ExposedPort.tcp(8888)))
        .map(Ports.Binding::getHostIp)).containsOnly("127.0.0.1");
    URI endpoint = URI.create(notebooks.findById(NotebookIds.decode(id).orElseThrow()).orElseThrow().getEndpoint());
    assertThat(endpoint.getHost()).isEqualTo("127.0.0.1");
    assertThat(Integer.toString(endpoint.getPort())).isEqualTo(published[0].getHostPortSpec());
    String token = notebooks.findById(NotebookIds.decode(id).orElseThrow()).orElseThrow().getToken();
    // the token is in the environment, never an argument
    assertThat(c.getPath() + " " + Arrays.toString(c.getArgs())).contains("jupyter-notebook").doesNotContain(token);

    // the tree page, through the proxy
    HttpResponse<String> tree = get(a, "/notebooks/" + id + "/tree");
    expect(200, tree);
    assertThat(tree.headers().firstValue("content-type").orElse("")).startsWith("text/html");
    assertThat(tree.body()).contains("/notebooks/" + id + "/static/").doesNotContain(token);

    // a kernel, and code over its WebSocket channels
    HttpResponse<String> kernel = send(a, "POST", "/notebooks/" + id + "/api/kernels", "{\"name\":\"python3\"}");
    expect(201, kernel);
    String result = KernelChannel.execute(http, channels(id, body(kernel).get("id").asString()),
        Map.of(InternalTokens.HEADER, FakeServices.TOKENS.issue(a)), "1+1");
    assertThat(result).isEqualTo("2");

    // one file in the working directory, one on the team's storage: both on the host, through the bind mounts
    // (201 for a new file, 200 over one an earlier run of the test left on this machine's storage)
    assertThat(send(a, "PUT", "/notebooks/" + id + "/api/contents/work.txt", "{\"type\":\"file\",\"format\":\"text\",\"content\":\"mine\"}")
        .statusCode()).isIn(200, 201);
    assertThat(send(a, "PUT", "/notebooks/" + id + "/api/contents/storage/shared.txt",
        "{\"type\":\"file\",\"format\":\"text\",\"content\":\"the team's\"}").statusCode()).isIn(200, 201);
    Path storage = HOME.resolve("storage").resolve(a.teamId());
    assertThat(storage.resolve("shared.txt")).hasContent("the team's");
    assertThat(storage.resolve("notebooks").resolve(id).resolve("work.txt")).hasContent("mine");

    // stopped: the container is gone, the files stay
    expect(200, send(a, "POST", "/api/v1/notebooks/" + id + "/stop", null));
    awaitStatus(a, id, "Stopped", Duration.ofSeconds(60));
    assertThat(runtime.observe(ref).phase()).isEqualTo(Phase.NOT_FOUND);
    assertThatThrownBy(() -> container(ref)).isInstanceOf(NotFoundException.class);
    expect(503, get(a, "/notebooks/" + id + "/tree"));

    // started again: a new container, the same files
    expect(200, send(a, "POST", "/api/v1/notebooks/" + id + "/start", null));
    awaitStatus(a, id, "Running", Duration.ofSeconds(120));
    assertThat(container(ref).getId()).isNotEqualTo(c.getId());
    assertThat(body(get(a, "/notebooks/" + id + "/api/contents/work.txt")).get("content").asString()).isEqualTo("mine");
    assertThat(body(get(a, "/notebooks/" + id + "/api/contents/storage/shared.txt")).get("content").asString()).isEqualTo("the team's");
    assertThat(statusesOf(id)).contains("Running Stopping Stopped Pending Provisioning Running");

    expect(204, send(a, "DELETE", "/api/v1/notebooks/" + id, null));
    await().atMost(Duration.ofSeconds(30)).until(() -> get(a, "/api/v1/notebooks/" + id).statusCode() == 404
        && notebooks.findById(NotebookIds.decode(id).orElseThrow()).isEmpty());
    assertThatThrownBy(() -> container(ref)).isInstanceOf(NotFoundException.class);
    assertThat(storage.resolve("notebooks").resolve(id).resolve("work.txt")).hasContent("mine");
    assertThat(statusesOf(id)).endsWith("Deleted");
  }

  @Test
  void datasetVersionsAreMountedReadOnly() throws Exception {
    Caller a = caller("team_nb_docker_data");
    String project = FakeServices.project(a.teamId());
    FakeServices.dataset(a.teamId(), "docker-text:1", "dsv_dockertext1", "hello.txt", "hello from a dataset\n");
    String id = create(a, "{\"projectId\":\"" + project + "\",\"name\":\"with-data\","
        + "\"inputs\":[{\"dataset\":\"docker-text:1\",\"mountAs\":\"raw\"}]}");
    awaitStatus(a, id, "Running", Duration.ofSeconds(120));
    HttpResponse<String> input = get(a, "/notebooks/" + id + "/api/contents/datasets/raw/hello.txt?type=file&format=text");
    expect(200, input);
    assertThat(body(input).get("content").asString()).isEqualTo("hello from a dataset\n");
    // root in the container, and still read-only
    assertThat(send(a, "PUT", "/notebooks/" + id + "/api/contents/datasets/raw/mine.txt",
        "{\"type\":\"file\",\"format\":\"text\",\"content\":\"no\"}").statusCode()).isGreaterThanOrEqualTo(400);
    assertThat(HOME.resolve("datasets").resolve(a.teamId()).resolve("dsv_dockertext1").resolve("mine.txt")).doesNotExist();
    expect(204, send(a, "DELETE", "/api/v1/notebooks/" + id, null));
    await().atMost(Duration.ofSeconds(30)).until(() -> !FakeServices.USAGES.containsKey(id));
  }
}
