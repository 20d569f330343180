package dev.incline.compute.kubernetes;

import dev.incline.compute.ExitCodes;
import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a Job and its pod say, as Incline's phase and a human reason: a pure function, so every
 * mapping is tested on objects alone. The main container's own state wins over the Job's conditions
 * (it has the exit code and the OOM kill; the Job controller reports the end a little later).
 */
public final class JobStatusMapper {

  public static final String OOM = "out of memory (OOMKilled)";
  public static final String DEADLINE = "exceeded maxRuntimeSeconds";
  public static final String STOPPED = "stopped on request";
  public static final String KUEUE = "waiting for Kueue admission";
  private static final Set<String> IMAGE_PULL = Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName");

  private JobStatusMapper() {}

  public static WorkloadStatus status(Job job, List<Pod> pods, boolean kueue) {
    if (job == null) {
      return WorkloadStatus.notFound();
    }
    Pod pod = newest(pods);
    boolean stopRequested = job.getMetadata().getAnnotations() != null
        && job.getMetadata().getAnnotations().containsKey(KubernetesResources.ANNOTATION_STOP_REQUESTED);
    ContainerStatus main = containerStatus(pod, KubernetesResources.MAIN_CONTAINER, false);
    ContainerState state = main == null ? null : main.getState();
    Instant started = state == null ? null
        : state.getRunning() != null ? time(state.getRunning().getStartedAt())
        : state.getTerminated() != null ? time(state.getTerminated().getStartedAt()) : null;

    if (state != null && state.getTerminated() != null) {
      ContainerStateTerminated t = state.getTerminated();
      Integer exit = t.getExitCode();
      Instant finished = time(t.getFinishedAt());
      if (stopRequested) {
        return new WorkloadStatus(Phase.FAILED, exit, STOPPED, started, finished, Map.of());
      }
      if ("OOMKilled".equals(t.getReason()) && (exit == null || exit != 0)) {
        return new WorkloadStatus(Phase.FAILED, exit, OOM, started, finished, Map.of());
      }
      if (exit != null && exit == 0) {
        return new WorkloadStatus(Phase.SUCCEEDED, 0, null, started, finished, Map.of());
      }
      return new WorkloadStatus(Phase.FAILED, exit, exit == null ? t.getReason() : ExitCodes.describe(exit), started,
          finished, Map.of());
    }

    Optional<JobCondition> complete = condition(job, "Complete");
    if (complete.isPresent()) {
      return new WorkloadStatus(Phase.SUCCEEDED, 0, null, started, finishedAt(job, complete.get()), Map.of());
    }
    Optional<JobCondition> failed = condition(job, "Failed");
    if (failed.isPresent()) {
      Instant finished = finishedAt(job, failed.get());
      String reason = stopRequested ? STOPPED
          : "DeadlineExceeded".equals(failed.get().getReason()) ? DEADLINE
          : initFailure(pod).or(() -> podFailure(pod)).orElse(message(failed.get()));
      return new WorkloadStatus(Phase.FAILED, null, reason, started, finished, Map.of());
    }
    boolean suspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
    if (stopRequested && (suspended || pod == null || pod.getMetadata().getDeletionTimestamp() != null
        && (state == null || state.getRunning() == null))) {
      // Its pod is gone or going, and nothing will start another: the Job controller only has to catch up.
      return new WorkloadStatus(Phase.FAILED, null, suspended ? "stopped before it started" : STOPPED, started, null,
          Map.of());
    }
    if (suspended) {
      return pending(kueue ? KUEUE : "the Job is suspended");
    }
    if (pod == null) {
      return pending("waiting for the Job's pod");
    }
    if (state != null && state.getRunning() != null) {
      return new WorkloadStatus(Phase.RUNNING, null, null, started, null, endpoints(job));
    }
    Optional<String> failure = initFailure(pod).or(() -> podFailure(pod));
    if (failure.isPresent()) {
      return new WorkloadStatus(Phase.FAILED, null, failure.get(), null, null, Map.of());
    }
    return pending(waitingReason(pod));
  }

