package dev.incline.notebooks;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Jupyter notebooks: their lifecycle on a runtime, auto-shutdown, idle culling, and the proxy to them. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class NotebookServiceApplication {

  /** Every service reads its own {@code notebook-service.yaml}: in the standalone they share one classpath. */
  public static final String CONFIG_NAME = "spring.config.name=notebook-service";

  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(NotebookServiceApplication.class).properties(CONFIG_NAME);
  }

  public static void main(String[] args) {
    application().run(args);
  }
}
