package dev.incline.modelserver.model;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * {@code models} in {@code /actuator/health}: up once every model is loaded. Part of the readiness
 * group (model-server.yaml), so that {@code /actuator/health/readiness} agrees with {@code /v2/health/ready}.
 */
@Component("models")
class ModelsHealthIndicator extends AbstractHealthIndicator {

  private final ModelRepository models;

  ModelsHealthIndicator(ModelRepository models) {
    super("models health check failed");
    this.models = models;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    builder.status(models.allReady() ? "UP" : "DOWN");
    for (ServedModel model : models.all()) {
      builder.withDetail(model.name(), model.failure() != null ? model.failure() : model.state().name().toLowerCase(java.util.Locale.ROOT));
    }
  }
}
