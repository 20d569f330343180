package dev.incline.jobs.agent;

import dev.incline.jobs.job.Job;
import dev.incline.jobs.job.JobData;
import dev.incline.jobs.job.JobService;
import dev.incline.jobs.storage.StorageClient;
import io.swagger.v3.oas.annotations.Hidden;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * For the agent's init container on Kubernetes: every file of the job's input versions with a fresh
 * presigned URL, asked for when the pod starts. Tab-separated lines {@code versionId, mountAs, path,
 * size, sha256, url} with the path percent-encoded, so the agent needs no JSON library.
 */
@RestController
@Hidden // not part of the public API: the gateway does not route /internal/**
class AgentDatasetController {

  static final MediaType TSV = MediaType.parseMediaType("text/tab-separated-values;charset=UTF-8");

  private final JobService jobs;
  private final StorageClient storage;

  AgentDatasetController(JobService jobs, StorageClient storage) {
    this.jobs = jobs;
    this.storage = storage;
  }

  @GetMapping("/internal/v1/jobs/{jobId}/datasets")
  ResponseEntity<String> datasets(@AuthenticationPrincipal Jwt token, @PathVariable String jobId) {
    JobTokens.Claims claims = JobTokens.Claims.forJob(token, jobId);
    Job job = jobs.require(claims.teamId(), jobId);
    StringBuilder out = new StringBuilder();
    for (JobData.Input in : jobs.inputs(job)) {
      StorageClient.Manifest manifest = storage.manifest(job.getTeamId(), in.versionId());
      for (StorageClient.ManifestFile f : manifest.files()) {
        out.append(in.versionId()).append('\t').append(in.mountAs()).append('\t')
            .append(URLEncoder.encode(f.path(), StandardCharsets.UTF_8)).append('\t')
            .append(f.size()).append('\t').append(f.sha256() == null ? "" : f.sha256()).append('\t')
            .append(f.url()).append('\n');
      }
    }
    return ResponseEntity.ok().contentType(TSV).body(out.toString());
  }
}
