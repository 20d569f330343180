package dev.incline.notebooks.notebook;

import java.time.Instant;
import java.util.List;

/**
 * A notebook as the API shows it. {@code url} is where it opens on the gateway; {@code shutdownAt} when
 * auto-shutdown stops the current run; {@code lastActivityAt} the last activity Jupyter reported.
 */
public record NotebookView(String id, String projectId, String name, String image, String machineType,
    int autoShutdownHours, List<NotebookInput> inputs, String status, String reason, String url, Instant startedAt,
    Instant shutdownAt, Instant lastActivityAt, String createdBy, Instant createdAt, Instant updatedAt) {}
