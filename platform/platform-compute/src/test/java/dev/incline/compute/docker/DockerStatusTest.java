package dev.incline.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadStatus;
import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How the engine's container state maps to a phase, on inspect answers as dockerd 20.10 writes them. */
class DockerStatusTest {

  private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final String NEVER = "0001-01-01T00:00:00Z";
  private static final String STARTED = "2026-11-21T09:13:31.62040708Z";
  private static final String FINISHED = "2026-11-21T09:13:35.724175101Z";

  private static InspectContainerResponse container(String status, int exit, boolean oom, String error, String started,
      String finished, String ports) throws Exception {
    String json = """
        {"Id":"abc","Name":"/incline-job-j1",
         "State":{"Status":"%s","Running":%s,"OOMKilled":%s,"Dead":false,"Pid":0,"ExitCode":%d,"Error":"%s",
                  "StartedAt":"%s","FinishedAt":"%s"},
         "NetworkSettings":{"Ports":%s}}
        """.formatted(status, status.equals("running"), oom, exit, error, started, finished, ports);
    return JSON.readValue(json, InspectContainerResponse.class);
  }

  private static WorkloadStatus status(String status, int exit, boolean oom, String error) throws Exception {
    return DockerRuntime.status(container(status, exit, oom, error, STARTED, FINISHED, "{}"), false);
  }

  @Test
  void aCreatedContainerIsPendingUnlessItCouldNotStartOrWasStopped() throws Exception {
    var created = container("created", 0, false, "", NEVER, NEVER, "{}");
    assertThat(DockerRuntime.status(created, false).phase()).isEqualTo(Phase.PENDING);
    assertThat(DockerRuntime.status(created, true)).satisfies(s -> {
      assertThat(s.phase()).isEqualTo(Phase.FAILED);
      assertThat(s.reason()).isEqualTo("stopped before it started");
    });
    var broken = container("created", 127, false, "exec: /nope: stat /nope: no such file or directory", NEVER, NEVER, "{}");
    assertThat(DockerRuntime.status(broken, false)).satisfies(s -> {
      assertThat(s.phase()).isEqualTo(Phase.FAILED);
      assertThat(s.exitCode()).isEqualTo(127);
      assertThat(s.reason()).isEqualTo("the container could not start: exec: /nope: stat /nope: no such file or directory");
      assertThat(s.startedAt()).isNull();
    });
  }

  @Test
  void aRunningContainerHasItsPublishedPortsAsEndpoints() throws Exception {
    var running = container("running", 0, false, "", STARTED, NEVER,
        "{\"8888/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"49153\"}],\"9000/tcp\":null}");
    WorkloadStatus s = DockerRuntime.status(running, false);
    assertThat(s.phase()).isEqualTo(Phase.RUNNING);
    assertThat(s.startedAt()).isEqualTo(Instant.parse(STARTED));
    assertThat(s.finishedAt()).isNull();
    assertThat(s.endpoints()).containsExactly(java.util.Map.entry(8888, URI.create("http://127.0.0.1:49153")));
  }

  @Test
  void exitCodesDecideSuccessAndFailure() throws Exception {
    assertThat(status("exited", 0, false, "")).satisfies(s -> {
      assertThat(s.phase()).isEqualTo(Phase.SUCCEEDED);
      assertThat(s.exitCode()).isZero();
      assertThat(s.finishedAt()).isEqualTo(Instant.parse(FINISHED));
    });
    assertThat(status("exited", 3, false, "")).satisfies(s -> {
      assertThat(s.phase()).isEqualTo(Phase.FAILED);
      assertThat(s.reason()).isEqualTo("exited with code 3");
    });
    assertThat(status("exited", 143, false, "").reason()).isEqualTo("killed by SIGTERM (exit code 143)");
    assertThat(status("dead", 0, false, "").phase()).isEqualTo(Phase.FAILED);
  }

  @Test
  void anOomKillIsAFailureUnlessTheMainProcessSurvivedIt() throws Exception {
    assertThat(status("exited", 137, true, "")).satisfies(s -> {
      assertThat(s.phase()).isEqualTo(Phase.FAILED);
      assertThat(s.exitCode()).isEqualTo(137);
      assertThat(s.reason()).isEqualTo("out of memory (OOMKilled)");
    });
    // A killed child (a data-loader worker) that the main process handled: the workload succeeded.
    assertThat(status("exited", 0, true, "").phase()).isEqualTo(Phase.SUCCEEDED);
  }
}
