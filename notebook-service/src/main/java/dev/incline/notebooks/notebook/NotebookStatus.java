package dev.incline.notebooks.notebook;

import java.util.Arrays;

/**
 * {@code Pending → Provisioning → Running → Stopping → Stopped | Failed}: Pending until the reconciler
 * starts a run, Provisioning until Jupyter answers with the notebook's token, Stopping until the run is
 * gone. Start goes from Stopped or Failed back to Pending.
 */
public enum NotebookStatus {
  PENDING("Pending"),
  PROVISIONING("Provisioning"),
  RUNNING("Running"),
  STOPPING("Stopping"),
  STOPPED("Stopped"),
  FAILED("Failed");

  private final String wire;

  NotebookStatus(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** No run exists, or should: Stopped and Failed. */
  public boolean isFinal() {
    return this == STOPPED || this == FAILED;
  }

  public static NotebookStatus fromWire(String wire) {
    return Arrays.stream(values()).filter(s -> s.wire.equals(wire)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown notebook status " + wire));
  }
}
