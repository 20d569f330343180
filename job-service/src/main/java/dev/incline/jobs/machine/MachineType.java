package dev.incline.jobs.machine;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * A machine type of the catalog: what a workload gets.
 *
 * @param name catalog name, e.g. {@code A100}
 * @param cpu cores
 * @param memoryGib memory in GiB
 * @param gpu GPUs, or null for a CPU machine
 * @param nodeSelector node labels a Kubernetes workload of this type is scheduled on
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MachineType(String name, double cpu, @JsonProperty("memoryGiB") int memoryGib, Gpu gpu,
    @JsonIgnore Map<String, String> nodeSelector) {

  public MachineType {
    nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
  }

  /** @param count GPUs per workload  @param model product name, as the NVIDIA GPU operator labels nodes */
  public record Gpu(int count, String model) {}
}
