package dev.incline.jobs.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A job as the API shows it. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record JobView(
    String id,
    String projectId,
    String name,
    String image,
    String command,
    String machineType,
    JobRequest.Workspace workspace,
    Map<String, String> env,
    List<Integer> ports,
    long maxRuntimeSeconds,
    int retries,
    int attempt,
    JobStatus status,
    String reason,
    Integer exitCode,
    boolean stopRequested,
    Map<String, String> endpoints,
    String runtime,
    String createdBy,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    List<String> secrets,
    List<JobData.Input> inputs,
    List<JobData.Output> outputs) {

  public static final String PREFIX = "job";
}
