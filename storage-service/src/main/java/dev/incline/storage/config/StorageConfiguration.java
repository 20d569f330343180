package dev.incline.storage.config;

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
  SecretCipher secretCipher(StorageProperties properties) {
    return new SecretCipher(properties.encryption());
  }
}
