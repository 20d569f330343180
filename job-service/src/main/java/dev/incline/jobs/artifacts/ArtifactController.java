package dev.incline.jobs.artifacts;

import dev.incline.jobs.job.Job;
import dev.incline.jobs.job.JobService;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.security.Caller;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
class ArtifactController {

  private final JobService jobs;
  private final ArtifactService artifacts;

  ArtifactController(JobService jobs, ArtifactService artifacts) {
    this.jobs = jobs;
    this.artifacts = artifacts;
  }

  @GetMapping("/api/v1/jobs/{id}/artifacts")
  List<ArtifactService.Artifact> list(Caller caller, @PathVariable String id) {
    Job job = jobs.require(caller.teamId(), id);
    return artifacts.list(job.getId());
  }

  /**
   * A 302 to a presigned URL, so the bytes go straight from S3 to the client; {@code ?redirect=false}
   * streams them through the platform instead, for clients that cannot reach the object store.
   */
  @GetMapping("/api/v1/jobs/{id}/artifacts/{*path}")
  ResponseEntity<?> download(Caller caller, @PathVariable String id, @PathVariable String path,
      @RequestParam(defaultValue = "true") boolean redirect) {
    Job job = jobs.require(caller.teamId(), id);
    String relative = path.startsWith("/") ? path.substring(1) : path;
    String key = artifacts.key(job.getId(), relative).orElseThrow(() -> new NotFoundException("artifact", relative));
    if (redirect) {
      return ResponseEntity.status(HttpStatus.FOUND).location(URI.create(artifacts.link(key, relative).toString())).build();
    }
    InputStream in = artifacts.open(key);
    if (in == null) {
      throw new NotFoundException("artifact", relative);
    }
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + relative.substring(relative.lastIndexOf('/') + 1).replace("\"", "") + "\"")
        .body(new InputStreamResource(in));
  }
}
