package dev.incline.notebooks.events;

import dev.incline.notebooks.config.NotebooksProperties;
import dev.incline.notebooks.config.ServiceCalls;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Status changes of notebooks on the team's {@code /api/v1/events} stream, which job-service keeps
 * for every kind of workload. Sent in order, one at a time, off the reconciler's thread; a change
 * that cannot be sent (job-service down) is logged and skipped: the notebook's own status is the
 * record, the stream is a notification.
 */
@Component
public class NotebookEvents {

  private static final Logger log = LoggerFactory.getLogger(NotebookEvents.class);

  private final URI jobs;
  private final ServiceCalls calls;
  private final ExecutorService sender = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("notebook-events").factory());

  NotebookEvents(NotebooksProperties properties, ServiceCalls calls) {
    this.jobs = properties.services().jobs();
    this.calls = calls;
  }

  public void publish(String teamId, String notebookId, String status, String reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("kind", "notebook");
    body.put("id", notebookId);
    body.put("status", status);
    body.put("reason", reason);
    sender.execute(() -> {
      try {
        ServiceCalls.Answer a = calls.call("job-service", ServiceCalls.service(teamId), "POST", jobs.resolve("/service/v1/events"), body);
        if (!a.ok()) {
          log.warn("event {} {} not recorded: job-service answered {}", notebookId, status, a.status());
        }
      } catch (RuntimeException e) {
        log.warn("event {} {} not recorded: {}", notebookId, status, e.getMessage());
      }
    });
  }
}
