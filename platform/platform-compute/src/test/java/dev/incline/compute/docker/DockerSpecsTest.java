package dev.incline.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.host.HostRunDirectory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The spec-to-container mapping, without an engine. */
class DockerSpecsTest {

  private static final WorkloadRef REF = new WorkloadRef("team-a", WorkloadRef.Kind.NOTEBOOK, "nb_123");
  private static final HostRunDirectory DIR = HostRunDirectory.of(Path.of("/srv/incline/runs"), REF);
  private static final Path STORAGE = Path.of("/srv/incline/storage/team-a");

  private static WorkloadSpec spec(WorkloadSpec.Resources resources, List<Integer> ports, Map<String, String> labels) {
    return new WorkloadSpec(REF, "prj_1", "jupyter:6", List.of("/bin/sh", "-c", "jupyter notebook"),
        Map.of("GREETING", "hi"), Map.of("TOKEN", "s3cr3t"), resources, ports, labels, null);
  }

  @Test
  void namesLabelsAndRunsTheCommandInTheWorkspace() {
    var c = DockerSpecs.container(spec(WorkloadSpec.Resources.none(), List.of(), Map.of("owner", "ada",
        DockerSpecs.LABEL_ID, "someone-else")), DIR, STORAGE);
    assertThat(c.name()).isEqualTo("incline-notebook-nb_123");
    assertThat(c.image()).isEqualTo("jupyter:6");
    assertThat(c.entrypoint()).containsExactly("/bin/sh", "-c", "jupyter notebook");
    assertThat(c.workingDir()).isEqualTo("/workspace");
    assertThat(c.labels()).containsEntry(DockerSpecs.LABEL_TEAM, "team-a").containsEntry(DockerSpecs.LABEL_KIND, "notebook")
        .containsEntry(DockerSpecs.LABEL_ID, "nb_123").containsEntry(DockerSpecs.LABEL_PROJECT, "prj_1")
        .containsEntry("owner", "ada");
    assertThat(c.env()).contains("GREETING=hi", "TOKEN=s3cr3t", "INCLINE_NOTEBOOK_ID=nb_123", "INCLINE_PROJECT_ID=prj_1",
        "INCLINE_WORKSPACE_DIR=/workspace", "INCLINE_ARTIFACTS_DIR=/artifacts", "INCLINE_STORAGE_DIR=/storage",
        "INCLINE_DATASETS_DIR=/datasets", "PYTHONUNBUFFERED=1");
  }

  @Test
  void bindMountsTheHostDirectoriesWithDatasetsReadOnly() {
    var host = DockerSpecs.container(spec(WorkloadSpec.Resources.none(), List.of(), Map.of()), DIR, STORAGE).hostConfig();
    assertThat(host.getBinds()).extracting(Bind::getPath, b -> b.getVolume().getPath(), Bind::getAccessMode)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("/srv/incline/runs/team-a/notebook/nb_123/workspace", "/workspace", AccessMode.rw),
            org.assertj.core.groups.Tuple.tuple("/srv/incline/runs/team-a/notebook/nb_123/artifacts", "/artifacts", AccessMode.rw),
            org.assertj.core.groups.Tuple.tuple("/srv/incline/storage/team-a", "/storage", AccessMode.rw),
            org.assertj.core.groups.Tuple.tuple("/srv/incline/runs/team-a/notebook/nb_123/datasets", "/datasets", AccessMode.ro));
    assertThat(host.getInit()).isTrue();
    assertThat(host.getAutoRemove()).isNotEqualTo(Boolean.TRUE);
  }

  @Test
  void mountsEachDatasetVersionReadOnlyUnderItsName() {
    var spec = spec(WorkloadSpec.Resources.none(), List.of(), Map.of()).withDatasets(List.of(
        new WorkloadSpec.DatasetMount("mnist", "dsv_1", java.nio.file.Path.of("/srv/incline/datasets/team-a/dsv_1"))));
    var host = DockerSpecs.container(spec, DIR, STORAGE).hostConfig();
    assertThat(host.getBinds()).extracting(Bind::getPath, b -> b.getVolume().getPath(), Bind::getAccessMode)
        .contains(org.assertj.core.groups.Tuple.tuple("/srv/incline/datasets/team-a/dsv_1", "/datasets/mnist", AccessMode.ro));
  }

  @Test
  void grantsTheMachineTypesCpuMemoryAndGpus() {
    var resources = new WorkloadSpec.Resources("A100x2", 8, 32L << 30, 2, "A100", Map.of());
    var host = DockerSpecs.container(spec(resources, List.of(), Map.of()), DIR, STORAGE).hostConfig();
    assertThat(host.getNanoCPUs()).isEqualTo(8_000_000_000L);
    assertThat(host.getMemory()).isEqualTo(32L << 30);
    assertThat(host.getMemorySwap()).isEqualTo(32L << 30);
    assertThat(host.getShmSize()).isEqualTo(16L << 30);
    assertThat(host.getDeviceRequests()).singleElement().satisfies(gpu -> {
      assertThat(gpu.getDriver()).isEqualTo("nvidia");
      assertThat(gpu.getCount()).isEqualTo(2);
      assertThat(gpu.getCapabilities()).containsExactly(List.of("gpu"));
    });
  }

  @Test
  void leavesResourcesUnlimitedWhenTheMachineTypeGrantsNothing() {
    var host = DockerSpecs.container(spec(WorkloadSpec.Resources.none(), List.of(), Map.of()), DIR, STORAGE).hostConfig();
    assertThat(host.getNanoCPUs()).isNull();
    assertThat(host.getMemory()).isNull();
    assertThat(host.getDeviceRequests()).isNullOrEmpty();
    assertThat(host.getShmSize()).isEqualTo(1L << 30);
  }

  @Test
  void publishesPortsOnLoopbackWithAHostPortTheEnginePicks() {
    var c = DockerSpecs.container(spec(WorkloadSpec.Resources.none(), List.of(8888, 9000), Map.of()), DIR, STORAGE);
    assertThat(c.exposedPorts()).containsExactly(ExposedPort.tcp(8888), ExposedPort.tcp(9000));
    Map<ExposedPort, Ports.Binding[]> bindings = c.hostConfig().getPortBindings().getBindings();
    assertThat(bindings.get(ExposedPort.tcp(8888))).singleElement().satisfies(b -> {
      assertThat(b.getHostIp()).isEqualTo("127.0.0.1");
      assertThat(b.getHostPortSpec()).isNullOrEmpty();
    });
    assertThat(bindings).containsKey(ExposedPort.tcp(9000));
  }
}
