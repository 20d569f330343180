package dev.incline.jobs.job;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.EnumSet;
import java.util.Set;

/** {@code Pending → Provisioning → Running → Succeeded | Failed | Stopped}. */
public enum JobStatus {
  PENDING("Pending"),
  PROVISIONING("Provisioning"),
  RUNNING("Running"),
  SUCCEEDED("Succeeded"),
  FAILED("Failed"),
  STOPPED("Stopped");

  public static final Set<JobStatus> ACTIVE = EnumSet.of(PENDING, PROVISIONING, RUNNING);

  private final String wire;

  JobStatus(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  public boolean terminal() {
    return !ACTIVE.contains(this);
  }

  public static JobStatus fromWire(String value) {
    for (JobStatus s : values()) {
      if (s.wire.equalsIgnoreCase(value)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown job status " + value);
  }
}
