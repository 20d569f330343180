package dev.incline.modelserver.health;

import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Server health and metadata. Live as soon as it answers; ready once every model is loaded and until
 * shutdown begins. Not ready is a 503 (the protocol asks only for a non-200), so a Kubernetes probe can
 * point at {@code /v2/health/ready} directly.
 */
@RestController
class HealthController {

  static final String SERVER_NAME = "incline-model-server";

  private final ServingState state;
  private final String version;

  HealthController(ServingState state, ObjectProvider<BuildProperties> build) {
    this.state = state;
    BuildProperties properties = build.getIfAvailable();
    this.version = properties != null && properties.getVersion() != null ? properties.getVersion() : "unknown";
  }

  record Live(boolean live) {}

  record Ready(boolean ready) {}

  record ServerMetadata(String name, String version, List<String> extensions) {}

  @GetMapping("/v2/health/live")
  Live live() {
    return new Live(true);
  }

  @GetMapping("/v2/health/ready")
  ResponseEntity<Ready> ready() {
    boolean ready = state.ready();
    return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(new Ready(ready));
  }

  @GetMapping("/v2")
  ServerMetadata metadata() {
    return new ServerMetadata(SERVER_NAME, version, List.of());
  }
}
