package dev.incline.modelserver;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Serves ONNX models over the Open Inference Protocol (KServe V2) REST API. One process per deployment
 * replica; see {@code docs/model-server.md}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ModelServerApplication {

  /** Reads {@code model-server.yaml}, like every Incline service reads its own file. */
  public static final String CONFIG_NAME = "spring.config.name=model-server";

  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(ModelServerApplication.class).properties(CONFIG_NAME);
  }

  public static void main(String[] args) {
    application().run(args);
  }
}
