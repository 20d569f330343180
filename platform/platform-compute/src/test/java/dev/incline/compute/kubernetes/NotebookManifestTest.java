package dev.incline.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A notebook's Pod as a pure function of its spec, snapshotted per machine type. */
class NotebookManifestTest {

  static final KubernetesRuntimeSettings SETTINGS = KubernetesManifestsTest.SETTINGS;
  static final WorkloadRef REF = new WorkloadRef("team_01abc", WorkloadRef.Kind.NOTEBOOK, "nb_01xyz");

  static WorkloadSpec spec(WorkloadSpec.Resources resources) {
    return new WorkloadSpec(REF, "prj_01p", "quay.io/jupyter/scipy-notebook:2024-10-07",
        List.of("/bin/sh", "-c", "jupyter lab --ip=0.0.0.0 --port=8888 --ServerApp.base_url=/notebooks/nb_01xyz/"),
        Map.of("INCLINE_NOTEBOOK_ID", "nb_01xyz"),
        Map.of("JUPYTER_TOKEN", "s3cr3t", KubernetesResources.AGENT_TOKEN_ENV, "jwt-token"),
        resources, List.of(8888), Map.of("incline.dev/notebook", "nb_01xyz"),
        new WorkloadSpec.Workspace.Git("https://github.com/example/repo.git", "main"),
        Duration.ofHours(12))
        .withDatasets(List.of(new WorkloadSpec.DatasetMount("mnist", "dsv_01a", null)));
  }

  @Test
  void cpuNotebookMatchesItsSnapshot() {
    Snapshots.assertMatches("notebook-cpu", NotebookManifest.pod(SETTINGS, spec(KubernetesManifestsTest.C5)));
  }

  @Test
  void gpuNotebookMatchesItsSnapshot() {
    Snapshots.assertMatches("notebook-gpu", NotebookManifest.pod(SETTINGS, spec(KubernetesManifestsTest.A100)));
  }

