package dev.incline.gateway;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The front door: accounts, API keys, rate limits, audit, and routing to the services. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GatewayApplication {

  /** Every service reads its own {@code api-gateway.yaml}: in the standalone they share one classpath. */
  public static final String CONFIG_NAME = "spring.config.name=api-gateway";

  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(GatewayApplication.class).properties(CONFIG_NAME);
  }

  public static void main(String[] args) {
    application().run(args);
  }
}
