package dev.incline.deployments;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Model-serving deployments: replicas of the model server, rolling updates, autoscaling, inference routing. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class DeploymentServiceApplication {

  /** Every service reads its own {@code deployment-service.yaml}: in the standalone they share one classpath. */
  public static final String CONFIG_NAME = "spring.config.name=deployment-service";

  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(DeploymentServiceApplication.class).properties(CONFIG_NAME);
  }

  public static void main(String[] args) {
    application().run(args);
  }
}
