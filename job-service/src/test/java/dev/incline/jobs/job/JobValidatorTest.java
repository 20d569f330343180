package dev.incline.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.incline.jobs.config.JobsProperties;
import dev.incline.jobs.machine.MachineType;
import dev.incline.jobs.machine.MachineTypeCatalog;
import dev.incline.platform.error.InvalidRequestException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobValidatorTest {

  private final MachineTypeCatalog catalog = new MachineTypeCatalog(List.of(new MachineType("C3", 2, 4, null, null)));
  private final JobsProperties props = new JobsProperties("python:3.11", "C3", Duration.ofDays(30), Duration.ofDays(1), 10,
      "r", Duration.ofSeconds(30), Duration.ofMillis(500), Duration.ofSeconds(10), null, null, null, Duration.ofMinutes(15), null, null, null);

  private static JobRequest request(String command) {
    return new JobRequest("prj_x", null, null, command, null, null, null, null, null, null, null, null, null);
  }

  private List<String> fields(JobRequest r) {
    InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class, () -> JobValidator.validate(r, catalog, props));
    return e == null ? List.of() : e.errors().stream().map(InvalidRequestException.FieldError::field).toList();
  }

  @Test
  void aMinimalJobIsValid() {
    assertThatCode(() -> JobValidator.validate(request("python train.py"), catalog, props)).doesNotThrowAnyException();
  }

  @Test
  void namesEveryWrongField() {
    JobRequest r = new JobRequest(null, "", "bad image", " ", "Z9",
        new JobRequest.Workspace("upl_1", new JobRequest.Git("https://x/y.git", null)),
        Map.of("INCLINE_JOB_ID", "x", "1BAD", "y"), List.of("WANDB-KEY"), List.of(new JobRequest.Input("mnist:3", "../up")),
        List.of(new JobRequest.Output("Bad Name", "../outside")), List.of(0, 70000), 0L, 11);
    assertThat(fields(r)).containsExactlyInAnyOrder("projectId", "name", "command", "image", "machineType", "workspace",
        "env.INCLINE_JOB_ID", "env.1BAD", "ports[0]", "ports[1]", "maxRuntimeSeconds", "retries", "secrets[0]",
        "inputs[0].mountAs", "outputs[0].dataset", "outputs[0].from");
  }

  @Test
  void checksTheShapeOfSecretsInputsAndOutputs() {
    JobRequest dup = new JobRequest("prj_x", null, null, "x", null, null, Map.of("TOKEN", "v"), List.of("TOKEN", "A", "A"),
        List.of(new JobRequest.Input("mnist:3", null), new JobRequest.Input("mnist:4", null), new JobRequest.Input(" ", null)),
        List.of(new JobRequest.Output("features", "/abs")), null, null, null);
    assertThat(fields(dup)).containsExactlyInAnyOrder("secrets[0]", "secrets[2]", "inputs[1].mountAs", "inputs[2].dataset",
        "outputs[0].from");
    JobRequest good = new JobRequest("prj_x", null, null, "x", null, null, null, List.of("WANDB_KEY"),
        List.of(new JobRequest.Input("mnist:3", null), new JobRequest.Input("mnist:clean", "clean")),
        List.of(new JobRequest.Output("features", "outputs/features/")), null, null, null);
    assertThat(fields(good)).isEmpty();
    assertThat(JobValidator.mountAs(new JobRequest.Input("ds_01abc:latest", null))).isEqualTo("ds_01abc");
  }

  @Test
  void checksGitWorkspaces() {
    JobRequest bad = new JobRequest("prj_x", null, null, "make", null,
        new JobRequest.Workspace(null, new JobRequest.Git("file:///etc", "--upload-pack=evil")), null, null, null, null, null, null, null);
    assertThat(fields(bad)).containsExactlyInAnyOrder("workspace.git.url", "workspace.git.ref");
    JobRequest good = new JobRequest("prj_x", null, null, "make", null,
        new JobRequest.Workspace(null, new JobRequest.Git("https://github.com/x/y.git", "release/1.2")), null, null, null, null, null, null, null);
    assertThat(fields(good)).isEmpty();
  }

  @Test
  void boundsRuntimeByConfiguration() {
    JobRequest tooLong = new JobRequest("prj_x", null, null, "x", null, null, null, null, null, null, null,
        Duration.ofDays(31).toSeconds(), null);
    assertThat(fields(tooLong)).containsExactly("maxRuntimeSeconds");
  }
}
