package dev.incline.storage.config;

import dev.incline.platform.project.ProjectDirectory;
import dev.incline.platform.security.InternalTokens;
import dev.incline.storage.secret.SecretCipher;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  ProjectDirectory projectDirectory(StorageProperties properties, InternalTokens tokens) {
    return new ProjectDirectory(properties.services().jobs(), tokens);
  }

  @Bean
  SecretCipher secretCipher(StorageProperties properties) {
    return new SecretCipher(properties.encryption());
  }
}
