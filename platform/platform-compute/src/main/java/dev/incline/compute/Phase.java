package dev.incline.compute;

/** A workload's phase as the engine sees it. */
public enum Phase {
  /** Accepted but not started: pulling the image, fetching the workspace, waiting to be scheduled. */
  PENDING,
  RUNNING,
  SUCCEEDED,
  FAILED,
  /** The engine has no trace of the workload. */
  NOT_FOUND;

  public boolean finished() {
    return this == SUCCEEDED || this == FAILED;
  }
}
