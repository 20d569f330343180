package dev.incline.registry;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Models, their immutable versions and aliases. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ModelRegistryApplication {

  /** Every service reads its own {@code model-registry.yaml}: in the standalone they share one classpath. */
  public static final String CONFIG_NAME = "spring.config.name=model-registry";

  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(ModelRegistryApplication.class).properties(CONFIG_NAME);
  }

  public static void main(String[] args) {
    application().run(args);
  }
}
