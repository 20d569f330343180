package dev.incline.registry.model;

import dev.incline.platform.security.Caller;
import dev.incline.registry.model.Views.VersionView;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/model-versions/<model>[:<version|alias|latest>]}. */
@RestController
class ModelRefController {

  private final ModelService models;

  ModelRefController(ModelService models) {
    this.models = models;
  }

  @GetMapping("/api/v1/model-versions/{ref}")
  VersionView resolve(Caller caller, @PathVariable String ref) {
    return models.resolve(caller, ref);
  }
}
