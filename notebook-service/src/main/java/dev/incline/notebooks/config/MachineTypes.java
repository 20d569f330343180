package dev.incline.notebooks.config;

import dev.incline.compute.WorkloadSpec;
import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.service.ServiceCalls;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/** The machine type catalog, which job-service owns; read when a notebook is created. */
@Component
public class MachineTypes {

  private final URI jobs;
  private final ServiceCalls calls;

  MachineTypes(NotebooksProperties properties, ServiceCalls calls) {
    this.jobs = properties.services().jobs();
    this.calls = calls;
  }

  /** The named type's resources, or empty when the catalog has no such type. */
  public Optional<WorkloadSpec.Resources> find(String teamId, String name) {
    ServiceCalls.Answer a = calls.call("job-service", calls.caller(teamId), "GET", jobs.resolve("/service/v1/machine-types"), null);
    if (!a.ok() || a.body() == null) {
      throw ApiExceptions.unavailable("machine types cannot be read now (job-service answered " + a.status() + "); try again");
    }
    for (JsonNode t : a.body()) {
      if (t.get("name").asString().equals(name)) {
        JsonNode gpu = t.get("gpu");
        Map<String, String> selector = new LinkedHashMap<>();
        if (t.has("nodeSelector")) {
          t.get("nodeSelector").properties().forEach(e -> selector.put(e.getKey(), e.getValue().asString()));
        }
        return Optional.of(new WorkloadSpec.Resources(name, t.get("cpu").asDouble(), t.get("memoryGiB").asLong() << 30,
            gpu == null ? 0 : gpu.get("count").asInt(), gpu == null ? null : gpu.get("model").asString(), selector));
      }
    }
    return Optional.empty();
  }

  /** Every type's name, for the error that names what exists. */
  public java.util.List<String> names(String teamId) {
    ServiceCalls.Answer a = calls.call("job-service", calls.caller(teamId), "GET", jobs.resolve("/service/v1/machine-types"), null);
    java.util.List<String> out = new java.util.ArrayList<>();
    if (a.ok() && a.body() != null) {
      a.body().forEach(t -> out.add(t.get("name").asString()));
    }
    return out;
  }
}
