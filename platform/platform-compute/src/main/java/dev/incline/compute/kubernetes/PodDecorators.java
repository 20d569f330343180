package dev.incline.compute.kubernetes;

import dev.incline.compute.WorkloadEnvironment;
import dev.incline.compute.WorkloadSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;

/** The decorators that make a workload's pod, in the order {@link JobManifest} and {@link NotebookManifest} apply them. */
final class PodDecorators {

  static final String WORKSPACE_VOLUME = "workspace";
  static final String ARTIFACTS_VOLUME = "artifacts";
  static final String STORAGE_VOLUME = "storage";
  static final String DATASETS_VOLUME = "datasets";
  static final String SHM_VOLUME = "dshm";
  static final String TOKEN_VOLUME = "agent-token";

  private PodDecorators() {}

  static List<PodDecorator> ordered() {
    return List.of(
        PodDecorators::volumes,
        PodDecorators::resources,
        PodDecorators::gpu,
        PodDecorators::environment,
        PodDecorators::workspaceInit,
        PodDecorators::datasetsInit,
        PodDecorators::artifactsSidecar,
        PodDecorators::ports);
  }

  /**
   * A notebook's: a job's without the artifacts sidecar. Artifacts and outputs are a job's, uploaded
   * to job-service under the job's id; a notebook keeps what it makes on /storage.
   */
  static List<PodDecorator> notebook() {
    return List.of(
        PodDecorators::volumes,
        PodDecorators::resources,
        PodDecorators::gpu,
        PodDecorators::environment,
        PodDecorators::workspaceInit,
        PodDecorators::datasetsInit,
        PodDecorators::ports);
  }

  private static WorkloadEnvironment.Paths paths() {
    return WorkloadEnvironment.Paths.CONTAINER;
  }

  /** /workspace and /artifacts live with the pod, /storage is the team's PVC, /dev/shm is memory. */
  static void volumes(PodDecorator.Pod p) {
    p.pod()
        .addToVolumes(new VolumeBuilder().withName(WORKSPACE_VOLUME).withNewEmptyDir().endEmptyDir().build())
        .addToVolumes(new VolumeBuilder().withName(ARTIFACTS_VOLUME).withNewEmptyDir().endEmptyDir().build())
        .addToVolumes(new VolumeBuilder().withName(STORAGE_VOLUME)
            .withNewPersistentVolumeClaim().withClaimName(KubernetesResources.STORAGE_PVC).endPersistentVolumeClaim()
            .build())
        // /datasets itself is empty and read-only; each input is a read-only mount of its version's
        // directory on the team volume, under it (datasetsInit)
        .addToVolumes(new VolumeBuilder().withName(DATASETS_VOLUME).withNewEmptyDir().endEmptyDir().build())
        // PyTorch data loaders pass batches through /dev/shm; the container runtime's 64 MB breaks them.
        .addToVolumes(new VolumeBuilder().withName(SHM_VOLUME)
            .withNewEmptyDir().withMedium("Memory").withSizeLimit(new Quantity(shmSize(p.spec().resources()))).endEmptyDir()
            .build());
    p.main()
        .addToVolumeMounts(mount(WORKSPACE_VOLUME, paths().workspace(), false))
        .addToVolumeMounts(mount(ARTIFACTS_VOLUME, paths().artifacts(), false))
        .addToVolumeMounts(mount(STORAGE_VOLUME, paths().storage(), false))
        .addToVolumeMounts(mount(DATASETS_VOLUME, paths().datasets(), true))
        .addToVolumeMounts(mount(SHM_VOLUME, "/dev/shm", false));
  }

  /** Half the machine's memory, at most 16 GiB; 1 GiB when the machine type sets none (as the docker runtime). */
  static String shmSize(WorkloadSpec.Resources res) {
    long bytes = res.memoryBytes() > 0 ? Math.min(res.memoryBytes() / 2, 16L << 30) : 1L << 30;
    return PodResources.memory(bytes);
  }

