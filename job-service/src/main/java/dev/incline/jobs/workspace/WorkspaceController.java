package dev.incline.jobs.workspace;

import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

@RestController
class WorkspaceController {

  private final WorkspaceService service;

  WorkspaceController(WorkspaceService service) {
    this.service = service;
  }

  @PostMapping(path = "/api/v1/workspaces", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  WorkspaceView upload(Caller caller, @RequestPart(name = "file", required = false) MultipartFile file) {
    caller.require(Role.MEMBER);
    return service.upload(caller, file);
  }

  record PresignRequest(String fileName) {}

  /** For archives too large to pass through the platform: PUT the bytes to the URL, then complete. */
  @PostMapping("/api/v1/workspaces/uploads")
  @ResponseStatus(HttpStatus.CREATED)
  WorkspaceService.PresignedUpload presign(Caller caller, @RequestBody(required = false) PresignRequest request) {
    caller.require(Role.MEMBER);
    return service.presign(caller, request == null ? null : request.fileName());
  }

  @PostMapping("/api/v1/workspaces/{uploadId}/complete")
  WorkspaceView complete(Caller caller, @PathVariable String uploadId) {
    caller.require(Role.MEMBER);
    return service.complete(caller, uploadId);
  }
}
