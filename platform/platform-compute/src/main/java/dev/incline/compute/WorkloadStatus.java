package dev.incline.compute;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

/**
 * @param phase the phase
 * @param exitCode the main process's exit code once finished, when the engine knows it
 * @param reason a human reason for a failure or a wait (OOMKilled, image missing, ...), or null
 * @param startedAt when the main process started, or null
 * @param finishedAt when it ended, or null
 * @param endpoints reachable addresses of exposed ports, by container port
 */
public record WorkloadStatus(Phase phase, Integer exitCode, String reason, Instant startedAt, Instant finishedAt,
    Map<Integer, URI> endpoints) {

  public static WorkloadStatus notFound() {
    return new WorkloadStatus(Phase.NOT_FOUND, null, null, null, null, Map.of());
  }
}
