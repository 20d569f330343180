package dev.incline.registry.model;

import tools.jackson.databind.JsonNode;

/** {@code POST /api/v1/models/{m}/versions} as JSON: a job's artifact, with free-form metadata and metrics. */
public record VersionRequest(FromJob fromJob, JsonNode metadata, JsonNode metrics) {

  /** @param path a file or directory under the job's artifacts */
  public record FromJob(String jobId, String path) {}
}
