package dev.incline.storage.secret;

import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Team secrets, or a project's with {@code ?projectId=}. Values go in and never come out. */
@RestController
@RequestMapping("/api/v1/secrets")
class SecretController {

  private final SecretService service;

  SecretController(SecretService service) {
    this.service = service;
  }

  /** The value is write-only; {@code projectId} may be in the body or the query. */
  record SecretRequest(String value, String projectId) {
    @Override
    public String toString() {
      return "SecretRequest[projectId=" + projectId + "]";
    }
  }

  @PutMapping("/{name}")
  ResponseEntity<SecretView> put(Caller caller, @PathVariable String name, @RequestParam(required = false) String projectId,
      @RequestBody SecretRequest request) {
    caller.require(Role.MEMBER);
    var written = service.put(caller, name, projectId != null ? projectId : request.projectId(), request.value());
    return ResponseEntity.status(written.created() ? HttpStatus.CREATED : HttpStatus.OK).body(written.secret());
  }

  @GetMapping
  PageResponse<SecretView> list(Caller caller, @RequestParam(required = false) String projectId,
      @RequestParam(required = false) Integer limit, @RequestParam(required = false) String cursor) {
    return service.list(caller, projectId, limit, cursor);
  }

  @GetMapping("/{name}")
  SecretView get(Caller caller, @PathVariable String name, @RequestParam(required = false) String projectId) {
    return service.get(caller, name, projectId);
  }

  @DeleteMapping("/{name}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(Caller caller, @PathVariable String name, @RequestParam(required = false) String projectId) {
    caller.require(Role.MEMBER);
    service.delete(caller, name, projectId);
  }
}
