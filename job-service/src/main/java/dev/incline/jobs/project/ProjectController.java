package dev.incline.jobs.project;

import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import jakarta.validation.Valid;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/projects")
class ProjectController {

  private final ProjectService service;

  ProjectController(ProjectService service) {
    this.service = service;
  }

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  ProjectView create(Caller caller, @Valid @RequestBody ProjectRequest request) {
    caller.require(Role.MEMBER);
    return service.create(caller, request);
  }

  @GetMapping
  PageResponse<ProjectView> list(Caller caller, @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return service.list(caller, limit, cursor);
  }

  @GetMapping("/{id}")
  ProjectView get(Caller caller, @PathVariable String id) {
    return ProjectView.of(service.require(caller.teamId(), id));
  }

  @PatchMapping("/{id}")
  ProjectView update(Caller caller, @PathVariable String id, @Valid @RequestBody ProjectRequest request) {
    caller.require(Role.MEMBER);
    return service.update(caller, id, request);
  }

  @DeleteMapping("/{id}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(Caller caller, @PathVariable String id) {
    caller.require(Role.ADMIN);
    service.delete(caller, id);
  }
}
