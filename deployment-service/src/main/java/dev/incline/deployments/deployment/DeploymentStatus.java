package dev.incline.deployments.deployment;

import java.util.Arrays;

/**
 * {@code Pending} (accepted, nothing started) → {@code Deploying} (replicas starting, none ready) →
 * {@code Ready} (at least the minimum ready, one revision) → {@code Updating} (a roll or a scale in
 * progress) → {@code Failed} (replicas of the revision keep failing; older ones still serve) |
 * {@code Stopped}.
 */
public enum DeploymentStatus {
  PENDING("Pending"),
  DEPLOYING("Deploying"),
  READY("Ready"),
  UPDATING("Updating"),
  FAILED("Failed"),
  STOPPED("Stopped");

  private final String wire;

  DeploymentStatus(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static DeploymentStatus fromWire(String s) {
    return Arrays.stream(values()).filter(v -> v.wire.equals(s)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown deployment status " + s));
  }
}