  @Test
  void aNotebookIsOnePodThatRestartsInPlaceUntilItsDeadline() {
    Pod pod = NotebookManifest.pod(SETTINGS, spec(KubernetesManifestsTest.C5));
    assertThat(pod.getMetadata().getName()).isEqualTo("notebook-nb-01xyz");
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("incline-team-01abc");
    assertThat(pod.getMetadata().getLabels()).containsEntry("incline.dev/team", "team_01abc")
        .containsEntry("incline.dev/project", "prj_01p").containsEntry("incline.dev/kind", "notebook")
        .containsEntry("incline.dev/id", "nb_01xyz").containsEntry("app.kubernetes.io/managed-by", "incline")
        .containsEntry("incline.dev/notebook", "nb_01xyz");
    PodSpec spec = pod.getSpec();
    assertThat(spec.getRestartPolicy()).isEqualTo("Always");
    assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(12 * 3600L);
    assertThat(main(spec).getImage()).isEqualTo("quay.io/jupyter/scipy-notebook:2024-10-07");
    assertThat(main(spec).getWorkingDir()).isEqualTo("/workspace");
    assertThat(main(spec).getReadinessProbe()).isNull();
    assertThat(main(spec).getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getContainerPort()).isEqualTo(8888);
      assertThat(p.getName()).isEqualTo("port-8888");
    });
    WorkloadSpec noDeadline = new WorkloadSpec(REF, "prj_01p", "jupyter", List.of("jupyter", "lab"), Map.of(), Map.of(),
        KubernetesManifestsTest.C5, List.of(8888), Map.of(), null);
    assertThat(NotebookManifest.pod(SETTINGS, noDeadline).getSpec().getActiveDeadlineSeconds()).isNull();
  }

  @Test
  void theTeamVolumeIsAtStorageAndDatasetsAreFetchedOntoItReadOnly() {
    PodSpec pod = NotebookManifest.pod(SETTINGS, spec(KubernetesManifestsTest.C5)).getSpec();
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("storage")).singleElement()
        .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("incline-storage"));
    assertThat(main(pod).getVolumeMounts()).filteredOn(m -> m.getMountPath().equals("/storage")).singleElement()
        .satisfies(m -> {
          assertThat(m.getName()).isEqualTo("storage");
          assertThat(m.getReadOnly()).isNull();
        });
    assertThat(main(pod).getVolumeMounts()).filteredOn(m -> m.getMountPath().startsWith("/datasets/"))
        .extracting(m -> m.getName() + ":" + m.getMountPath() + ":" + m.getSubPath() + ":" + m.getReadOnly())
        .containsExactly("storage:/datasets/mnist:.incline/datasets/dsv_01a:true");
    // the workspace and the datasets as for a job; no artifacts sidecar, whose uploads are a job's
    assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("workspace", "datasets");
    assertThat(pod.getInitContainers().get(1).getArgs()).containsSequence("--job", "nb_01xyz");
  }

  @Test
  void theMachineTypeGivesResourcesGpusAndTheirNodes() {
    PodSpec pod = NotebookManifest.pod(SETTINGS, spec(KubernetesManifestsTest.A100)).getSpec();
    assertThat(main(pod).getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"))
        .containsEntry("cpu", new Quantity("12")).containsEntry("memory", new Quantity("90Gi"));
    assertThat(main(pod).getResources().getRequests()).isEqualTo(main(pod).getResources().getLimits());
    assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB");
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
  }

  @Test
  void secretsReachThePodOnlyAsReferencesToTheNotebooksSecret() {
    Pod pod = NotebookManifest.pod(SETTINGS, spec(KubernetesManifestsTest.C5));
    assertThat(Snapshots.yaml(pod)).doesNotContain("s3cr3t").doesNotContain("jwt-token");
    List<EnvVar> env = main(pod.getSpec()).getEnv();
    assertThat(env).filteredOn(e -> e.getName().equals("JUPYTER_TOKEN")).singleElement().satisfies(e -> {
      assertThat(e.getValue()).isNull();
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("notebook-nb-01xyz");
    });
    assertThat(env).extracting(EnvVar::getName).doesNotContain(KubernetesResources.AGENT_TOKEN_ENV)
        .contains("INCLINE_NOTEBOOK_ID", "INCLINE_STORAGE_DIR", "INCLINE_PROJECT_ID", "PYTHONUNBUFFERED");
    assertThat(SecretManifest.secret(SETTINGS, spec(KubernetesManifestsTest.C5)).getMetadata().getName())
        .isEqualTo("notebook-nb-01xyz");
  }

  @Test
  void theServiceSelectsTheNotebooksPodByItsIdentity() {
    Pod pod = NotebookManifest.pod(SETTINGS, spec(KubernetesManifestsTest.C5));
    Service service = ServiceManifest.service(SETTINGS, spec(KubernetesManifestsTest.C5));
    Snapshots.assertMatches("notebook-service", service);
    assertThat(service.getMetadata().getName()).isEqualTo(pod.getMetadata().getName());
    assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(pod.getMetadata().getLabels()).containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(service.getSpec().getSelector()).containsEntry("incline.dev/kind", "notebook");
  }

  @Test
  void onlyNotebooksWithoutOutputsAndDatasetsOnlyWithTheAgent() {
    WorkloadSpec job = KubernetesManifestsTest.spec(KubernetesManifestsTest.C5);
    assertThatThrownBy(() -> NotebookManifest.pod(SETTINGS, job)).hasMessageContaining("not a notebook");
    WorkloadSpec outputs = spec(KubernetesManifestsTest.C5)
        .withOutputs(List.of(new WorkloadSpec.DatasetOutput("features", "out")));
    assertThatThrownBy(() -> NotebookManifest.pod(SETTINGS, outputs)).hasMessageContaining("no dataset outputs");
    assertThatThrownBy(() -> NotebookManifest.pod(KubernetesRuntimeSettings.defaults(), spec(KubernetesManifestsTest.C5)))
        .hasMessageContaining("agent-url");
    WorkloadSpec plain = spec(KubernetesManifestsTest.C5).withDatasets(List.of());
    assertThat(NotebookManifest.pod(KubernetesRuntimeSettings.defaults(), plain).getSpec().getInitContainers())
        .extracting(Container::getName).containsExactly("workspace");
  }

  @Test
  void kueueDoesNotQueueNotebooks() {
    KubernetesRuntimeSettings kueue = SETTINGS.withKueue(new KubernetesRuntimeSettings.Kueue(true, "incline", "gpus"));
    Pod pod = NotebookManifest.pod(kueue, spec(KubernetesManifestsTest.A100));
    assertThat(pod.getMetadata().getLabels()).doesNotContainKey(KubernetesResources.LABEL_KUEUE_QUEUE);
    assertThat(pod.getSpec().getSchedulingGates()).isNullOrEmpty();
  }

  private static Container main(PodSpec pod) {
    return pod.getContainers().stream().filter(c -> c.getName().equals("main")).findFirst().orElseThrow();
  }
}
