package dev.incline.deployments.deployment;

import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
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

/** {@code {d}} is a deployment's id or name. */
@RestController
@RequestMapping("/api/v1/deployments")
class DeploymentController {

  private final DeploymentService deployments;

  DeploymentController(DeploymentService deployments) {
    this.deployments = deployments;
  }

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  DeploymentView create(Caller caller, @RequestBody DeploymentRequest request) {
    return deployments.create(caller, request);
  }

  @GetMapping
  PageResponse<DeploymentView> list(Caller caller, @RequestParam(required = false) String projectId,
      @RequestParam(required = false) Integer limit, @RequestParam(required = false) String cursor) {
    return deployments.list(caller, projectId, limit, cursor);
  }

  @GetMapping("/{d}")
  DeploymentView get(Caller caller, @PathVariable String d) {
    return deployments.get(caller, d);
  }

  @PatchMapping("/{d}")
  DeploymentView patch(Caller caller, @PathVariable String d, @RequestBody DeploymentRequest request) {
    return deployments.patch(caller, d, request);
  }

  @PostMapping("/{d}/stop")
  DeploymentView stop(Caller caller, @PathVariable String d) {
    return deployments.stop(caller, d);
  }

  @PostMapping("/{d}/start")
  DeploymentView start(Caller caller, @PathVariable String d) {
    return deployments.start(caller, d);
  }

  @DeleteMapping("/{d}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(Caller caller, @PathVariable String d) {
    deployments.delete(caller, d);
  }
}
