package dev.incline.compute;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/** Names one workload of one team. Ids are public ids: lower-case letters, digits, '_' and '-'. */
public record WorkloadRef(String team, Kind kind, String id) {

  private static final Pattern SAFE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

  public WorkloadRef {
    Objects.requireNonNull(kind, "kind");
    // These strings become directory names, container names and Kubernetes labels.
    if (team == null || !SAFE.matcher(team).matches()) {
      throw new IllegalArgumentException("invalid team for a workload: " + team);
    }
    if (id == null || !SAFE.matcher(id).matches()) {
      throw new IllegalArgumentException("invalid workload id: " + id);
    }
  }

  public enum Kind {
    JOB, NOTEBOOK, DEPLOYMENT;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Kind fromLabel(String label) {
      return valueOf(label.toUpperCase(Locale.ROOT));
    }
  }
}