  /** CPU and memory, requested and limited alike (see {@link PodResources#requests}). */
  static void resources(PodDecorator.Pod p) {
    PodResources.requests(p.spec().resources(), p.main());
  }

  /** GPUs, their nodes and their taint (see {@link PodResources#gpu}). */
  static void gpu(PodDecorator.Pod p) {
    PodResources.gpu(p.settings(), p.spec().resources(), p.pod(), p.main());
  }

  /** Every variable of {@link WorkloadEnvironment}; secret ones only as references to the workload's Secret. */
  static void environment(PodDecorator.Pod p) {
    WorkloadSpec spec = p.spec();
    String secret = KubernetesResources.name(spec.ref());
    List<EnvVar> env = new ArrayList<>();
    // Sorted: the same spec always makes the same pod, whatever order its maps iterate in.
    new java.util.TreeMap<>(WorkloadEnvironment.of(spec, paths())).forEach((name, value) -> {
      if (name.equals(KubernetesResources.AGENT_TOKEN_ENV)) {
        return; // the agent's token is for the sidecar alone
      }
      if (spec.secretEnv().containsKey(name)) {
        env.add(new EnvVarBuilder().withName(name)
            .withNewValueFrom().withNewSecretKeyRef().withName(secret).withKey(name).endSecretKeyRef().endValueFrom()
            .build());
      } else {
        env.add(new EnvVarBuilder().withName(name).withValue(value).build());
      }
    });
    p.main().withEnv(env);
  }

  /** The agent fetches the code into /workspace before the main container starts. */
  static void workspaceInit(PodDecorator.Pod p) {
    WorkloadSpec.Workspace workspace = p.spec().workspace();
    if (workspace == null) {
      return;
    }
    List<String> args = new ArrayList<>(List.of("fetch"));
    switch (workspace) {
      case WorkloadSpec.Workspace.Archive archive -> args.addAll(List.of("--url", archive.url().toString()));
      case WorkloadSpec.Workspace.Git git -> {
        args.addAll(List.of("--git-url", git.url()));
        if (git.ref() != null && !git.ref().isBlank()) {
          args.addAll(List.of("--git-ref", git.ref()));
        }
      }
    }
    args.addAll(List.of("--dest", paths().workspace()));
    p.pod().addToInitContainers(new ContainerBuilder()
        .withName(KubernetesResources.WORKSPACE_CONTAINER)
        .withImage(p.settings().agentImage())
        .withArgs(args)
        .withResources(PodResources.agent())
        .withVolumeMounts(mount(WORKSPACE_VOLUME, paths().workspace(), false))
        .build());
  }

  /**
   * Dataset inputs: the agent fetches each version into the team's volume
   * ({@code /storage/.incline/datasets/<versionId>}, once per team: a later pod finds it there), and
   * the main container sees each read-only at {@code /datasets/<mountAs>}. The agent asks job-service
   * for the files' presigned URLs with the job token when the pod starts, so a pod that waited long
   * for a node or a Kueue admission never holds expired links.
   */
  static void datasetsInit(PodDecorator.Pod p) {
    WorkloadSpec spec = p.spec();
    if (spec.datasets().isEmpty()) {
      return;
    }
    if (p.settings().agentUrl() == null || !spec.secretEnv().containsKey(KubernetesResources.AGENT_TOKEN_ENV)) {
      throw new IllegalStateException("dataset inputs on kubernetes need the agent (incline.jobs.agent-url)");
    }
    tokenVolume(p);
    String cache = paths().storage() + "/" + KubernetesResources.DATASET_CACHE;
    p.pod().addToInitContainers(new ContainerBuilder()
        .withName(KubernetesResources.DATASETS_CONTAINER)
        .withImage(p.settings().agentImage())
        .withArgs("fetch-datasets",
            "--api", p.settings().agentUrl().toString(),
            "--job", jobId(spec),
            "--token-file", KubernetesResources.TOKEN_DIR + "/" + KubernetesResources.TOKEN_KEY,
            "--cache", cache)
        .withResources(PodResources.agent())
        .withVolumeMounts(
            mount(STORAGE_VOLUME, paths().storage(), false),
            mount(TOKEN_VOLUME, KubernetesResources.TOKEN_DIR, true))
        .build());
    for (WorkloadSpec.DatasetMount d : spec.datasets()) {
      p.main().addToVolumeMounts(new VolumeMountBuilder().withName(STORAGE_VOLUME)
          .withMountPath(paths().datasets() + "/" + d.mountAs())
          .withSubPath(KubernetesResources.DATASET_CACHE + "/" + d.versionId())
          .withReadOnly(true)
          .build());
    }
  }

