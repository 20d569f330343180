package dev.incline.notebooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.incline.notebooks.notebook.NotebookIds;
import dev.incline.notebooks.notebook.NotebookRepository;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Real Jupyter servers on the process runtime, reached through notebook-service's proxy. */
class NotebookIT extends NotebookTestBase {

  @Autowired NotebookRepository notebooks;

  private String token(String id) {
    return notebooks.findById(NotebookIds.decode(id).orElseThrow()).orElseThrow().getToken();
  }

  private URI channels(String id, String kernel) {
    return URI.create("ws://127.0.0.1:" + port + "/notebooks/" + id + "/api/kernels/" + kernel + "/channels?session_id=test");
  }

  private static int handshakeStatus(Throwable t) {
    Throwable c = t;
    while (c != null && !(c instanceof WebSocketHandshakeException)) {
      c = c.getCause();
    }
    if (c == null) {
      throw new AssertionError("not a refused handshake", t);
    }
    return ((WebSocketHandshakeException) c).getResponse().statusCode();
  }

  @Test
  void jupyterOverHttpAndKernelWebSocketForItsTeamOnly() throws Exception {
    Caller a = caller("team_nb_a");
    Caller b = caller("team_nb_b");
    String project = FakeServices.project(a.teamId());
    String id = create(a, "{\"projectId\":\"" + project + "\",\"name\":\"explore\",\"machineType\":\"C3\"}");
    JsonNode created = body(get(a, "/api/v1/notebooks/" + id));
    assertThat(created.get("url").asString()).isEqualTo("/notebooks/" + id + "/");
    assertThat(created.get("autoShutdownHours").asInt()).isEqualTo(12);
    JsonNode running = awaitStatus(a, id, "Running", Duration.ofSeconds(90));
    assertThat(running.get("startedAt").isNull()).isFalse();
    assertThat(running.get("shutdownAt").asString()).isNotBlank();
    assertThat(statusesOf(id)).startsWith("Pending Provisioning Running");

    // the tree page, through the proxy: Jupyter's own token and cookies stay inside
    String token = token(id);
    HttpResponse<String> tree = get(a, "/notebooks/" + id + "/tree");
    expect(200, tree);
    assertThat(tree.headers().firstValue("content-type").orElse("")).startsWith("text/html");
    assertThat(tree.body()).contains("/notebooks/" + id + "/static/").contains("data-jupyter-api-token=\"\"").doesNotContain(token);
    assertThat(tree.headers().allValues("set-cookie")).isEmpty();
    HttpResponse<String> noSlash = get(a, "/notebooks/" + id);
    expect(301, noSlash);
    assertThat(noSlash.headers().firstValue("location")).hasValue("/notebooks/" + id + "/");

    // a kernel over Jupyter's REST API, then code over its WebSocket channels
    HttpResponse<String> kernel = send(a, "POST", "/notebooks/" + id + "/api/kernels", "{\"name\":\"python3\"}");
    expect(201, kernel);
    String kernelId = body(kernel).get("id").asString();
    String result = KernelChannel.execute(http, channels(id, kernelId), Map.of(InternalTokens.HEADER, FakeServices.TOKENS.issue(a)), "1+1");
    assertThat(result).isEqualTo("2");

    // another team, and no token: nothing, on HTTP and on the upgrade
    expect(404, get(b, "/notebooks/" + id + "/tree"));
    expect(404, send(b, "POST", "/notebooks/" + id + "/api/kernels", "{}"));
    expect(404, get(b, "/api/v1/notebooks/" + id));
    expect(401, http.send(java.net.http.HttpRequest.newBuilder(uri("/notebooks/" + id + "/tree")).build(),
        HttpResponse.BodyHandlers.ofString()));
    CompletableFuture<JsonNode> none = new CompletableFuture<>();
    assertThatThrownBy(() -> KernelChannel.open(http, channels(id, kernelId), Map.of(InternalTokens.HEADER, FakeServices.TOKENS.issue(b)),
        none, "x")).satisfies(e -> assertThat(handshakeStatus(e)).isEqualTo(404));
    assertThatThrownBy(() -> KernelChannel.open(http, channels(id, kernelId), Map.of(), none, "x"))
        .satisfies(e -> assertThat(handshakeStatus(e)).isEqualTo(401));
    // Jupyter's own token opens nothing here either: only the platform's credentials do
    assertThatThrownBy(() -> KernelChannel.open(http, channels(id, kernelId), Map.of("Authorization", "token " + token), none, "x"))
        .satisfies(e -> assertThat(handshakeStatus(e)).isEqualTo(401));

    expect(204, send(a, "DELETE", "/api/v1/notebooks/" + id, null));
    await().atMost(Duration.ofSeconds(30)).until(() -> get(a, "/api/v1/notebooks/" + id).statusCode() == 404
        && notebooks.findById(NotebookIds.decode(id).orElseThrow()).isEmpty());
    expect(404, get(a, "/notebooks/" + id + "/tree"));
    assertThat(statusesOf(id)).endsWith("Deleted");
  }

