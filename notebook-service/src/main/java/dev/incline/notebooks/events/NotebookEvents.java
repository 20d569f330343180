package dev.incline.notebooks.events;

import dev.incline.notebooks.config.NotebooksProperties;
import dev.incline.platform.service.ServiceCalls;
import dev.incline.platform.service.WorkloadEvents;
import org.springframework.stereotype.Component;

/** Status changes of notebooks on the team's {@code /api/v1/events} stream ({@code kind: notebook}). */
@Component
public class NotebookEvents extends WorkloadEvents {

  NotebookEvents(NotebooksProperties properties, ServiceCalls calls) {
    super(calls, properties.services().jobs(), "notebook");
  }
}
