package dev.incline.jobs.agent;

import dev.incline.jobs.job.Job;
import dev.incline.jobs.job.JobData;
import dev.incline.jobs.job.JobService;
import dev.incline.jobs.storage.JobStorage;
import dev.incline.jobs.storage.StorageClient;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.id.PublicId;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * For the agent's sidecar on Kubernetes, after the main container ended: the files of an output
 * directory, streamed on into the job's draft version of that dataset, then "uploaded". The reconciler
 * commits the version only when the job succeeded.
 */
@RestController
@Hidden // not part of the public API: the gateway does not route /internal/**
class AgentOutputController {

  private final JobService jobs;
  private final JobStorage storage;

  AgentOutputController(JobService jobs, JobStorage storage) {
    this.jobs = jobs;
    this.storage = storage;
  }

  private record Target(Job job, JobData.Output output) {}

  private Target target(Jwt token, String jobId, String dataset) {
    JobTokens.Claims claims = JobTokens.Claims.forJob(token, jobId);
    Job job = jobs.require(claims.teamId(), jobId);
    JobData.Output output = jobs.outputs(job).stream().filter(o -> o.dataset().equals(dataset)).findFirst()
        .orElseThrow(() -> new NotFoundException("output", dataset));
    return new Target(job, output);
  }

  @PutMapping("/internal/v1/jobs/{jobId}/outputs/{dataset}/files/{*path}")
  @ResponseStatus(HttpStatus.CREATED)
  void file(@AuthenticationPrincipal Jwt token, @PathVariable String jobId, @PathVariable String dataset,
      @PathVariable String path, HttpServletRequest request) throws IOException {
    Target t = target(token, jobId, dataset);
    String file = ArtifactPaths.normalize(path.startsWith("/") ? path.substring(1) : path);
    long size = request.getContentLengthLong();
    if (size < 0) {
      throw new InvalidRequestException("Content-Length", "is required");
    }
    StorageClient.Version draft = storage.outputDraft(t.job().getTeamId(), PublicId.encode("prj", t.job().getProjectId()),
        jobId, dataset, t.output().from());
    storage.putOutputFile(t.job().getTeamId(), draft, file, request.getInputStream(), size);
  }

  @PostMapping("/internal/v1/jobs/{jobId}/outputs/{dataset}/uploaded")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void uploaded(@AuthenticationPrincipal Jwt token, @PathVariable String jobId, @PathVariable String dataset) {
    Target t = target(token, jobId, dataset);
    jobs.markOutputUploaded(t.job().getTeamId(), t.job().getId(), dataset);
  }
}
