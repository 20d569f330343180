package dev.incline.modelserver.health;

import dev.incline.modelserver.config.ModelServerProperties;
import dev.incline.modelserver.model.ModelRepository;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.stereotype.Component;

/**
 * Whether the server takes traffic: every model loaded, and not shutting down.
 *
 * <p>Shutdown order on SIGTERM: the context-closed event comes first, and readiness turns false here
 * (for {@code /v2/health/ready} and {@code /actuator/health/readiness}); the server keeps serving for
 * {@code drain-delay} so that load balancers notice; then graceful shutdown stops accepting and waits
 * for requests in flight ({@code server.shutdown=graceful}); only then are the sessions closed.
 */
@Component
public class ServingState implements ApplicationListener<ContextClosedEvent> {

  private static final Logger log = LoggerFactory.getLogger(ServingState.class);

  private final ModelRepository models;
  private final ApplicationContext context;
  private final Duration drainDelay;
  private volatile boolean draining;

  ServingState(ModelRepository models, ApplicationContext context, ModelServerProperties properties) {
    this.models = models;
    this.context = context;
    this.drainDelay = properties.drainDelay();
  }

  public boolean ready() {
    return !draining && models.allReady();
  }

  public boolean draining() {
    return draining;
  }

  @Override
  public void onApplicationEvent(ContextClosedEvent event) {
    if (event.getApplicationContext() != context || draining) {
      return;
    }
    draining = true;
    AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
    if (drainDelay.isPositive()) {
      log.info("shutting down: reporting not ready, still serving for {} (drain-delay)", drainDelay);
      try {
        Thread.sleep(drainDelay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else {
      log.info("shutting down: reporting not ready");
    }
  }
}
