package dev.incline.storage.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incline.storage.config.StorageProperties;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretCipherTest {

  private static String key(int fill) {
    byte[] k = new byte[32];
    java.util.Arrays.fill(k, (byte) fill);
    return Base64.getEncoder().encodeToString(k);
  }

  @Test
  void sealsWithFreshNoncesAndOpensOnlyInItsContext() {
    SecretCipher c = new SecretCipher(new StorageProperties.Encryption(Map.of("k1", key(1)), null));
    byte[] value = "s3cr3t".getBytes(StandardCharsets.UTF_8);
    SecretCipher.Sealed a = c.seal(value, "secret/team_a//X");
    SecretCipher.Sealed b = c.seal(value, "secret/team_a//X");
    assertThat(a.ciphertext()).isNotEqualTo(b.ciphertext());
    assertThat(new String(a.ciphertext(), StandardCharsets.ISO_8859_1)).doesNotContain("s3cr3t");
    assertThat(c.open(a, "secret/team_a//X")).isEqualTo(value);
    // moved to another team's row: does not open, and the error says nothing of the value
    assertThatThrownBy(() -> c.open(a, "secret/team_b//X")).hasMessageNotContaining("s3cr3t").hasMessageContaining("does not open");
    a.ciphertext()[20] ^= 1;
    assertThatThrownBy(() -> c.open(a, "secret/team_a//X")).hasMessageContaining("does not open");
  }

  @Test
  void rotationKeepsOldValuesReadableAndSealsNewOnesWithTheActiveKey() {
    SecretCipher before = new SecretCipher(new StorageProperties.Encryption(Map.of("k1", key(1)), "k1"));
    SecretCipher.Sealed old = before.seal("v".getBytes(), "ctx");
    SecretCipher after = new SecretCipher(new StorageProperties.Encryption(Map.of("k1", key(1), "k2", key(2)), "k2"));
    assertThat(after.open(old, "ctx")).isEqualTo("v".getBytes());
    assertThat(after.seal("v".getBytes(), "ctx").keyId()).isEqualTo("k2");
    SecretCipher removed = new SecretCipher(new StorageProperties.Encryption(Map.of("k2", key(2)), "k2"));
    assertThatThrownBy(() -> removed.open(old, "ctx")).hasMessageContaining("no longer configured");
  }

  @Test
  void refusesMissingOrWeakKeys() {
    assertThatThrownBy(() -> new SecretCipher(new StorageProperties.Encryption(Map.of(), null))).hasMessageContaining("openssl rand");
    assertThatThrownBy(() -> new SecretCipher(new StorageProperties.Encryption(Map.of("k", Base64.getEncoder().encodeToString(new byte[16])), null)))
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> new SecretCipher(new StorageProperties.Encryption(Map.of("a", key(1), "b", key(2)), null)))
        .hasMessageContaining("active-key");
  }
}
