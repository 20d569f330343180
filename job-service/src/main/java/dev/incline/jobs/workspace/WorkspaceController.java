package dev.incline.jobs.workspace;

import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
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
}