  /** Why a pod that is not running yet waits: the scheduler's word, an image that cannot be pulled, an init step. */
  static String waitingReason(Pod pod) {
    if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
      for (PodCondition c : pod.getStatus().getConditions()) {
        if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
          return c.getMessage() != null ? c.getMessage()
              : "Unschedulable".equals(c.getReason()) ? "no node can run it" : "waiting to be scheduled";
        }
      }
    }
    for (ContainerStatus s : allStatuses(pod)) {
      ContainerStateWaiting w = s.getState() == null ? null : s.getState().getWaiting();
      if (w == null || w.getReason() == null || "PodInitializing".equals(w.getReason())
          || "ContainerCreating".equals(w.getReason())) {
        continue;
      }
      if (IMAGE_PULL.contains(w.getReason())) {
        return "image " + s.getImage() + " cannot be pulled: " + (w.getMessage() == null ? w.getReason() : w.getMessage());
      }
      return w.getMessage() == null ? w.getReason() : w.getReason() + ": " + w.getMessage();
    }
    ContainerStatus workspace = containerStatus(pod, KubernetesResources.WORKSPACE_CONTAINER, true);
    if (workspace != null && workspace.getState() != null && workspace.getState().getRunning() != null) {
      return "fetching the workspace";
    }
    ContainerStatus datasets = containerStatus(pod, KubernetesResources.DATASETS_CONTAINER, true);
    if (datasets != null && datasets.getState() != null && datasets.getState().getRunning() != null) {
      return "fetching the datasets";
    }
    return "starting";
  }

  /** The workspace init container failed: the main container never ran. */
  static Optional<String> initFailure(Pod pod) {
    ContainerStatus workspace = containerStatus(pod, KubernetesResources.WORKSPACE_CONTAINER, true);
    if (workspace == null || workspace.getState() == null || workspace.getState().getTerminated() == null) {
      return Optional.empty();
    }
    Integer exit = workspace.getState().getTerminated().getExitCode();
    return exit == null || exit == 0 ? Optional.empty()
        : Optional.of("fetching the workspace failed (" + ExitCodes.describe(exit) + ")");
  }

  /** The pod failed as a whole, its main container never ending on its own: evicted by the node, mostly. */
  static Optional<String> podFailure(Pod pod) {
    if (pod == null || pod.getStatus() == null || !"Failed".equals(pod.getStatus().getPhase())) {
      return Optional.empty();
    }
    String reason = pod.getStatus().getReason();
    String message = pod.getStatus().getMessage();
    if (reason == null && message == null) {
      return Optional.of("the pod failed");
    }
    return Optional.of(reason == null ? message : message == null ? reason : reason + ": " + message);
  }

  private static WorkloadStatus pending(String reason) {
    return new WorkloadStatus(Phase.PENDING, null, reason, null, null, Map.of());
  }

  /** {@code http://<service>.<namespace>.svc:<port>} for each port of the main container. */
  static Map<Integer, URI> endpoints(Job job) {
    List<Integer> ports = job.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> KubernetesResources.MAIN_CONTAINER.equals(c.getName()))
        .map(Container::getPorts)
        .filter(p -> p != null)
        .flatMap(List::stream)
        .map(ContainerPort::getContainerPort)
        .toList();
    return ServiceManifest.endpoints(job.getMetadata().getName(), job.getMetadata().getNamespace(), ports);
  }

  static Pod newest(List<Pod> pods) {
    return pods == null ? null : pods.stream()
        .max(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp() == null ? ""
            : p.getMetadata().getCreationTimestamp()))
        .orElse(null);
  }

  private static List<ContainerStatus> allStatuses(Pod pod) {
    if (pod.getStatus() == null) {
      return List.of();
    }
    List<ContainerStatus> all = new java.util.ArrayList<>();
    if (pod.getStatus().getInitContainerStatuses() != null) {
      all.addAll(pod.getStatus().getInitContainerStatuses());
    }
    if (pod.getStatus().getContainerStatuses() != null) {
      all.addAll(pod.getStatus().getContainerStatuses());
    }
    return all;
  }

  static ContainerStatus containerStatus(Pod pod, String name, boolean init) {
    if (pod == null || pod.getStatus() == null) {
      return null;
    }
    List<ContainerStatus> statuses = init ? pod.getStatus().getInitContainerStatuses()
        : pod.getStatus().getContainerStatuses();
    return statuses == null ? null
        : statuses.stream().filter(s -> name.equals(s.getName())).findFirst().orElse(null);
  }

  private static Optional<JobCondition> condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }

  private static Instant finishedAt(Job job, JobCondition condition) {
    Instant completion = job.getStatus() == null ? null : time(job.getStatus().getCompletionTime());
    return completion != null ? completion : time(condition.getLastTransitionTime());
  }

  private static String message(JobCondition c) {
    return c.getMessage() != null ? c.getMessage() : c.getReason() != null ? c.getReason() : "the Job failed";
  }

  static Instant time(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
