package dev.incline.jobs.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.incline.jobs.stream.Sequenced;
import java.time.Instant;

/** A status change of one of the team's workloads, as {@code /api/v1/events} sends it. */
public record WorkloadEvent(@JsonIgnore long seq, String kind, String id, String status, String reason, Integer exitCode,
    Instant time) implements Sequenced {}
