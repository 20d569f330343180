package dev.incline.storage;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Datasets and their immutable versions, storage providers, team secrets. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class StorageServiceApplication {

  /** Every service reads its own {@code storage-service.yaml}: in the standalone they share one classpath. */
  public static final String CONFIG_NAME = "spring.config.name=storage-service";

  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(StorageServiceApplication.class).properties(CONFIG_NAME);
  }

  public static void main(String[] args) {
    application().run(args);
  }
}
