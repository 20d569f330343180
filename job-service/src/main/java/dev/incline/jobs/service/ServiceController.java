package dev.incline.jobs.service;

import dev.incline.jobs.events.WorkloadEvents;
import dev.incline.jobs.machine.MachineTypeCatalog;
import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.security.Caller;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * What other services ask job-service for, under {@code /service/v1} (the gateway routes nothing
 * there, and {@code /internal} belongs to agents): the team's event stream, which every kind of
 * workload shares, and the full machine type catalog, node selectors included.
 */
@RestController
class ServiceController {

  /** Kinds other services may record: jobs record their own events. */
  private static final Set<String> FOREIGN_KINDS = Set.of("deployment", "notebook");

  private final WorkloadEvents events;
  private final MachineTypeCatalog catalog;
  private final Clock clock;

  ServiceController(WorkloadEvents events, MachineTypeCatalog catalog, Clock clock) {
    this.events = events;
    this.catalog = catalog;
    this.clock = clock;
  }

  /** @param id the workload's public id, {@code <prefix>_<base32 uuid>} */
  record EventRequest(String kind, String id, String status, String reason) {}

  @PostMapping("/service/v1/events")
  @ResponseStatus(HttpStatus.ACCEPTED)
  void record(Caller caller, @RequestBody EventRequest r) {
    requireService(caller);
    if (r.kind() == null || !FOREIGN_KINDS.contains(r.kind())) {
      throw new InvalidRequestException("kind", "must be one of " + FOREIGN_KINDS);
    }
    if (r.status() == null || r.status().isBlank() || r.status().length() > 40) {
      throw new InvalidRequestException("status", "must be a status name");
    }
    UUID workload = workloadUuid(r.id());
    String reason = r.reason() == null ? null : r.reason().length() > 2000 ? r.reason().substring(0, 2000) : r.reason();
    events.recordForeign(caller.teamId(), r.kind(), workload, r.id(), r.status(), reason, clock.instant());
  }

  /** The catalog with what Kubernetes needs to place a workload (node labels). */
  @GetMapping("/service/v1/machine-types")
  List<Map<String, Object>> machineTypes(Caller caller) {
    requireService(caller);
    return catalog.machineTypes().stream().map(t -> {
      Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("name", t.name());
      m.put("cpu", t.cpu());
      m.put("memoryGiB", t.memoryGib());
      if (t.gpu() != null) {
        m.put("gpu", Map.of("count", t.gpu().count(), "model", t.gpu().model()));
      }
      m.put("nodeSelector", t.nodeSelector());
      return m;
    }).toList();
  }

  /** Only services act here: a user's token (which never leaves the gateway anyway) does not. */
  private static void requireService(Caller caller) {
    if (caller.userId() == null || !caller.userId().startsWith("service:")) {
      throw ApiExceptions.forbidden("only platform services call /service/v1");
    }
  }

  private static UUID workloadUuid(String id) {
    if (id != null) {
      int cut = id.indexOf('_');
      if (cut > 0) {
        var uuid = dev.incline.platform.id.PublicId.decode(id.substring(0, cut), id);
        if (uuid.isPresent()) {
          return uuid.get();
        }
      }
    }
    throw new InvalidRequestException("id", "must be a workload's public id");
  }
}
