package dev.incline.jobs.job;

import dev.incline.jobs.artifacts.ArtifactService;
import dev.incline.jobs.events.WorkloadEvent;
import dev.incline.jobs.events.WorkloadEvents;
import dev.incline.platform.idempotency.IdempotencyStore;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/jobs")
class JobController {

  private final JobService service;
  private final ArtifactService artifacts;
  private final WorkloadEvents events;

  JobController(JobService service, ArtifactService artifacts, WorkloadEvents events) {
    this.service = service;
    this.artifacts = artifacts;
    this.events = events;
  }

  @PostMapping
  ResponseEntity<JobView> create(Caller caller, @RequestBody JobRequest request,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
    caller.require(Role.MEMBER);
    IdempotencyStore.Outcome<JobView> outcome = service.create(caller, request, idempotencyKey);
    return ResponseEntity.status(HttpStatus.CREATED)
        .header("Idempotent-Replayed", Boolean.toString(outcome.replayed()))
        .body(outcome.value());
  }

  @GetMapping
  PageResponse<JobView> list(Caller caller, @RequestParam(required = false) String projectId,
      @RequestParam(required = false) String status, @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return service.list(caller, projectId, status, limit, cursor);
  }

  @GetMapping("/{id}")
  JobView get(Caller caller, @PathVariable String id) {
    return service.get(caller, id);
  }

  /** Status transitions, oldest first. */
  @GetMapping("/{id}/history")
  List<WorkloadEvent> history(Caller caller, @PathVariable String id) {
    Job job = service.require(caller.teamId(), id);
    return events.history(caller.teamId(), job.getId(), JobService::publicId);
  }

  @PostMapping("/{id}/stop")
  JobView stop(Caller caller, @PathVariable String id) {
    caller.require(Role.MEMBER);
    return service.stop(caller, id);
  }

  @DeleteMapping("/{id}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(Caller caller, @PathVariable String id) {
    caller.require(Role.MEMBER);
    service.delete(caller, id, artifacts::deleteAll);
  }
}
