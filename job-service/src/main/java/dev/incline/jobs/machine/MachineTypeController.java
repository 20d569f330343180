package dev.incline.jobs.machine;

import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
class MachineTypeController {

  private final MachineTypeCatalog catalog;

  MachineTypeController(MachineTypeCatalog catalog) {
    this.catalog = catalog;
  }

  @GetMapping("/api/v1/machine-types")
  List<MachineType> list() {
    return catalog.machineTypes();
  }
}
