package dev.incline.storage.secret;

import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.InvalidRequestException.FieldError;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.paging.Cursors;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import dev.incline.platform.project.ProjectDirectory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Write-only values, sealed with AES-GCM. Names are environment variable names because that is how
 * workloads receive them. Nothing here logs or returns a value, except {@link #resolve} for
 * job-service building a workload.
 */
@Service
public class SecretService {

  static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  static final int MAX_VALUE_BYTES = 64 * 1024;

  private final SecretRepository secrets;
  private final SecretCipher cipher;
  private final ProjectDirectory projects;
  private final Clock clock;

  SecretService(SecretRepository secrets, SecretCipher cipher, ProjectDirectory projects, Clock clock) {
    this.secrets = secrets;
    this.cipher = cipher;
    this.projects = projects;
    this.clock = clock;
  }

  /** Creates or replaces; true when it was created. */
  @Transactional
  public Written put(Caller caller, String name, String projectId, String value) {
    List<FieldError> errors = new ArrayList<>();
    if (!NAME.matcher(name).matches()) {
      errors.add(new FieldError("name", "must be an environment variable name: letters, digits and _, not starting with a digit, at most 128"));
    }
    if (value == null) {
      errors.add(new FieldError("value", "is required"));
    } else if (value.getBytes(StandardCharsets.UTF_8).length > MAX_VALUE_BYTES) {
      errors.add(new FieldError("value", "is longer than " + MAX_VALUE_BYTES + " bytes"));
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    String scope = scope(caller, projectId);
    var existing = secrets.findByTeamIdAndProjectIdAndName(caller.teamId(), scope, name);
    Secret s = existing.orElseGet(() -> new Secret(PublicId.newUuid(), caller.teamId(), scope, name, caller.userId(), clock.instant()));
    s.seal(cipher.seal(value.getBytes(StandardCharsets.UTF_8), s.context()), clock.instant());
    secrets.save(s);
    return new Written(SecretView.of(s), existing.isEmpty());
  }

  public record Written(SecretView secret, boolean created) {}

  @Transactional(readOnly = true)
  public SecretView get(Caller caller, String name, String projectId) {
    return SecretView.of(require(caller, name, projectId));
  }

  @Transactional
  public void delete(Caller caller, String name, String projectId) {
    secrets.delete(require(caller, name, projectId));
  }

  @Transactional(readOnly = true)
  public PageResponse<SecretView> list(Caller caller, String projectId, Integer limit, String cursor) {
    int n = Cursors.limit(limit);
    String after = Cursors.decode(cursor);
    List<Secret> rows = secrets.findByTeamIdAndProjectIdAndNameGreaterThanOrderByNameAsc(caller.teamId(),
        scope(caller, projectId), after == null ? "" : after, Limit.of(n + 1));
    return PageResponse.of(rows, n, SecretView::of, Secret::getName);
  }

  /**
   * The values of the named secrets for a workload of the project: a project secret wins over a
   * team secret of the same name. A name that is neither is a 422 naming {@code secrets[i]}.
   */
  @Transactional(readOnly = true)
  public Map<String, String> resolve(Caller caller, String projectId, List<String> names, boolean reveal) {
    List<String> scopes = projectId == null || projectId.isBlank() ? List.of("") : List.of("", ProjectDirectory.canonical(projectId));
    Map<String, Secret> found = new LinkedHashMap<>();
    for (Secret s : secrets.findByTeamIdAndProjectIdInAndNameIn(caller.teamId(), scopes, names)) {
      found.merge(s.getName(), s, (a, b) -> a.getProjectId().isEmpty() ? b : a);
    }
    List<FieldError> errors = new ArrayList<>();
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      Secret s = found.get(names.get(i));
      if (s == null) {
        errors.add(new FieldError("secrets[" + i + "]", "secret '" + names.get(i) + "' not found"));
      } else {
        values.put(s.getName(), reveal ? new String(cipher.open(s.sealed(), s.context()), StandardCharsets.UTF_8) : "");
      }
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    return values;
  }

  /**
   * Re-seals up to a batch of secrets under the active key; how many it did. A row that does not
   * open (its key is gone) is left as it is and named by id in the log, never by value.
   */
  @Transactional
  public int resealBatch(java.util.Set<java.util.UUID> skip) {
    List<Secret> batch = secrets.findTop500ByKeyIdNot(cipher.activeKey()).stream().filter(s -> !skip.contains(s.getId())).toList();
    for (Secret s : batch) {
      try {
        s.reseal(cipher.seal(cipher.open(s.sealed(), s.context()), s.context()));
      } catch (IllegalStateException e) {
        skip.add(s.getId());
        org.slf4j.LoggerFactory.getLogger(SecretService.class).warn("secret {} cannot be re-sealed: {}", s.getId(), e.getMessage());
      }
    }
    return batch.size();
  }

  private Secret require(Caller caller, String name, String projectId) {
    return secrets.findByTeamIdAndProjectIdAndName(caller.teamId(), scope(caller, projectId), name)
        .orElseThrow(() -> new NotFoundException("secret", name));
  }

  /** "" for a team secret; a project of the caller's team otherwise. */
  private String scope(Caller caller, String projectId) {
    if (projectId == null || projectId.isBlank()) {
      return "";
    }
    return projects.requireProject(caller, projectId);
  }
}
