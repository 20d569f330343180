package dev.incline.storage.secret;

import java.time.Instant;

/** A secret as it is shown: its name and where it applies, never its value. */
public record SecretView(String name, String projectId, String scope, String createdBy, Instant createdAt, Instant updatedAt) {

  static SecretView of(Secret s) {
    boolean team = s.getProjectId().isEmpty();
    return new SecretView(s.getName(), team ? null : s.getProjectId(), team ? "team" : "project", s.getCreatedBy(),
        s.getCreatedAt(), s.getUpdatedAt());
  }
}