  private static String jobId(WorkloadSpec spec) {
    return spec.env().getOrDefault("INCLINE_" + spec.ref().kind().name() + "_ID", spec.ref().id());
  }

  /** The job token, for the agent's containers only; added once however many of them need it. */
  private static void tokenVolume(PodDecorator.Pod p) {
    if (p.pod().hasMatchingVolume(v -> TOKEN_VOLUME.equals(v.getName()))) {
      return;
    }
    p.pod().addToVolumes(new VolumeBuilder().withName(TOKEN_VOLUME)
        .withNewSecret()
          .withSecretName(KubernetesResources.name(p.spec().ref()))
          .addNewItem().withKey(KubernetesResources.TOKEN_KEY).withPath(KubernetesResources.TOKEN_KEY).endItem()
          // 0444, not 0400: the agent image runs as a non-root user (10001) and the Secret's files
          // belong to root; only the agent's containers mount the volume, so nothing else in the pod reads it.
          .withDefaultMode(0444)
        .endSecret()
        .build());
  }

  /**
   * A native sidecar (an init container that restarts Always): it runs beside the main container,
   * uploads /artifacts as files appear, and is stopped by the kubelet once the main container ends,
   * so it never holds the Job open. Needs the agent URL and the job token; without them no sidecar.
   */
  static void artifactsSidecar(PodDecorator.Pod p) {
    WorkloadSpec spec = p.spec();
    if (p.settings().agentUrl() == null || !spec.secretEnv().containsKey(KubernetesResources.AGENT_TOKEN_ENV)) {
      if (!spec.outputs().isEmpty()) {
        throw new IllegalStateException("dataset outputs on kubernetes need the agent (incline.jobs.agent-url)");
      }
      return;
    }
    String jobId = jobId(spec);
    tokenVolume(p);
    List<String> args = new ArrayList<>(List.of("upload",
        "--dir", paths().artifacts(),
        "--api", p.settings().agentUrl().toString(),
        "--job", jobId,
        "--token-file", KubernetesResources.TOKEN_DIR + "/" + KubernetesResources.TOKEN_KEY));
    // outputs: in its final pass, after the main container ended, the sidecar sends these directories
    for (WorkloadSpec.DatasetOutput o : spec.outputs()) {
      args.addAll(List.of("--output", o.dataset() + "=" + paths().workspace() + "/" + o.from()));
    }
    ContainerBuilder sidecar = new ContainerBuilder()
        .withName(KubernetesResources.ARTIFACTS_CONTAINER)
        .withImage(p.settings().agentImage())
        .withRestartPolicy("Always")
        .withArgs(args)
        .withResources(PodResources.agent())
        .withVolumeMounts(
            mount(ARTIFACTS_VOLUME, paths().artifacts(), false),
            mount(TOKEN_VOLUME, KubernetesResources.TOKEN_DIR, true));
    if (!spec.outputs().isEmpty()) {
      sidecar.addToVolumeMounts(mount(WORKSPACE_VOLUME, paths().workspace(), true));
    }
    p.pod().addToInitContainers(sidecar.build());
  }

  static void ports(PodDecorator.Pod p) {
    for (int port : p.spec().ports()) {
      p.main().addToPorts(new ContainerPortBuilder().withName("port-" + port).withContainerPort(port)
          .withProtocol("TCP").build());
    }
  }

  private static io.fabric8.kubernetes.api.model.VolumeMount mount(String volume, String path, boolean readOnly) {
    return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(readOnly ? true : null).build();
  }
}
