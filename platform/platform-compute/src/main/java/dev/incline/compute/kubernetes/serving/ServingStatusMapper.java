package dev.incline.compute.kubernetes.serving;

import dev.incline.compute.ExitCodes;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a Deployment and its pods say, as a {@link ServingStatus}: a pure function, so every mapping
 * is tested on objects alone. Reasons name Kubernetes' own reason first ({@code ImagePullBackOff},
 * {@code CrashLoopBackOff}, {@code Unschedulable}, {@code OOMKilled}), then its message.
 */
public final class ServingStatusMapper {

  public static final String TERMINATING = "Terminating";
  static final String FETCHING_MODEL = "fetching the model";
  private static final Set<String> IMAGE_PULL = Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName");
  private static final Set<String> UNREMARKABLE = Set.of("PodInitializing", "ContainerCreating");

  private ServingStatusMapper() {}

  public static ServingStatus status(Deployment deployment, List<Pod> pods) {
    if (deployment == null) {
      return ServingStatus.notFound();
    }
    DeploymentStatus s = deployment.getStatus();
    int desired = deployment.getSpec() == null || deployment.getSpec().getReplicas() == null ? 1
        : deployment.getSpec().getReplicas();
    int ready = s == null || s.getReadyReplicas() == null ? 0 : s.getReadyReplicas();
    int updated = s == null || s.getUpdatedReplicas() == null ? 0 : s.getUpdatedReplicas();
    List<ServingStatus.ReplicaStatus> replicas = (pods == null ? List.<Pod>of() : pods).stream()
        .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp() == null ? ""
            : p.getMetadata().getCreationTimestamp()).thenComparing(p -> p.getMetadata().getName()))
        .map(ServingStatusMapper::replica)
        .toList();
    String reason = ready >= desired && updated >= desired ? null : reason(deployment, desired, ready, replicas);
    return new ServingStatus(desired, ready, updated, observedRevision(deployment), replicas, reason);
  }

  /**
   * The revision of the Deployment's pod template, once the Deployment controller has observed the
   * Deployment's latest generation (an API server without generations, as the tests' mock one, counts as observed).
   */
  static Integer observedRevision(Deployment d) {
    Long generation = d.getMetadata().getGeneration();
    Long observed = d.getStatus() == null ? null : d.getStatus().getObservedGeneration();
    if (generation != null && (observed == null || observed < generation)) {
      return null;
    }
    return revision(d.getSpec() == null || d.getSpec().getTemplate() == null || d.getSpec().getTemplate().getMetadata() == null
        ? null : d.getSpec().getTemplate().getMetadata().getAnnotations());
  }

  static Integer revision(Map<String, String> annotations) {
    String value = annotations == null ? null : annotations.get(ServingResources.ANNOTATION_REVISION);
    if (value == null) {
      return null;
    }
    try {
      return Integer.valueOf(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The Deployment's own failure first (a ReplicaSet that cannot create pods, which is how a full
   * quota shows; a rollout past its deadline), then the first not-ready replica's, newest revision first.
   */
  private static String reason(Deployment d, int desired, int ready, List<ServingStatus.ReplicaStatus> replicas) {
    Optional<DeploymentCondition> failure = condition(d, "ReplicaFailure", "True");
    if (failure.isPresent()) {
      return "ReplicaFailure: " + message(failure.get());
    }
    Optional<DeploymentCondition> stalled = condition(d, "Progressing", "False");
    String stall = stalled.map(c -> (c.getReason() == null ? "ProgressDeadlineExceeded" : c.getReason()) + ": "
        + message(c)).orElse(null);
    Optional<String> replica = replicas.reversed().stream()
        .filter(r -> !r.ready() && r.reason() != null && !TERMINATING.equals(r.phase()))
        .map(ServingStatus.ReplicaStatus::reason)
        .findFirst();
    if (replica.isPresent()) {
      return stall == null ? replica.get() : stall + " (" + replica.get() + ")";
    }
    if (stall != null) {
      return stall;
    }
    return ready + " of " + desired + " replicas ready";
  }

  static ServingStatus.ReplicaStatus replica(Pod pod) {
    Integer revision = revision(pod.getMetadata().getAnnotations());
    String name = pod.getMetadata().getName();
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return new ServingStatus.ReplicaStatus(name, false, TERMINATING, null, revision);
    }
    String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
    boolean ready = pod.getStatus() != null && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return new ServingStatus.ReplicaStatus(name, ready, phase, ready ? null : notReady(pod, phase), revision);
  }

  /** Why a pod does not serve: the scheduler, a failed pod, the model fetch, the serving container; else its phase. */
  static String notReady(Pod pod, String phase) {
    if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
      for (PodCondition c : pod.getStatus().getConditions()) {
        if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
          return (c.getReason() == null ? "Unschedulable" : c.getReason())
              + (c.getMessage() == null ? "" : ": " + c.getMessage());
        }
      }
    }
    if ("Failed".equals(phase)) {
      String reason = pod.getStatus().getReason();
      String message = pod.getStatus().getMessage();
      return (reason == null ? "Failed" : reason) + (message == null ? "" : ": " + message);
    }
    for (ContainerStatus init : statuses(pod, true)) {
      Optional<String> why = container(init, ServingResources.MODEL_CONTAINER.equals(init.getName())
          ? "fetching the model failed" : "init container " + init.getName() + " failed");
      if (why.isPresent()) {
        return why.get();
      }
      if (init.getState() != null && init.getState().getRunning() != null
          && ServingResources.MODEL_CONTAINER.equals(init.getName())) {
        return FETCHING_MODEL;
      }
    }
    for (ContainerStatus main : statuses(pod, false)) {
      Optional<String> why = container(main, "the server failed");
      if (why.isPresent()) {
        return why.get();
      }
      if (main.getState() != null && main.getState().getRunning() != null) {
        int restarts = main.getRestartCount() == null ? 0 : main.getRestartCount();
        return "not ready yet" + (restarts == 0 ? "" : " (restarted " + restarts + " times, last "
            + lastTermination(main).orElse("ended") + ")");
      }
    }
    return phase;
  }

  /**
   * A container that waits for a reason worth telling, or ended badly: {@code ImagePullBackOff: image
   * X cannot be pulled: ...}, {@code CrashLoopBackOff: <what> (OOMKilled, exit code 137): ...}.
   */
  private static Optional<String> container(ContainerStatus s, String what) {
    ContainerState state = s.getState();
    if (state == null) {
      return Optional.empty();
    }
    ContainerStateWaiting w = state.getWaiting();
    if (w != null && w.getReason() != null && !UNREMARKABLE.contains(w.getReason())) {
      if (IMAGE_PULL.contains(w.getReason())) {
        return Optional.of(w.getReason() + ": image " + s.getImage() + " cannot be pulled"
            + (w.getMessage() == null ? "" : ": " + w.getMessage()));
      }
      Optional<String> last = lastTermination(s);
      return Optional.of(w.getReason() + (last.isPresent() ? ": " + what + " (" + last.get() + ")" : "")
          + (w.getMessage() == null ? "" : ": " + w.getMessage()));
    }
    ContainerStateTerminated t = state.getTerminated();
    if (t != null && (t.getExitCode() == null || t.getExitCode() != 0)) {
      return Optional.of((t.getReason() == null ? "Error" : t.getReason()) + ": " + what + " ("
          + (t.getExitCode() == null ? "no exit code" : ExitCodes.describe(t.getExitCode())) + ")"
          + (t.getMessage() == null ? "" : ": " + t.getMessage()));
    }
    return Optional.empty();
  }

  private static Optional<String> lastTermination(ContainerStatus s) {
    ContainerStateTerminated t = s.getLastState() == null ? null : s.getLastState().getTerminated();
    if (t == null) {
      return Optional.empty();
    }
    String exit = t.getExitCode() == null ? null : ExitCodes.describe(t.getExitCode());
    if (t.getReason() != null && exit != null && !"Error".equals(t.getReason())) {
      return Optional.of(t.getReason() + ", " + exit);
    }
    return Optional.ofNullable(exit != null ? exit : t.getReason());
  }

  private static List<ContainerStatus> statuses(Pod pod, boolean init) {
    if (pod.getStatus() == null) {
      return List.of();
    }
    List<ContainerStatus> list = init ? pod.getStatus().getInitContainerStatuses() : pod.getStatus().getContainerStatuses();
    return list == null ? List.of() : new ArrayList<>(list);
  }

  private static Optional<DeploymentCondition> condition(Deployment d, String type, String status) {
    if (d.getStatus() == null || d.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return d.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
        .findFirst();
  }

  private static String message(DeploymentCondition c) {
    return c.getMessage() != null ? c.getMessage() : c.getReason() != null ? c.getReason() : c.getType();
  }
}
