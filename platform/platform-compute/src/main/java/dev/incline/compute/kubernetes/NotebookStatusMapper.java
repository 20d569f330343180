package dev.incline.compute.kubernetes;

import dev.incline.compute.ExitCodes;
import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a notebook's Pod says, as Incline's phase and a human reason: a pure function of the pod, in
 * this order.
 * <ul>
 *   <li>No pod: {@link Phase#NOT_FOUND}, never started or gone (after a stop, once the kubelet has
 *       ended it).
 *   <li>Being deleted: {@link Phase#SUCCEEDED} "stopped on request" when {@link KubernetesRuntime#stop}
 *       deleted it (it marks the pod first), {@link Phase#FAILED} otherwise (evicted, drained, deleted
 *       by hand): the notebook is going away either way, and only the stop is the user's wish.
 *   <li>The pod failed as a whole: FAILED, "exceeded maxRuntimeSeconds" for its activeDeadlineSeconds.
 *   <li>The agent's workspace or datasets init container failed: FAILED.
 *   <li>The main container runs (and is ready, if it has a readiness probe): RUNNING, with endpoints.
 *   <li>It ended, or waits in CrashLoopBackOff after ending: FAILED with the exit code, the OOM kill,
 *       and the back-off; SUCCEEDED when it exited 0 (Jupyter's "Shut down").
 *   <li>Otherwise PENDING, with the scheduler's or the image pull's word ({@link JobStatusMapper#waitingReason}).
 * </ul>
 * With {@code restartPolicy: Always} the kubelet restarts a container that ended, so FAILED and
 * SUCCEEDED of a pod that is not being deleted are not final: a later call may say RUNNING again.
 * A service that wants a crashed notebook gone stops it.
 */
public final class NotebookStatusMapper {

  static final String BACK_OFF = "CrashLoopBackOff";
  static final String NOT_READY = "waiting for the notebook to be ready";

  private NotebookStatusMapper() {}

  public static WorkloadStatus status(Pod pod) {
    if (pod == null) {
      return WorkloadStatus.notFound();
    }
    ContainerStatus main = JobStatusMapper.containerStatus(pod, KubernetesResources.MAIN_CONTAINER, false);
    ContainerState state = main == null ? null : main.getState();
    ContainerStateTerminated ended = ended(main);
    Instant started = state != null && state.getRunning() != null ? JobStatusMapper.time(state.getRunning().getStartedAt())
        : ended != null ? JobStatusMapper.time(ended.getStartedAt()) : null;
    Instant finished = ended == null ? null : JobStatusMapper.time(ended.getFinishedAt());
    Integer exit = ended == null ? null : ended.getExitCode();

    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return stopRequested(pod)
          ? new WorkloadStatus(Phase.SUCCEEDED, exit, JobStatusMapper.STOPPED, started, finished, Map.of())
          : new WorkloadStatus(Phase.FAILED, exit, deleted(pod), started, finished, Map.of());
    }
    if (pod.getStatus() != null && "Failed".equals(pod.getStatus().getPhase())) {
      String reason = "DeadlineExceeded".equals(pod.getStatus().getReason()) ? JobStatusMapper.DEADLINE
          : JobStatusMapper.podFailure(pod).orElse("the pod failed");
      return new WorkloadStatus(Phase.FAILED, exit, reason, started, finished, Map.of());
    }
    Optional<String> init = initFailure(pod);
    if (init.isPresent()) {
      return new WorkloadStatus(Phase.FAILED, null, init.get(), null, null, Map.of());
    }
    if (state != null && state.getRunning() != null) {
      if (hasReadinessProbe(pod) && !Boolean.TRUE.equals(main.getReady())) {
        return new WorkloadStatus(Phase.PENDING, null, NOT_READY, started, null, Map.of());
      }
      return new WorkloadStatus(Phase.RUNNING, null, null, started, null, endpoints(pod));
    }
    if (ended != null) {
      String backOff = state.getTerminated() != null ? "" : "; " + BACK_OFF + ", restarted " + restarts(main);
      if ("OOMKilled".equals(ended.getReason()) && (exit == null || exit != 0)) {
        return new WorkloadStatus(Phase.FAILED, exit, JobStatusMapper.OOM + backOff, started, finished, Map.of());
      }
      if (exit != null && exit == 0) {
        return new WorkloadStatus(Phase.SUCCEEDED, 0, null, started, finished, Map.of());
      }
      String why = exit == null ? Objects.requireNonNullElse(ended.getReason(), "the notebook ended") : ExitCodes.describe(exit);
      return new WorkloadStatus(Phase.FAILED, exit, why + backOff, started, finished, Map.of());
    }
    return new WorkloadStatus(Phase.PENDING, null, JobStatusMapper.waitingReason(pod), null, null, Map.of());
  }

  /** How the container last ended: now, or before the back-off it waits in to be restarted. */
  private static ContainerStateTerminated ended(ContainerStatus status) {
    if (status == null || status.getState() == null) {
      return null;
    }
    if (status.getState().getTerminated() != null) {
      return status.getState().getTerminated();
    }
    boolean backingOff = status.getState().getWaiting() != null
        && BACK_OFF.equals(status.getState().getWaiting().getReason());
    return backingOff && status.getLastState() != null ? status.getLastState().getTerminated() : null;
  }

  private static String restarts(ContainerStatus status) {
    int n = status.getRestartCount() == null ? 0 : status.getRestartCount();
    return n == 1 ? "once" : n + " times";
  }

  /**
   * The agent's init containers, which the kubelet retries with the pod's restart policy: a failure
   * shows as their ending, or their back-off after it. A retry that runs is still "fetching".
   */
  static Optional<String> initFailure(Pod pod) {
    for (String[] init : new String[][] {
        {KubernetesResources.WORKSPACE_CONTAINER, "fetching the workspace"},
        {KubernetesResources.DATASETS_CONTAINER, "fetching the datasets"}}) {
      ContainerStateTerminated t = ended(JobStatusMapper.containerStatus(pod, init[0], true));
      if (t != null && t.getExitCode() != null && t.getExitCode() != 0) {
        return Optional.of(init[1] + " failed (" + ExitCodes.describe(t.getExitCode()) + ")");
      }
    }
    return Optional.empty();
  }

  private static boolean stopRequested(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    return annotations != null && annotations.containsKey(KubernetesResources.ANNOTATION_STOP_REQUESTED);
  }

  /** Why a pod that Incline did not stop is going: the DisruptionTarget condition the cluster sets, when it did. */
  private static String deleted(Pod pod) {
    List<PodCondition> conditions = pod.getStatus() == null || pod.getStatus().getConditions() == null ? List.of()
        : pod.getStatus().getConditions();
    return conditions.stream()
        .filter(c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()))
        .map(c -> c.getMessage() != null ? c.getMessage() : c.getReason())
        .filter(Objects::nonNull)
        .findFirst()
        .or(() -> JobStatusMapper.podFailure(pod))
        .map(why -> "the notebook's pod was deleted: " + why)
        .orElse("the notebook's pod was deleted, not by a stop");
  }

  private static boolean hasReadinessProbe(Pod pod) {
    return mainContainer(pod).map(c -> c.getReadinessProbe() != null).orElse(false);
  }

  /** {@code http://<service>.<namespace>.svc:<port>} for each port of the main container: the Service has the pod's name. */
  static Map<Integer, URI> endpoints(Pod pod) {
    List<Integer> ports = mainContainer(pod)
        .map(Container::getPorts)
        .map(p -> p.stream().map(ContainerPort::getContainerPort).toList())
        .orElse(List.of());
    return ServiceManifest.endpoints(pod.getMetadata().getName(), pod.getMetadata().getNamespace(), ports);
  }

  private static Optional<Container> mainContainer(Pod pod) {
    return pod.getSpec() == null || pod.getSpec().getContainers() == null ? Optional.empty()
        : pod.getSpec().getContainers().stream()
            .filter(c -> KubernetesResources.MAIN_CONTAINER.equals(c.getName()))
            .findFirst();
  }
}
