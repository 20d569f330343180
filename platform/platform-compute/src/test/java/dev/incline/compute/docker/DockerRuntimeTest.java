package dev.incline.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import dev.incline.compute.LogLine;
import dev.incline.compute.LogStream;
import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.WorkloadRuntimeContract;
import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.WorkloadStatus;
import dev.incline.platform.archive.SafeArchive;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on a real Docker engine. Without one the class is skipped, except on CI
 * ({@code CI=true}), where a missing engine is a failure: these tests must not pass by not running.
 */
class DockerRuntimeTest extends WorkloadRuntimeContract {

  private static final long MIB = 1024 * 1024;

  @TempDir static Path root;
  private static DockerRuntimeSettings settings;
  private static DockerRuntime runtime;
  private static DockerClient docker;

  @BeforeAll
  static void engine() throws Exception {
    String host = System.getenv("DOCKER_HOST");
    settings = new DockerRuntimeSettings(host == null || host.isBlank() ? null : URI.create(host),
        root.resolve("runs"), root.resolve("storage"), SafeArchive.Limits.defaults());
    try {
      DockerRuntime.ping(settings);
    } catch (IllegalStateException e) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("CI=true and " + e.getMessage() + ". Start the engine as root first: dockerd --iptables=false &");
      }
      Assumptions.abort("skipping the docker runtime tests: " + e.getMessage());
    }
    docker = DockerRuntime.client(settings.dockerHost(), Duration.ofMinutes(2));
    BusyboxImage.ensure(docker, settings.dockerHost());
    runtime = new DockerRuntime(settings);
  }

  @AfterAll
  static void closeClients() throws Exception {
    if (runtime != null) {
      runtime.close();
    }
    if (docker != null) {
      docker.close();
    }
  }

  @Override
  protected WorkloadRuntime runtime() {
    return runtime;
  }

  @Override
  protected String image() {
    return BusyboxImage.NAME;
  }

  private WorkloadSpec spec(WorkloadRef ref, String shell, WorkloadSpec.Resources resources, List<Integer> ports,
      Map<String, String> labels) {
    return new WorkloadSpec(ref, "prj_test", image(), List.of("/bin/sh", "-c", shell), Map.of(), Map.of(), resources,
        ports, labels, null);
  }

  private InspectContainerResponse inspect(WorkloadRef ref) {
    return docker.inspectContainerCmd(DockerSpecs.containerName(ref)).exec();
  }

  private static List<String> texts(List<LogLine> lines, LogLine.Stream stream) {
    return lines.stream().filter(l -> l.stream() == stream).map(LogLine::text).toList();
  }

  @Test
  void labelsTheContainerWithTheWorkloadAndTheSpecsLabels() {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "true", WorkloadSpec.Resources.none(), List.of(),
        Map.of("app", "trainer", DockerSpecs.LABEL_TEAM, "team-b")));
    assertThat(inspect(ref).getConfig().getLabels())
        .containsEntry(DockerSpecs.LABEL_TEAM, "team-a") // a spec label cannot claim another team
        .containsEntry(DockerSpecs.LABEL_KIND, "job")
        .containsEntry(DockerSpecs.LABEL_ID, ref.id())
        .containsEntry(DockerSpecs.LABEL_PROJECT, "prj_test")
        .containsEntry("app", "trainer");
  }

  @Test
  void limitsCpuAndMemoryFromTheMachineType() {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "true", new WorkloadSpec.Resources("C3", 1.5, 64 * MIB, 0, null, Map.of()), List.of(), Map.of()));
    var host = inspect(ref).getHostConfig();
    assertThat(host.getMemory()).isEqualTo(64 * MIB);
    assertThat(host.getMemorySwap()).isEqualTo(64 * MIB);
    assertThat(host.getNanoCPUs()).isEqualTo(1_500_000_000L);
    assertThat(host.getDeviceRequests()).isNullOrEmpty();
    assertThat(host.getAutoRemove()).isNotEqualTo(Boolean.TRUE);
    assertThat(awaitFinished(ref).phase()).isEqualTo(Phase.SUCCEEDED);
  }

  @Test
  void runningOutOfMemoryIsAFailureWithAReason() {
    WorkloadRef ref = ref();
    // tail keeps a line that never ends in memory: 200 MiB of zeros against a 32 MiB limit.
    runtime.apply(spec(ref, "head -c 200m /dev/zero | tail > /dev/null", new WorkloadSpec.Resources("tiny", 0, 32 * MIB, 0,
        null, Map.of()), List.of(), Map.of()));
    WorkloadStatus status = awaitFinished(ref);
    assertThat(status.phase()).isEqualTo(Phase.FAILED);
    assertThat(status.reason()).isEqualTo("out of memory (OOMKilled)");
  }

  @Test
  void aMissingImageIsAFailureWithAClearReason() throws Exception {
    WorkloadRef ref = ref();
    WorkloadSpec spec = new WorkloadSpec(ref, "prj_test", "incline-test/not-there:0", List.of("/bin/sh", "-c", "true"),
        Map.of(), Map.of(), WorkloadSpec.Resources.none(), List.of(), Map.of(), null);
    assertThat(runtime.apply(spec)).isEqualTo(WorkloadRuntime.ApplyResult.CREATED);
    WorkloadStatus status = runtime.observe(ref);
    assertThat(status.phase()).isEqualTo(Phase.FAILED);
    assertThat(status.reason()).isEqualTo("image incline-test/not-there:0 not found on the Docker host");
    assertThat(runtime.apply(spec)).isEqualTo(WorkloadRuntime.ApplyResult.UNCHANGED);
    assertThat(runtime.list()).contains(ref);
    try (LogStream logs = runtime.logs(ref, null)) {
      assertThat(readAll(logs)).isEmpty();
    }
    runtime.delete(ref);
    assertThat(runtime.observe(ref).phase()).isEqualTo(Phase.NOT_FOUND);
  }

  @Test
  void aCommandThatCannotStartIsAFailureWithAReasonAndALogLine() throws Exception {
    WorkloadRef ref = ref();
    runtime.apply(new WorkloadSpec(ref, "prj_test", image(), List.of("/no/such/program"), Map.of(), Map.of(),
        WorkloadSpec.Resources.none(), List.of(), Map.of(), null));
    WorkloadStatus status = awaitFinished(ref);
    assertThat(status.phase()).isEqualTo(Phase.FAILED);
    // docker-init starts, then cannot exec the command: the shell's 127, and its complaint on stderr.
    assertThat(status.exitCode()).isEqualTo(127);
    assertThat(status.reason()).isEqualTo("exited with code 127 (command not found)");
    try (LogStream logs = runtime.logs(ref, null)) {
      assertThat(readAll(logs)).filteredOn(l -> l.stream() == LogLine.Stream.STDERR).extracting(LogLine::text)
          .anySatisfy(text -> assertThat(text).contains("/no/such/program"));
    }
  }

  @Test
  void publishesPortsOnLoopbackAndTheEndpointAnswers() throws Exception {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "mkdir -p /tmp/www && echo hello-from-httpd > /tmp/www/index.html && exec httpd -f -p 8000 -h /tmp/www",
        WorkloadSpec.Resources.none(), List.of(8000), Map.of()));
    await().atMost(Duration.ofSeconds(30)).until(() -> runtime.observe(ref).endpoints().containsKey(8000));
    URI endpoint = runtime.observe(ref).endpoints().get(8000);
    assertThat(endpoint.getHost()).isEqualTo("127.0.0.1");

    InspectContainerResponse c = inspect(ref);
    Ports.Binding[] requested = c.getHostConfig().getPortBindings().getBindings().get(ExposedPort.tcp(8000));
    assertThat(requested).extracting(Ports.Binding::getHostIp).containsExactly("127.0.0.1");
    Ports.Binding[] published = c.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(8000));
    assertThat(published).extracting(Ports.Binding::getHostIp).containsOnly("127.0.0.1");
    assertThat(endpoint.getPort()).isEqualTo(Integer.parseInt(published[0].getHostPortSpec()));

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint.resolve("/index.html"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("hello-from-httpd\n");
    });
  }

  @Test
  void logsResumeAfterAPositionWhileTheWorkloadStillWrites() throws Exception {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "echo line-1; echo line-2; echo line-3; sleep 3; echo line-4; echo line-5",
        WorkloadSpec.Resources.none(), List.of(), Map.of()));
    List<LogLine> firstTwo = new ArrayList<>();
    try (LogStream logs = runtime.logs(ref, null)) {
      while (firstTwo.size() < 2) {
        LogLine line = logs.next(Duration.ofSeconds(20));
        assertThat(line).as("a line within 20s").isNotNull();
        firstTwo.add(line);
      }
    }
    assertThat(firstTwo).extracting(LogLine::text).containsExactly("line-1", "line-2");
    assertThat(runtime.observe(ref).phase()).isEqualTo(Phase.RUNNING);
    try (LogStream rest = runtime.logs(ref, firstTwo.get(1).position())) {
      assertThat(readAll(rest)).extracting(LogLine::text).containsExactly("line-3", "line-4", "line-5");
    }
  }

  @Test
  void stopSendsSigtermThroughDockerInitBeforeTheGraceRunsOut() throws Exception {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "trap 'echo got-term; exit 0' TERM; echo started; while true; do sleep 0.1; done",
        WorkloadSpec.Resources.none(), List.of(), Map.of()));
    await().atMost(Duration.ofSeconds(30)).until(() -> runtime.observe(ref).phase() == Phase.RUNNING);
    sleep(300); // let the shell set its trap
    long started = System.nanoTime();
    runtime.stop(ref, Duration.ofSeconds(20));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(awaitFinished(ref).phase()).isEqualTo(Phase.SUCCEEDED); // the trap exited 0
    try (LogStream logs = runtime.logs(ref, null)) {
      assertThat(readAll(logs)).extracting(LogLine::text).containsExactly("started", "got-term");
    }
  }

  @Test
  void logsWaitForAContainerWhoseWorkspaceIsStillBeingFetched() throws Exception {
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(zip)) {
      out.putNextEntry(new ZipEntry("hello.sh"));
      out.write("echo from the slow workspace\n".getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    CountDownLatch release = new CountDownLatch(1);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/ws.zip", exchange -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.sendResponseHeaders(200, zip.size());
      exchange.getResponseBody().write(zip.toByteArray());
      exchange.close();
    });
    server.start();
    try {
      WorkloadRef ref = ref();
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ws.zip");
      Thread apply = Thread.ofVirtual().start(() ->
          runtime.apply(super.spec(ref, "sh hello.sh", new WorkloadSpec.Workspace.Archive(url, "ws.zip"))));
      await().atMost(Duration.ofSeconds(10)).until(() -> runtime.observe(ref).phase() == Phase.PENDING);
      try (LogStream logs = runtime.logs(ref, null)) {
        assertThat(logs.next(Duration.ofMillis(600))).isNull();
        assertThat(logs.ended()).isFalse();
        release.countDown();
        apply.join(Duration.ofSeconds(30));
        assertThat(readAll(logs)).extracting(LogLine::text).containsExactly("from the slow workspace");
      }
    } finally {
      release.countDown();
      server.stop(0);
    }
  }

  @Test
  void keepsStdoutAndStderrApartAndKeepsALastLineWithoutNewline() throws Exception {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "printf 'out-1\\nout-'; printf 'err-1\\n' >&2; printf '2'; printf 'err-2' >&2",
        WorkloadSpec.Resources.none(), List.of(), Map.of()));
    awaitFinished(ref);
    try (LogStream logs = runtime.logs(ref, null)) {
      List<LogLine> lines = readAll(logs);
      assertThat(texts(lines, LogLine.Stream.STDOUT)).containsExactly("out-1", "out-2");
      assertThat(texts(lines, LogLine.Stream.STDERR)).containsExactly("err-1", "err-2");
      assertThat(lines).allSatisfy(l -> assertThat(l.time()).isNotNull());
    }
  }

  @Test
  void mountsDatasetsReadOnlyAndSharesTheTeamsStorage() throws Exception {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "touch /datasets/x 2>/dev/null && echo datasets-writable || echo datasets-read-only; "
        + "echo kept > /storage/note.txt; pwd; echo $INCLINE_STORAGE_DIR", WorkloadSpec.Resources.none(), List.of(), Map.of()));
    awaitFinished(ref);
    try (LogStream logs = runtime.logs(ref, null)) {
      assertThat(readAll(logs)).extracting(LogLine::text).containsExactly("datasets-read-only", "/workspace", "/storage");
    }
    assertThat(Files.readString(root.resolve("storage/team-a/note.txt"))).isEqualTo("kept\n");
  }

  @Test
  void mountsEachDatasetVersionReadOnlyUnderItsName() throws Exception {
    Path version = Files.createDirectories(root.resolve("cache/dsv_text1"));
    Files.writeString(version.resolve("hello.txt"), "hello from a dataset\n");
    WorkloadRef ref = ref();
    // a mount inside the read-only /datasets needs its mount point made on the host first
    runtime.apply(spec(ref, "cat /datasets/raw/hello.txt; touch /datasets/raw/x 2>/dev/null && echo writable || echo read-only",
        WorkloadSpec.Resources.none(), List.of(), Map.of())
        .withDatasets(List.of(new WorkloadSpec.DatasetMount("raw", "dsv_text1", version))));
    awaitFinished(ref);
    try (LogStream logs = runtime.logs(ref, null)) {
      assertThat(readAll(logs)).extracting(LogLine::text).containsExactly("hello from a dataset", "read-only");
    }
  }

  @Test
  void aNewRuntimeInstanceReadoptsARunningContainer() {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "sleep 30", WorkloadSpec.Resources.none(), List.of(), Map.of()));
    try (DockerRuntime restarted = new DockerRuntime(settings)) {
      assertThat(restarted.list()).contains(ref);
      assertThat(restarted.observe(ref).phase()).isEqualTo(Phase.RUNNING);
      assertThat(restarted.apply(spec(ref, "sleep 30", WorkloadSpec.Resources.none(), List.of(), Map.of())))
          .isEqualTo(WorkloadRuntime.ApplyResult.UNCHANGED);
    }
  }

  @Test
  void anotherTeamCannotSeeStopOrDeleteTheWorkload() {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "sleep 30", WorkloadSpec.Resources.none(), List.of(), Map.of()));
    await().until(() -> runtime.observe(ref).phase() == Phase.RUNNING);
    WorkloadRef intruder = new WorkloadRef("team-b", ref.kind(), ref.id());
    assertThat(runtime.observe(intruder).phase()).isEqualTo(Phase.NOT_FOUND);
    runtime.stop(intruder, Duration.ZERO);
    runtime.delete(intruder);
    assertThatThrownBy(() -> runtime.apply(spec(intruder, "true", WorkloadSpec.Resources.none(), List.of(), Map.of())))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not this team's");
    assertThat(runtime.observe(ref).phase()).isEqualTo(Phase.RUNNING);
  }
}
