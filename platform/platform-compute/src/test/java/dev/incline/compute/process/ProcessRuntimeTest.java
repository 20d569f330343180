package dev.incline.compute.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.WorkloadRuntimeContract;
import dev.incline.compute.WorkloadSpec;
import dev.incline.platform.archive.SafeArchive;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRuntimeTest extends WorkloadRuntimeContract {

  @TempDir Path root;
  private ProcessRuntime runtime;

  @BeforeEach
  void setUp() {
    runtime = new ProcessRuntime(new ProcessRuntimeSettings(root.resolve("runs"), root.resolve("storage"),
        "/usr/local/bin:/usr/bin:/bin", SafeArchive.Limits.defaults()));
  }

  @Override
  protected WorkloadRuntime runtime() {
    return runtime;
  }

  @Override
  protected String image() {
    return "ignored";
  }

  @Test
  void aNewRuntimeInstanceReadoptsARunningProcess() throws Exception {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "echo before; sleep 2; echo after", null));
    await().until(() -> runtime.observe(ref).phase() == Phase.RUNNING);

    // What a service restart looks like to the runtime: a new instance over the same directories.
    ProcessRuntime restarted = new ProcessRuntime(new ProcessRuntimeSettings(root.resolve("runs"), root.resolve("storage"),
        "/usr/bin:/bin", SafeArchive.Limits.defaults()));
    assertThat(restarted.list()).contains(ref);
    assertThat(restarted.observe(ref).phase()).isEqualTo(Phase.RUNNING);
    await().atMost(Duration.ofSeconds(20)).until(() -> restarted.observe(ref).phase() == Phase.SUCCEEDED);
    try (var logs = restarted.logs(ref, null)) {
      assertThat(readAll(logs)).extracting(l -> l.text()).containsExactly("before", "after");
    }
  }

  @Test
  void doesNotPassThePlatformsEnvironmentOn() throws Exception {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "env | cut -d= -f1 | sort", null));
    awaitFinished(ref);
    try (var logs = runtime.logs(ref, null)) {
      assertThat(readAll(logs)).extracting(l -> l.text())
          .contains("PATH", "HOME", "INCLINE_JOB_ID", "INCLINE_WORKSPACE_DIR", "INCLINE_STORAGE_DIR", "GREETING")
          .doesNotContain("JAVA_HOME", "MAVEN_OPTS", "INCLINE_HOME");
    }
  }

  @Test
  void storageIsSharedByTheTeamsWorkloads() throws Exception {
    WorkloadRef first = ref();
    runtime.apply(spec(first, "echo kept > \"$INCLINE_STORAGE_DIR/note.txt\"", null));
    awaitFinished(first);
    WorkloadRef second = ref();
    runtime.apply(spec(second, "cat \"$INCLINE_STORAGE_DIR/note.txt\"", null));
    awaitFinished(second);
    try (var logs = runtime.logs(second, null)) {
      assertThat(readAll(logs)).extracting(l -> l.text()).containsExactly("kept");
    }
    assertThat(Files.readString(root.resolve("storage/team-a/note.txt"))).isEqualTo("kept\n");
  }

  @Test
  void aKilledWrapperIsAFailureWithAReason() throws Exception {
    WorkloadRef ref = ref();
    runtime.apply(spec(ref, "sleep 60", null));
    await().until(() -> runtime.observe(ref).phase() == Phase.RUNNING);
    long pid = Long.parseLong(Files.readString(runtime.dir(ref).pid()).split(" ")[0]);
    new ProcessBuilder("kill", "-KILL", "--", "-" + pid).start().waitFor();
    await().atMost(Duration.ofSeconds(10)).until(() -> runtime.observe(ref).phase() == Phase.FAILED);
    assertThat(runtime.observe(ref).reason()).contains("killed");
  }

  @Test
  void reportsExposedPortsOnTheHostAlsoAfterARestart() throws Exception {
    WorkloadRef ref = ref();
    WorkloadSpec base = spec(ref, "sleep 60", null);
    runtime.apply(new WorkloadSpec(base.ref(), base.projectId(), base.image(), base.command(), base.env(),
        base.secretEnv(), base.resources(), List.of(6006, 8080), base.labels(), base.workspace()));
    await().until(() -> runtime.observe(ref).phase() == Phase.RUNNING);
    Map<Integer, URI> expected = Map.of(6006, URI.create("http://127.0.0.1:6006"), 8080, URI.create("http://127.0.0.1:8080"));
    assertThat(runtime.observe(ref).endpoints()).isEqualTo(expected);

    // The spec is gone after a restart: the ports come from the run directory.
    ProcessRuntime restarted = new ProcessRuntime(new ProcessRuntimeSettings(root.resolve("runs"), root.resolve("storage"),
        "/usr/bin:/bin", SafeArchive.Limits.defaults()));
    assertThat(restarted.observe(ref).endpoints()).isEqualTo(expected);
    runtime.stop(ref, Duration.ofSeconds(1));
    assertThat(awaitFinished(ref).endpoints()).isEmpty();
  }

  @Test
  void describesSignals() {
    assertThat(ProcessRuntime.describeExit(143)).isEqualTo("killed by SIGTERM (exit code 143)");
    assertThat(ProcessRuntime.describeExit(137)).contains("SIGKILL");
    assertThat(ProcessRuntime.describeExit(1)).isEqualTo("exited with code 1");
  }

  @Test
  void quotesCommandArguments() {
    assertThat(ProcessRuntime.commandScript(java.util.List.of("/bin/sh", "-c", "echo 'a b'")))
        .isEqualTo("exec '/bin/sh' '-c' 'echo '\\''a b'\\'''\n");
  }
}
