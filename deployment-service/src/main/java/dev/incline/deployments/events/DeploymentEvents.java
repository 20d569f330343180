package dev.incline.deployments.events;

import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.platform.service.ServiceCalls;
import dev.incline.platform.service.WorkloadEvents;
import org.springframework.stereotype.Component;

/** Status changes of deployments on the team's {@code /api/v1/events} stream ({@code kind: deployment}). */
@Component
public class DeploymentEvents extends WorkloadEvents {

  DeploymentEvents(DeploymentsProperties properties, ServiceCalls calls) {
    super(calls, properties.services().jobs(), "deployment");
  }
}
