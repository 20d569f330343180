package dev.incline.gateway.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeySecretsTest {

  @Test
  void keysAreLongRandomAndHashedStably() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String key = ApiKeySecrets.generate();
      assertThat(key).matches("ink_[0-9A-Za-z]{40}");
      assertThat(seen.add(key)).isTrue();
    }
    String key = ApiKeySecrets.generate();
    assertThat(ApiKeySecrets.hash(key)).hasSize(64).isEqualTo(ApiKeySecrets.hash(key)).doesNotContain(key.substring(4));
    assertThat(ApiKeySecrets.displayPrefix(key)).isEqualTo(key.substring(0, 8));
  }
}
