package dev.incline.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The manifests as pure functions of a spec, snapshotted per machine type. */
class KubernetesManifestsTest {

  static final KubernetesRuntimeSettings SETTINGS = KubernetesRuntimeSettings.defaults()
      .withAgentUrl(URI.create("http://incline-job-service.incline.svc:8081"));
  static final WorkloadRef REF = new WorkloadRef("team_01abc", WorkloadRef.Kind.JOB, "job_01xyz");

  static final WorkloadSpec.Resources C5 = new WorkloadSpec.Resources("C5", 4, 8L << 30, 0, null, Map.of());
  static final WorkloadSpec.Resources A100 = new WorkloadSpec.Resources("A100", 12, 90L << 30, 1, "A100-SXM4-40GB",
      Map.of("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"));

  static WorkloadSpec spec(WorkloadSpec.Resources resources) {
    return new WorkloadSpec(REF, "prj_01p", "python:3.11", List.of("/bin/sh", "-c", "python train.py"),
        Map.of("INCLINE_JOB_ID", "job_01xyz", "EPOCHS", "3"),
        Map.of("WANDB_API_KEY", "s3cr3t", KubernetesResources.AGENT_TOKEN_ENV, "jwt-token"),
        resources, List.of(8888), Map.of("incline.dev/job", "job_01xyz"),
        new WorkloadSpec.Workspace.Archive(URI.create("https://s3.example/ws.zip?sig=1"), "ws.zip"),
        Duration.ofHours(2));
  }

  @Test
  void cpuJobMatchesItsSnapshot() {
    Snapshots.assertMatches("job-cpu", JobManifest.job(SETTINGS, spec(C5)));
  }

  @Test
  void gpuJobMatchesItsSnapshot() {
    Snapshots.assertMatches("job-gpu", JobManifest.job(SETTINGS, spec(A100)));
  }

  @Test
  void teamObjectsMatchTheirSnapshots() {
    Snapshots.assertMatches("namespace", NamespaceManifest.namespace(SETTINGS, REF.team()));
    Snapshots.assertMatches("resourcequota", ResourceQuotaManifest.quota(SETTINGS, REF.team()));
    Snapshots.assertMatches("networkpolicy", NetworkPolicyManifest.isolation(SETTINGS, REF.team()));
    Snapshots.assertMatches("rolebinding", RoleBindingManifest.controller(SETTINGS, REF.team()));
    Snapshots.assertMatches("pvc", StorageManifest.teamStorage(SETTINGS, REF.team()));
    Snapshots.assertMatches("service", ServiceManifest.service(SETTINGS, spec(C5)));
  }