  @Test
  void stopAndStartKeepTheWorkingDirectoryAndStorage() throws Exception {
    Caller a = caller("team_nb_files");
    String project = FakeServices.project(a.teamId());
    FakeServices.dataset(a.teamId(), "raw-text:1", "dsv_rawtext1", "hello.txt", "hello from a dataset\n");
    String id = create(a, "{\"projectId\":\"" + project + "\",\"name\":\"keeper\",\"inputs\":[{\"dataset\":\"raw-text:1\",\"mountAs\":\"raw\"}]}");
    assertThat(FakeServices.USAGES).containsEntry(id, a.teamId());
    JsonNode view = awaitStatus(a, id, "Running", Duration.ofSeconds(90));
    assertThat(view.get("inputs").get(0).get("versionId").asString()).isEqualTo("dsv_rawtext1");

    // the dataset version, read-only, at datasets/raw
    HttpResponse<String> input = get(a, "/notebooks/" + id + "/api/contents/datasets/raw/hello.txt?type=file&format=text");
    expect(200, input);
    assertThat(body(input).get("content").asString()).isEqualTo("hello from a dataset\n");
    java.nio.file.Path cached = HOME.resolve("datasets").resolve(a.teamId()).resolve("dsv_rawtext1");
    assertThat(java.nio.file.Files.getPosixFilePermissions(cached)).noneMatch(p -> p.name().endsWith("WRITE"));

    // one file in the notebook's working directory, one on the team's storage
    // 201 for a new file, 200 over one an earlier run of the test left on this machine's storage
    assertThat(send(a, "PUT", "/notebooks/" + id + "/api/contents/work.txt", "{\"type\":\"file\",\"format\":\"text\",\"content\":\"mine\"}")
        .statusCode()).isIn(200, 201);
    assertThat(send(a, "PUT", "/notebooks/" + id + "/api/contents/storage/shared.txt",
        "{\"type\":\"file\",\"format\":\"text\",\"content\":\"the team's\"}").statusCode()).isIn(200, 201);
    assertThat(HOME.resolve("storage").resolve(a.teamId()).resolve("shared.txt")).hasContent("the team's");
    assertThat(HOME.resolve("storage").resolve(a.teamId()).resolve("notebooks").resolve(id).resolve("work.txt")).hasContent("mine");

    JsonNode stopping = body(send(a, "POST", "/api/v1/notebooks/" + id + "/stop", null));
    assertThat(stopping.get("status").asString()).isEqualTo("Stopping");
    awaitStatus(a, id, "Stopped", Duration.ofSeconds(30));
    assertThat(runtime.observe(new dev.incline.compute.WorkloadRef(a.teamId(), dev.incline.compute.WorkloadRef.Kind.NOTEBOOK, id)).phase())
        .isEqualTo(dev.incline.compute.Phase.NOT_FOUND);
    HttpResponse<String> stopped = get(a, "/notebooks/" + id + "/tree");
    expect(503, stopped);
    assertThat(stopped.body()).contains("/start");

    String before = token(id);
    assertThat(before).isNull(); // a stopped run's token opens nothing and is forgotten
    expect(200, send(a, "POST", "/api/v1/notebooks/" + id + "/start", null));
    awaitStatus(a, id, "Running", Duration.ofSeconds(90));
    assertThat(body(get(a, "/notebooks/" + id + "/api/contents/work.txt")).get("content").asString()).isEqualTo("mine");
    assertThat(body(get(a, "/notebooks/" + id + "/api/contents/storage/shared.txt")).get("content").asString()).isEqualTo("the team's");
    assertThat(statusesOf(id)).contains("Running Stopping Stopped Pending Provisioning Running");

    // stop and start at once: the new run begins when the old one is gone
    expect(200, send(a, "POST", "/api/v1/notebooks/" + id + "/stop", null));
    assertThat(body(send(a, "POST", "/api/v1/notebooks/" + id + "/start", null)).get("status").asString()).isIn("Stopping", "Stopped",
        "Pending");
    awaitStatus(a, id, "Running", Duration.ofSeconds(90));
    assertThat(body(get(a, "/notebooks/" + id + "/api/contents/work.txt")).get("content").asString()).isEqualTo("mine");

    expect(204, send(a, "DELETE", "/api/v1/notebooks/" + id, null));
    await().atMost(Duration.ofSeconds(30)).until(() -> !FakeServices.USAGES.containsKey(id));
    // deleting a notebook keeps what it wrote: the working directory is the user's to remove
    assertThat(Files.exists(HOME.resolve("storage").resolve(a.teamId()).resolve("notebooks").resolve(id).resolve("work.txt"))).isTrue();
  }

