package dev.incline.compute.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import dev.incline.compute.WorkloadEnvironment;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.host.HostRunDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a {@link WorkloadSpec} becomes a container: a pure function, so the mapping is tested without
 * an engine and {@link DockerRuntime} only talks to it.
 */
public final class DockerSpecs {

  public static final String LABEL_TEAM = "incline.dev/team";
  public static final String LABEL_KIND = "incline.dev/kind";
  public static final String LABEL_ID = "incline.dev/id";
  public static final String LABEL_PROJECT = "incline.dev/project";

  /** Published ports listen on loopback only: endpoints are reached through the platform, not the network. */
  public static final String PUBLISH_IP = "127.0.0.1";

  private DockerSpecs() {}

  /** Everything {@code createContainerCmd} is given. */
  public record ContainerSpec(String name, String image, List<String> entrypoint, List<String> env,
      Map<String, String> labels, String workingDir, List<ExposedPort> exposedPorts, HostConfig hostConfig) {

    CreateContainerCmd applyTo(CreateContainerCmd cmd) {
      // No user: the container runs as the image's user. No Tty: stdout and stderr stay apart.
      return cmd.withName(name)
          .withEntrypoint(entrypoint)
          .withEnv(env)
          .withLabels(labels)
          .withWorkingDir(workingDir)
          .withExposedPorts(exposedPorts)
          .withTty(false)
          .withHostConfig(hostConfig);
    }
  }

  /**
   * One container per workload, named so that apply finds it again. Public ids are unique, so the
   * name needs no team; the team label is still checked on every lookup.
   */
  public static String containerName(WorkloadRef ref) {
    return "incline-" + ref.kind().label() + "-" + ref.id();
  }

  public static ContainerSpec container(WorkloadSpec spec, HostRunDirectory dir, Path storage) {
    WorkloadRef ref = spec.ref();
    Map<String, String> env = WorkloadEnvironment.of(spec, WorkloadEnvironment.Paths.CONTAINER);
    List<String> envList = new ArrayList<>(env.size());
    env.forEach((k, v) -> envList.add(k + "=" + v));

    List<ExposedPort> exposed = spec.ports().stream().map(ExposedPort::tcp).toList();
    List<PortBinding> published = exposed.stream()
        .map(p -> new PortBinding(Ports.Binding.bindIp(PUBLISH_IP), p)) // no host port: the engine picks a free one
        .toList();

    WorkloadEnvironment.Paths paths = WorkloadEnvironment.Paths.CONTAINER;
    List<Bind> binds = new ArrayList<>(List.of(
        new Bind(dir.workspace().toString(), new Volume(paths.workspace())),
        new Bind(dir.artifacts().toString(), new Volume(paths.artifacts())),
        new Bind(storage.toString(), new Volume(paths.storage())),
        new Bind(dir.datasets().toString(), new Volume(paths.datasets()), AccessMode.ro)));
    for (WorkloadSpec.DatasetMount d : spec.datasets()) {
        java.util.Objects.requireNonNull(d.hostPath(), "local runtimes mount dataset versions from this machine");
      binds.add(new Bind(d.hostPath().toAbsolutePath().toString(), new Volume(paths.datasets() + "/" + d.mountAs()), AccessMode.ro));
    }
    HostConfig host = HostConfig.newHostConfig()
        .withBinds(binds)
        .withPortBindings(published)
        // docker-init as PID 1 passes SIGTERM on to the command (a shell as PID 1 ignores it, so
        // every stop would wait out the grace period) and reaps the zombies of data-loader workers.
        .withInit(true)
        // PyTorch data loaders pass batches through /dev/shm; Docker's 64 MB default breaks them.
        .withShmSize(shmSize(spec.resources()));
    // No AutoRemove: the exit code and OOMKilled flag must outlive the process for observe().

    WorkloadSpec.Resources res = spec.resources();
    if (res.cpu() > 0) {
      host.withNanoCPUs(Math.round(res.cpu() * 1_000_000_000L));
    }
    if (res.memoryBytes() > 0) {
      // Swap equal to memory: no swap, so the limit is the machine type's and a breach is an OOM kill.
      host.withMemory(res.memoryBytes()).withMemorySwap(res.memoryBytes());
    }
    if (res.gpuCount() > 0) {
      host.withDeviceRequests(List.of(new DeviceRequest()
          .withDriver("nvidia")
          .withCount(res.gpuCount())
          .withCapabilities(List.of(List.of("gpu")))));
    }

    return new ContainerSpec(containerName(ref), spec.image(), spec.command(), envList, labels(spec),
        paths.workspace(), exposed, host);
  }

  /** Half the machine's memory, at most 16 GiB; 1 GiB when the machine type sets no memory. */
  static long shmSize(WorkloadSpec.Resources res) {
    return res.memoryBytes() > 0 ? Math.min(res.memoryBytes() / 2, 16L << 30) : 1L << 30;
  }

  static Map<String, String> labels(WorkloadSpec spec) {
    Map<String, String> labels = new LinkedHashMap<>(spec.labels());
    // Ours last: a spec label cannot claim another team's or workload's identity.
    labels.put(LABEL_TEAM, spec.ref().team());
    labels.put(LABEL_KIND, spec.ref().kind().label());
    labels.put(LABEL_ID, spec.ref().id());
    if (spec.projectId() != null) {
      labels.put(LABEL_PROJECT, spec.projectId());
    }
    return labels;
  }
}