  @Test
  void gpuMachineTypesRequestGpusOnTheirProductAndTolerateTheTaint() {
    PodSpec pod = JobManifest.job(SETTINGS, spec(A100)).getSpec().getTemplate().getSpec();
    Container main = main(pod);
    assertThat(main.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"))
        .containsEntry("cpu", new Quantity("12")).containsEntry("memory", new Quantity("90Gi"));
    assertThat(main.getResources().getRequests()).containsEntry("nvidia.com/gpu", new Quantity("1"));
    assertThat(pod.getNodeSelector()).containsExactlyEntriesOf(Map.of("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"));
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
      assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
      assertThat(t.getOperator()).isEqualTo("Exists");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
    });
  }

  @Test
  void cpuMachineTypesAskForNoGpuAndTolerateNothing() {
    PodSpec pod = JobManifest.job(SETTINGS, spec(C5)).getSpec().getTemplate().getSpec();
    assertThat(main(pod).getResources().getLimits()).doesNotContainKey("nvidia.com/gpu")
        .containsEntry("cpu", new Quantity("4")).containsEntry("memory", new Quantity("8Gi"));
    assertThat(main(pod).getResources().getRequests()).isEqualTo(main(pod).getResources().getLimits());
    assertThat(pod.getTolerations()).isEmpty();
    assertThat(pod.getNodeSelector()).isEmpty();
  }

  @Test
  void jobIsOneAttemptWithTheDeadlineTtlAndLabels() {
    Job job = JobManifest.job(SETTINGS, spec(C5));
    assertThat(job.getMetadata().getName()).isEqualTo("job-01xyz");
    assertThat(job.getMetadata().getNamespace()).isEqualTo("incline-team-01abc");
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(7200L);
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(3600);
    assertThat(job.getSpec().getSuspend()).isNull();
    assertThat(job.getMetadata().getLabels()).containsEntry("incline.dev/team", "team_01abc")
        .containsEntry("incline.dev/project", "prj_01p").containsEntry("incline.dev/kind", "job")
        .containsEntry("incline.dev/id", "job_01xyz").containsEntry("app.kubernetes.io/managed-by", "incline")
        .doesNotContainKey(KubernetesResources.LABEL_KUEUE_QUEUE);
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(main(pod).getCommand()).containsExactly("/bin/sh", "-c", "python train.py");
    assertThat(main(pod).getWorkingDir()).isEqualTo("/workspace");
  }

  @Test
  void secretsReachThePodOnlyAsReferences() {
    String yaml = Snapshots.yaml(JobManifest.job(SETTINGS, spec(C5)));
    assertThat(yaml).doesNotContain("s3cr3t").doesNotContain("jwt-token");
    List<EnvVar> env = main(JobManifest.job(SETTINGS, spec(C5)).getSpec().getTemplate().getSpec()).getEnv();
    assertThat(env).filteredOn(e -> e.getName().equals("WANDB_API_KEY")).singleElement().satisfies(e -> {
      assertThat(e.getValue()).isNull();
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("job-01xyz");
      assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("WANDB_API_KEY");
    });
    assertThat(env).extracting(EnvVar::getName).doesNotContain(KubernetesResources.AGENT_TOKEN_ENV)
        .contains("INCLINE_JOB_ID", "INCLINE_WORKSPACE_DIR", "PYTHONUNBUFFERED");
    assertThat(SecretManifest.secret(SETTINGS, spec(C5)).getStringData())
        .containsEntry("WANDB_API_KEY", "s3cr3t").containsEntry("token", "jwt-token");
  }

  @Test
  void agentFetchesTheWorkspaceAndUploadsArtifactsAsANativeSidecar() {
    PodSpec pod = JobManifest.job(SETTINGS, spec(C5)).getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("workspace", "artifacts");
    Container fetch = pod.getInitContainers().get(0);
    assertThat(fetch.getArgs()).containsExactly("fetch", "--url", "https://s3.example/ws.zip?sig=1", "--dest", "/workspace");
    assertThat(fetch.getRestartPolicy()).isNull();
    Container upload = pod.getInitContainers().get(1);
    assertThat(upload.getRestartPolicy()).isEqualTo("Always");
    assertThat(upload.getArgs()).containsExactly("upload", "--dir", "/artifacts", "--api",
        "http://incline-job-service.incline.svc:8081", "--job", "job_01xyz", "--token-file", "/var/run/incline/token");
    assertThat(main(pod).getVolumeMounts()).extracting(m -> m.getMountPath())
        .contains("/workspace", "/artifacts", "/storage", "/datasets");
  }

  @Test
  void datasetInputsAreFetchedOntoTheTeamVolumeAndMountedReadOnly() {
    WorkloadSpec spec = spec(C5).withDatasets(List.of(new WorkloadSpec.DatasetMount("mnist", "dsv_01a", null),
        new WorkloadSpec.DatasetMount("clean", "dsv_01b", null)));
    PodSpec pod = JobManifest.job(SETTINGS, spec).getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("workspace", "datasets", "artifacts");
    Container fetch = pod.getInitContainers().get(1);
    assertThat(fetch.getArgs()).containsExactly("fetch-datasets", "--api", "http://incline-job-service.incline.svc:8081",
        "--job", "job_01xyz", "--token-file", "/var/run/incline/token", "--cache", "/storage/.incline/datasets");
    assertThat(fetch.getVolumeMounts()).extracting(m -> m.getName() + ":" + m.getMountPath() + ":" + m.getReadOnly())
        .containsExactly("storage:/storage:null", "agent-token:/var/run/incline:true");
    assertThat(main(pod).getVolumeMounts()).filteredOn(m -> m.getMountPath().startsWith("/datasets/"))
        .extracting(m -> m.getName() + ":" + m.getMountPath() + ":" + m.getSubPath() + ":" + m.getReadOnly())
        .containsExactly("storage:/datasets/mnist:.incline/datasets/dsv_01a:true",
            "storage:/datasets/clean:.incline/datasets/dsv_01b:true");
    // one token volume for both agent containers
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("agent-token")).hasSize(1);
    // without the agent there is nobody to fetch them: refused, not a pod without its data
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> JobManifest.job(KubernetesRuntimeSettings.defaults(), spec))
        .hasMessageContaining("agent-url");
  }

  @Test
  void theSidecarSendsOutputDirectoriesFromTheWorkspace() {
    WorkloadSpec spec = spec(C5).withOutputs(List.of(new WorkloadSpec.DatasetOutput("features", "out/features")));
    PodSpec pod = JobManifest.job(SETTINGS, spec).getSpec().getTemplate().getSpec();
    Container sidecar = pod.getInitContainers().stream().filter(c -> c.getName().equals("artifacts")).findFirst().orElseThrow();
    assertThat(sidecar.getArgs()).containsSequence("--output", "features=/workspace/out/features");
    assertThat(sidecar.getVolumeMounts()).extracting(m -> m.getMountPath() + ":" + m.getReadOnly()).contains("/workspace:true");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> JobManifest.job(KubernetesRuntimeSettings.defaults(), spec))
        .hasMessageContaining("agent-url");
  }

  @Test
  void withoutAnAgentUrlOrTokenThereIsNoSidecar() {
    PodSpec pod = JobManifest.job(KubernetesRuntimeSettings.defaults(), spec(C5)).getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("workspace");
  }

  @Test
  void kueueJobsAreSuspendedAndLabelledWithTheTeamQueue() {
    KubernetesRuntimeSettings kueue = SETTINGS.withKueue(new KubernetesRuntimeSettings.Kueue(true, "incline", "gpus"));
    Job job = JobManifest.job(kueue, spec(A100));
    assertThat(job.getSpec().getSuspend()).isTrue();
    assertThat(job.getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", "incline");
    assertThat(LocalQueueManifest.localQueue(kueue, REF.team()).getAdditionalProperties())
        .containsEntry("spec", Map.of("clusterQueue", "gpus"));
  }

  @Test
  void quotaCapsGpusCpuAndMemoryWithPerTeamOverrides() {
    KubernetesRuntimeSettings settings = new KubernetesRuntimeSettings("incline-", "agent:1", null, "incline-workloads",
        "incline-job-service", "incline", 60, null, null, null, null, null,
        new KubernetesRuntimeSettings.Quotas(null, Map.of("team_big", new KubernetesRuntimeSettings.Quota(16, "256", "1Ti"))),
        null);
    assertThat(ResourceQuotaManifest.quota(settings, "team_small").getSpec().getHard())
        .containsEntry("requests.nvidia.com/gpu", new Quantity("4")).containsEntry("limits.cpu", new Quantity("64"))
        .containsEntry("requests.memory", new Quantity("256Gi"));
    assertThat(ResourceQuotaManifest.quota(settings, "team_big").getSpec().getHard())
        .containsEntry("requests.nvidia.com/gpu", new Quantity("16")).containsEntry("requests.cpu", new Quantity("256"));
  }

  @Test
  void quantitiesAreWrittenAsPeopleWriteThem() {
    assertThat(PodResources.cpu(0.5)).isEqualTo("500m");
    assertThat(PodResources.cpu(8)).isEqualTo("8");
    assertThat(PodResources.memory(30L << 30)).isEqualTo("30Gi");
    assertThat(PodResources.memory(1536L << 20)).isEqualTo("1536Mi");
    assertThat(PodResources.memory(1000)).isEqualTo("1000");
  }

  private static Container main(PodSpec pod) {
    return pod.getContainers().stream().filter(c -> c.getName().equals("main")).findFirst().orElseThrow();
  }
}
