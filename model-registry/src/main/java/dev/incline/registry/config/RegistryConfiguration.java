package dev.incline.registry.config;

import dev.incline.platform.project.ProjectDirectory;
import dev.incline.platform.security.InternalTokens;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class RegistryConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  ProjectDirectory projectDirectory(RegistryProperties properties, InternalTokens tokens) {
    return new ProjectDirectory(properties.services().jobs(), tokens);
  }
}
