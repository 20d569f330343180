package dev.incline.storage.provider;

import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/storage-providers")
class ProviderController {

  private final ProviderService service;

  ProviderController(ProviderService service) {
    this.service = service;
  }

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  ProviderView create(Caller caller, @RequestBody ProviderService.ProviderRequest request) {
    caller.require(Role.ADMIN);
    return service.create(caller, request);
  }

  @GetMapping
  PageResponse<ProviderView> list(Caller caller, @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return service.list(caller, limit, cursor);
  }

  @GetMapping("/{id}")
  ProviderView get(Caller caller, @PathVariable String id) {
    return ProviderView.of(service.require(caller.teamId(), id));
  }

  @DeleteMapping("/{id}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(Caller caller, @PathVariable String id) {
    caller.require(Role.ADMIN);
    service.delete(caller, id);
  }
}
