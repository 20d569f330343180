package dev.incline.notebooks.notebook;

import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
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

/** {@code {n}} is a notebook's id or name. */
@RestController
@RequestMapping("/api/v1/notebooks")
class NotebookController {

  private final NotebookService notebooks;

  NotebookController(NotebookService notebooks) {
    this.notebooks = notebooks;
  }

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  NotebookView create(Caller caller, @RequestBody NotebookRequest request) {
    return notebooks.create(caller, request);
  }

  @GetMapping
  PageResponse<NotebookView> list(Caller caller, @RequestParam(required = false) String projectId,
      @RequestParam(required = false) Integer limit, @RequestParam(required = false) String cursor) {
    return notebooks.list(caller, projectId, limit, cursor);
  }

  @GetMapping("/{n}")
  NotebookView get(Caller caller, @PathVariable String n) {
    return notebooks.get(caller, n);
  }

  @PostMapping("/{n}/stop")
  NotebookView stop(Caller caller, @PathVariable String n) {
    return notebooks.stop(caller, n);
  }

  @PostMapping("/{n}/start")
  NotebookView start(Caller caller, @PathVariable String n) {
    return notebooks.start(caller, n);
  }

  @DeleteMapping("/{n}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(Caller caller, @PathVariable String n) {
    notebooks.delete(caller, n);
  }
}
