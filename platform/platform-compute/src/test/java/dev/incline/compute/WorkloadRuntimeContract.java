package dev.incline.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What every {@link WorkloadRuntime} must do; each runtime's test subclasses this. */
public abstract class WorkloadRuntimeContract {

  protected abstract WorkloadRuntime runtime();

  /** An image with a POSIX shell and coreutils (busybox is enough). */
  protected abstract String image();

  private final List<WorkloadRef> created = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    for (WorkloadRef ref : created) {
      runtime().delete(ref);
    }
  }

  protected WorkloadRef ref() {
    WorkloadRef ref = new WorkloadRef("team-a", WorkloadRef.Kind.JOB, "job_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20));
    created.add(ref);
    return ref;
  }

  protected WorkloadSpec spec(WorkloadRef ref, String shell, WorkloadSpec.Workspace workspace) {
    return new WorkloadSpec(ref, "prj_test", image(), List.of("/bin/sh", "-c", shell), Map.of("GREETING", "hello"),
        Map.of("TOKEN", "s3cr3t"), WorkloadSpec.Resources.none(), List.of(), Map.of(), workspace);
  }

  protected WorkloadStatus awaitFinished(WorkloadRef ref) {
    await().atMost(Duration.ofSeconds(60)).until(() -> runtime().observe(ref).phase().finished());
    return runtime().observe(ref);
  }

  protected static List<LogLine> readAll(LogStream stream) throws InterruptedException {
    List<LogLine> lines = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!stream.ended() && System.nanoTime() < deadline) {
      LogLine line = stream.next(Duration.ofMillis(200));
      if (line != null) {
        lines.add(line);
      }
    }
    assertThat(stream.ended()).as("log stream ended").isTrue();
    return lines;
  }

  @Test
  void runsToSuccessWithLogsEnvironmentAndArtifacts() throws Exception {
    WorkloadRef ref = ref();
    String script = """
        echo "$GREETING from $INCLINE_JOB_ID in $INCLINE_PROJECT_ID"
        echo oops >&2
        test "$TOKEN" = s3cr3t && echo secret-ok
        mkdir -p "$INCLINE_ARTIFACTS_DIR/sub"
        printf 'model' > "$INCLINE_ARTIFACTS_DIR/sub/model.bin"
        pwd
        """;
    assertThat(runtime().apply(spec(ref, script, null))).isEqualTo(WorkloadRuntime.ApplyResult.CREATED);

    WorkloadStatus status = awaitFinished(ref);
    assertThat(status.phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(status.exitCode()).isZero();
    assertThat(status.startedAt()).isNotNull();

    try (LogStream logs = runtime().logs(ref, null)) {
      List<LogLine> lines = readAll(logs);
      assertThat(lines).filteredOn(l -> l.stream() == LogLine.Stream.STDOUT).extracting(LogLine::text)
          .startsWith("hello from " + ref.id() + " in prj_test", "secret-ok");
      assertThat(lines).filteredOn(l -> l.stream() == LogLine.Stream.STDERR).extracting(LogLine::text)
          .containsExactly("oops");
    }
    List<ArtifactFile> artifacts = runtime().artifacts(ref);
    assertThat(artifacts).extracting(ArtifactFile::path).containsExactly("sub/model.bin");
    assertThat(artifacts.getFirst().size()).isEqualTo(5);
    try (var in = artifacts.getFirst().open()) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("model");
    }
  }

  @Test
  void reportsTheExitCodeOfAFailure() {
    WorkloadRef ref = ref();
    runtime().apply(spec(ref, "echo failing; exit 3", null));
    WorkloadStatus status = awaitFinished(ref);
    assertThat(status.phase()).isEqualTo(Phase.FAILED);
    assertThat(status.exitCode()).isEqualTo(3);
    assertThat(status.reason()).contains("3");
  }

  @Test
  void applyIsIdempotent() {
    WorkloadRef ref = ref();
    WorkloadSpec spec = spec(ref, "echo ran >> \"$INCLINE_ARTIFACTS_DIR/runs\"; sleep 1", null);
    assertThat(runtime().apply(spec)).isEqualTo(WorkloadRuntime.ApplyResult.CREATED);
    assertThat(runtime().apply(spec)).isEqualTo(WorkloadRuntime.ApplyResult.UNCHANGED);
    awaitFinished(ref);
    assertThat(runtime().apply(spec)).isEqualTo(WorkloadRuntime.ApplyResult.UNCHANGED);
    assertThat(runtime().artifacts(ref)).singleElement().satisfies(f -> assertThat(f.size()).isEqualTo(4));
  }

  @Test
  void stopEndsARunningWorkload() {
    WorkloadRef ref = ref();
    runtime().apply(spec(ref, "echo started; sleep 120", null));
    await().atMost(Duration.ofSeconds(30)).until(() -> runtime().observe(ref).phase() == Phase.RUNNING);
    runtime().stop(ref, Duration.ofSeconds(2));
    WorkloadStatus status = awaitFinished(ref);
    assertThat(status.phase()).isEqualTo(Phase.FAILED);
    runtime().stop(ref, Duration.ofSeconds(2)); // idempotent on a finished workload
  }

  @Test
  void logsResumeAfterAPosition() throws Exception {
    WorkloadRef ref = ref();
    runtime().apply(spec(ref, "for i in 1 2 3 4 5; do echo line-$i; done", null));
    awaitFinished(ref);
    List<LogLine> all;
    try (LogStream logs = runtime().logs(ref, null)) {
      all = readAll(logs);
    }
    assertThat(all).extracting(LogLine::text).containsExactly("line-1", "line-2", "line-3", "line-4", "line-5");
    try (LogStream rest = runtime().logs(ref, all.get(1).position())) {
      assertThat(readAll(rest)).extracting(LogLine::text).containsExactly("line-3", "line-4", "line-5");
    }
  }

  @Test
  void followsOutputWhileTheWorkloadRuns() throws Exception {
    WorkloadRef ref = ref();
    runtime().apply(spec(ref, "echo first; sleep 2; echo second", null));
    try (LogStream logs = runtime().logs(ref, null)) {
      LogLine first = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (first == null && System.nanoTime() < deadline) {
        first = logs.next(Duration.ofMillis(200));
      }
      assertThat(first).isNotNull();
      assertThat(first.text()).isEqualTo("first");
      assertThat(runtime().observe(ref).phase()).isEqualTo(Phase.RUNNING);
      assertThat(readAll(logs)).extracting(LogLine::text).containsExactly("second");
    }
  }

  @Test
  void fetchesTheWorkspaceArchiveAndRunsInIt() throws Exception {
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(zip)) {
      out.putNextEntry(new ZipEntry("src/hello.sh"));
      out.write("echo workspace says hi\n".getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/ws.zip", exchange -> {
      exchange.sendResponseHeaders(200, zip.size());
      exchange.getResponseBody().write(zip.toByteArray());
      exchange.close();
    });
    server.start();
    try {
      WorkloadRef ref = ref();
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ws.zip");
      runtime().apply(spec(ref, "sh src/hello.sh", new WorkloadSpec.Workspace.Archive(url, "ws.zip")));
      assertThat(awaitFinished(ref).phase()).isEqualTo(Phase.SUCCEEDED);
      try (LogStream logs = runtime().logs(ref, null)) {
        assertThat(readAll(logs)).extracting(LogLine::text).containsExactly("workspace says hi");
      }
    } finally {
      server.stop(0);
    }
  }

  @Test
  void listsAndDeletesWorkloads() {
    WorkloadRef ref = ref();
    runtime().apply(spec(ref, "true", null));
    assertThat(runtime().list()).contains(ref);
    awaitFinished(ref);
    runtime().delete(ref);
    assertThat(runtime().observe(ref).phase()).isEqualTo(Phase.NOT_FOUND);
    assertThat(runtime().list()).doesNotContain(ref);
    runtime().delete(ref); // idempotent
  }

  @Test
  void observesNothingForAnUnknownWorkload() {
    assertThat(runtime().observe(ref()).phase()).isEqualTo(Phase.NOT_FOUND);
  }

  protected static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  protected static String bytes(String s) throws IOException {
    return s;
  }
}
