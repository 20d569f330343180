package dev.incline.jobs.agent;

import dev.incline.jobs.artifacts.ArtifactService;
import dev.incline.jobs.job.Job;
import dev.incline.jobs.job.JobService;
import dev.incline.platform.error.InvalidRequestException;
import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * For the agent inside a job's workload: a presigned PUT URL for one artifact, so the bytes go
 * straight to S3 and S3 credentials never enter a workload. The artifact is listed from this moment,
 * whatever the runtime; a later request for the same path (the file changed) replaces it.
 */
@RestController
@Hidden // not part of the public API: the gateway does not route /internal/**
class AgentUploadController {

  record UploadRequest(String path, Long size) {}

  record UploadGrant(String url, String method, String key) {}

  private final JobService jobs;
  private final ArtifactService artifacts;
  private final AgentProperties properties;

  AgentUploadController(JobService jobs, ArtifactService artifacts, AgentProperties properties) {
    this.jobs = jobs;
    this.artifacts = artifacts;
    this.properties = properties;
  }

  @PostMapping("/internal/v1/jobs/{jobId}/artifact-uploads")
  UploadGrant upload(@AuthenticationPrincipal Jwt token, @PathVariable String jobId,
      @RequestBody(required = false) UploadRequest request) {
    JobTokens.Claims claims = JobTokens.Claims.forJob(token, jobId);
    Job job = jobs.require(claims.teamId(), jobId);
    if (request == null) {
      throw new InvalidRequestException("path", "is required");
    }
    String path = ArtifactPaths.normalize(request.path());
    long max = properties.maxArtifactSize().toBytes();
    if (request.size() == null || request.size() < 0 || request.size() > max) {
      throw new InvalidRequestException("size", "must be between 0 and " + max + " bytes");
    }
    ArtifactService.Upload upload = artifacts.recordUpload(job, path, request.size(), properties.uploadUrlTtl());
    return new UploadGrant(upload.url().toString(), "PUT", upload.key());
  }
}
