package dev.incline.storage.dataset;

import dev.incline.platform.security.Caller;
import dev.incline.storage.dataset.Views.VersionView;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/dataset-versions/mnist:3} (or {@code mnist:clean}, or {@code mnist} for latest). */
@RestController
class DatasetRefController {

  private final DatasetService datasets;

  DatasetRefController(DatasetService datasets) {
    this.datasets = datasets;
  }

  @GetMapping("/api/v1/dataset-versions/{ref}")
  VersionView resolve(Caller caller, @PathVariable String ref) {
    return datasets.resolve(caller, ref);
  }
}
