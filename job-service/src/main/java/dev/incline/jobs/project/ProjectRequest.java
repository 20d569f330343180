package dev.incline.jobs.project;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** Create or patch a project; on PATCH, absent fields stay as they are. */
public record ProjectRequest(
    @Size(min = 1, max = 100) @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._ -]*", message = "must start with a letter or digit and contain only letters, digits, '.', '_', '-' and spaces") String name,
    @Size(max = 2000) String description,
    @Valid Repository repository) {

  public record Repository(
      @Size(max = 2000) @Pattern(regexp = "(https?|ssh|git)://\\S+|git@\\S+:\\S+", message = "must be an http(s), ssh or git URL") String url,
      @Size(max = 250) String defaultRef) {}
}
