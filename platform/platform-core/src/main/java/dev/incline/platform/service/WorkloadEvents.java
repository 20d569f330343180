package dev.incline.platform.service;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Status changes of a service's workloads (deployments, notebooks) on the team's {@code /api/v1/events}
 * stream, which job-service keeps for every kind of workload ({@code POST /service/v1/events}). Sent in
 * order, one at a time, off the caller's thread; a change that cannot be sent (job-service down) is
 * logged and skipped: the workload's own status is the record, the stream is a notification.
 */
public class WorkloadEvents {

  private static final Logger log = LoggerFactory.getLogger(WorkloadEvents.class);

  private final URI jobs;
  private final ServiceCalls calls;
  private final String kind;
  private final ExecutorService sender;

  /**
   * @param jobs job-service's base URL
   * @param kind the events' {@code kind}: {@code deployment}, {@code notebook}
   */
  public WorkloadEvents(ServiceCalls calls, URI jobs, String kind) {
    this.jobs = jobs;
    this.calls = calls;
    this.kind = kind;
    this.sender = Executors.newSingleThreadExecutor(Thread.ofVirtual().name(kind + "-events").factory());
  }

  public void publish(String teamId, String id, String status, String reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("kind", kind);
    body.put("id", id);
    body.put("status", status);
    body.put("reason", reason);
    sender.execute(() -> {
      try {
        ServiceCalls.Answer a = calls.call("job-service", calls.caller(teamId), "POST", jobs.resolve("/service/v1/events"), body);
        if (!a.ok()) {
          log.warn("event {} {} not recorded: job-service answered {}", id, status, a.status());
        }
      } catch (RuntimeException e) {
        log.warn("event {} {} not recorded: {}", id, status, e.getMessage());
      }
    });
  }
}
