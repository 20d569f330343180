package dev.incline.jobs;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Projects, jobs, workspaces, logs, metrics and artifacts. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class JobServiceApplication {

  /** Every service reads its own {@code job-service.yaml}: in the standalone they share one classpath. */
  public static final String CONFIG_NAME = "spring.config.name=job-service";

  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(JobServiceApplication.class).properties(CONFIG_NAME);
  }

  public static void main(String[] args) {
    application().run(args);
  }
}