  @Test
  void badRequestsNameTheFieldAndOtherTeamsSeeNothing() throws Exception {
    Caller a = caller("team_nb_valid");
    Caller b = caller("team_nb_other");
    String project = FakeServices.project(a.teamId());
    JsonNode p = body(send(a, "POST", "/api/v1/notebooks", "{\"projectId\":\"" + project + "\",\"name\":\"Bad Name\"}"));
    assertThat(p.get("errors").get(0).get("field").asString()).isEqualTo("name");
    // a name is also a Kubernetes label value there: no trailing '-'
    expect(422, send(a, "POST", "/api/v1/notebooks", "{\"projectId\":\"" + project + "\",\"name\":\"scratch-\"}"));
    HttpResponse<String> r = send(a, "POST", "/api/v1/notebooks", "{\"projectId\":\"" + project + "\",\"name\":\"n\",\"machineType\":\"Z9\"}");
    expect(422, r);
    assertThat(body(r).get("errors").get(0).get("field").asString()).isEqualTo("machineType");
    assertThat(r.body()).contains("C3");
    r = send(a, "POST", "/api/v1/notebooks", "{\"projectId\":\"" + project + "\",\"name\":\"n\",\"autoShutdownHours\":1000}");
    expect(422, r);
    assertThat(body(r).get("errors").get(0).get("field").asString()).isEqualTo("autoShutdownHours");
    r = send(a, "POST", "/api/v1/notebooks", "{\"projectId\":\"" + project + "\",\"name\":\"n\",\"inputs\":[{\"dataset\":\"nope:1\"}]}");
    expect(422, r);
    assertThat(body(r).get("errors").get(0).get("field").asString()).isEqualTo("inputs[0].dataset");
    r = send(a, "POST", "/api/v1/notebooks", "{\"projectId\":\"" + project + "\",\"name\":\"n\",\"inputs\":[{\"dataset\":\"x:1\",\"mountAs\":\"../up\"}]}");
    expect(422, r);
    assertThat(body(r).get("errors").get(0).get("field").asString()).isEqualTo("inputs[0].mountAs");
    expect(404, send(b, "POST", "/api/v1/notebooks", "{\"projectId\":\"" + project + "\",\"name\":\"theirs\"}"));

    String id = create(a, "{\"projectId\":\"" + project + "\",\"name\":\"only-mine\",\"autoShutdownHours\":3}");
    expect(409, send(a, "POST", "/api/v1/notebooks", "{\"projectId\":\"" + project + "\",\"name\":\"only-mine\"}"));
    for (String path : new String[] {"/api/v1/notebooks/" + id, "/api/v1/notebooks/only-mine"}) {
      expect(404, get(b, path));
      expect(404, send(b, "POST", path + "/stop", null));
      expect(404, send(b, "POST", path + "/start", null));
      expect(404, send(b, "DELETE", path, null));
    }
    assertThat(body(get(b, "/api/v1/notebooks")).get("items")).isEmpty();
    assertThat(body(get(a, "/api/v1/notebooks")).get("items").get(0).get("name").asString()).isEqualTo("only-mine");
    expect(422, get(a, "/api/v1/notebooks?cursor=garbage"));
    expect(204, send(a, "DELETE", "/api/v1/notebooks/only-mine", null));
    await().atMost(Duration.ofSeconds(30)).until(() -> get(a, "/api/v1/notebooks/" + id).statusCode() == 404);
  }
}
