package dev.incline.jobs.machine;

import dev.incline.compute.WorkloadSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The machine types of this installation, from {@code incline.machine-types}. */
@ConfigurationProperties("incline")
public record MachineTypeCatalog(List<MachineType> machineTypes) {

  public MachineTypeCatalog {
    machineTypes = machineTypes == null ? List.of() : List.copyOf(machineTypes);
    Map<String, MachineType> seen = new LinkedHashMap<>();
    for (MachineType t : machineTypes) {
      if (seen.put(t.name(), t) != null) {
        throw new IllegalArgumentException("machine type " + t.name() + " is defined twice");
      }
    }
  }

  public Optional<MachineType> find(String name) {
    return machineTypes.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  public List<String> names() {
    return machineTypes.stream().map(MachineType::name).toList();
  }

  public static WorkloadSpec.Resources resources(MachineType t) {
    return new WorkloadSpec.Resources(t.name(), t.cpu(), (long) t.memoryGib() << 30,
        t.gpu() == null ? 0 : t.gpu().count(), t.gpu() == null ? null : t.gpu().model(), t.nodeSelector());
  }
}
