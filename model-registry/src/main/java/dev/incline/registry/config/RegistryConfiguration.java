package dev.incline.registry.config;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class RegistryConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }
}
