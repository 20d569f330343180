package dev.incline.jobs.job;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/v1/jobs}. Validation is done by {@link JobValidator} so that every problem is
 * reported with its JSON path in one 422.
 */
public record JobRequest(
    String projectId,
    String name,
    String image,
    String command,
    String machineType,
    Workspace workspace,
    Map<String, String> env,
    List<String> secrets,
    List<Input> inputs,
    List<Output> outputs,
    List<Integer> ports,
    Long maxRuntimeSeconds,
    Integer retries) {

  /** Exactly one of {@code uploadId} and {@code git}. */
  public record Workspace(String uploadId, Git git) {}

  public record Git(String url, String ref) {}

  public record Input(String dataset, String mountAs) {}

  public record Output(String dataset, String from) {}
}
