package dev.incline.deployments.serving.kubernetes;

import dev.incline.compute.kubernetes.serving.ServingStatus;
import dev.incline.compute.kubernetes.serving.ServingStatusMapper;
import dev.incline.deployments.deployment.DeploymentStatus;
import java.util.regex.Pattern;

/**
 * A deployment's status from what the cluster says, as a pure function, with the local runtimes'
 * meanings: {@code Deploying} while the minimum of replicas is not ready yet → {@code Ready} once
 * the revision is rolled out (at least the minimum of its replicas ready, no other revision's left)
 * → {@code Updating} while a new revision (or scale) rolls and earlier pods are left, or a Ready
 * deployment lost replicas → {@code Failed} when no replica of the revision became ready within
 * the ready timeout and the cluster says why ({@code ImagePullBackOff}, {@code CrashLoopBackOff},
 * {@code Unschedulable}, ...); earlier replicas keep serving meanwhile, as Kubernetes leaves them |
 * {@code Stopped} once the deployment's objects are gone. A revision that is merely slow (a large
 * model loading) is not failed for it: the pods' startup probe allows more.
 */
public final class KubernetesStatus {

  private static final Pattern GENERIC = Pattern.compile("\\d+ of \\d+ replicas ready");
  /** What {@link ServingStatusMapper} says of a pod on its way: its phase alone, the model fetch, the server starting. */
  private static final Pattern WAITING = Pattern.compile("[A-Za-z]+|fetching the model|not ready yet");

  private KubernetesStatus() {}

  /** The next status and its reason. */
  public record Next(DeploymentStatus status, String reason) {}

  /**
   * @param current the status recorded now
   * @param stopped whether the deployment is stopped (or deleted)
   * @param observed what the cluster says
   * @param overdue whether the revision has had the ready timeout to roll out
   * @param problem why the objects could not be applied this time (null when they were); a rolled-out
   *     revision stays Ready through it (the cluster serves), anything else shows it
   */
  public static Next next(DeploymentStatus current, boolean stopped, int revision, int minReplicas, ServingStatus observed,
      boolean overdue, String problem) {
    if (stopped) {
      int left = observed.replicas().size();
      return observed.found() ? new Next(DeploymentStatus.UPDATING, "stopping" + (left == 0 ? "" : " " + left + " replica(s)"))
          : new Next(DeploymentStatus.STOPPED, null);
    }
    long readyCurrent = observed.replicas().stream().filter(r -> r.ready() && isOf(r, revision)).count();
    boolean othersLeft = observed.replicas().stream()
        .anyMatch(r -> !isOf(r, revision) && !ServingStatusMapper.TERMINATING.equals(r.phase()));
    // rolled out; or its pods are all there is, the minimum of them ready (the autoscaler adding one is no roll)
    if ((observed.rolledOut(revision) || observed.found() && !othersLeft) && readyCurrent >= minReplicas) {
      return new Next(DeploymentStatus.READY, null);
    }
    String why = problem != null ? problem : observed.found() ? observed.reason() : null;
    int serving = serving(observed);
    if (overdue && readyCurrent == 0 && why != null && (problem != null || !waiting(why))) {
      return new Next(DeploymentStatus.FAILED, "revision " + revision + " did not become ready: " + why
          + (serving > 0 ? "; " + serving + " replica(s) of an earlier revision still serve" : ""));
    }
    int wanted = Math.max(minReplicas, observed.desired());
    if (othersLeft) {
      return new Next(DeploymentStatus.UPDATING, with("rolling to revision " + revision + ": " + readyCurrent + " of " + wanted
          + " ready", why));
    }
    if (current == DeploymentStatus.READY || current == DeploymentStatus.UPDATING) {
      return new Next(DeploymentStatus.UPDATING, with(readyCurrent + " of " + wanted + " replica(s) ready", why));
    }
    if (current == DeploymentStatus.PENDING && !observed.found()) {
      return new Next(DeploymentStatus.PENDING, why);
    }
    return new Next(DeploymentStatus.DEPLOYING, why);
  }

  /**
   * Whether the reason is only progress (a pod scheduled, its model being fetched, its server
   * starting: a large model may take minutes, within the startup probe's allowance), not a problem
   * the cluster reports ({@code ImagePullBackOff: ...}, {@code CrashLoopBackOff: ...}, ...).
   */
  static boolean waiting(String why) {
    return GENERIC.matcher(why).matches() || WAITING.matcher(why).matches();
  }

  /** The progress, and why it is not further unless that is the mapper's own "n of m replicas ready", which says less. */
  private static String with(String progress, String why) {
    return why == null || GENERIC.matcher(why).matches() ? progress : progress + "; " + why;
  }

  /**
   * Replicas that serve now: the pods ready (which is what puts them in the Service), or the
   * Deployment's ready count when that is ahead of the pods read.
   */
  public static int serving(ServingStatus observed) {
    return Math.max(observed.ready(), (int) observed.replicas().stream().filter(ServingStatus.ReplicaStatus::ready).count());
  }

  private static boolean isOf(ServingStatus.ReplicaStatus r, int revision) {
    return r.revision() != null && r.revision() == revision;
  }
}
