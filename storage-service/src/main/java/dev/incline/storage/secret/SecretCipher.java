package dev.incline.storage.secret;

import dev.incline.storage.config.StorageProperties;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with a fresh 96-bit nonce per value. The associated data binds a ciphertext to where
 * it belongs (team and name), so a row copied elsewhere in the database does not open.
 */
public final class SecretCipher {

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final Map<String, SecretKey> keys;
  private final String activeKey;
  private final SecureRandom random = new SecureRandom();

  public SecretCipher(StorageProperties.Encryption config) {
    if (config.keys().isEmpty()) {
      throw new IllegalStateException("incline.storage.encryption.keys is empty: configure at least one "
          + "256-bit AES key (base64, e.g. `openssl rand -base64 32`) and name it in incline.storage.encryption.active-key");
    }
    Map<String, SecretKey> parsed = new LinkedHashMap<>();
    config.keys().forEach((id, value) -> {
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(value.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("incline.storage.encryption.keys." + id + " is not base64");
      }
      if (bytes.length != 32) {
        throw new IllegalStateException("incline.storage.encryption.keys." + id + " must be 32 bytes (256 bits), not " + bytes.length);
      }
      parsed.put(id, new SecretKeySpec(bytes, "AES"));
    });
    String active = config.activeKey();
    if (active == null || active.isBlank()) {
      if (parsed.size() > 1) {
        throw new IllegalStateException("incline.storage.encryption.active-key must name one of the " + parsed.size() + " keys");
      }
      active = parsed.keySet().iterator().next();
    }
    if (!parsed.containsKey(active)) {
      throw new IllegalStateException("incline.storage.encryption.active-key '" + active + "' is not one of the keys");
    }
    this.keys = Map.copyOf(parsed);
    this.activeKey = active;
  }

  public String activeKey() {
    return activeKey;
  }

  public Sealed seal(byte[] plain, String context) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, keys.get(activeKey), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(context.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      byte[] sealed = c.doFinal(plain);
      return new Sealed(activeKey, ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  public byte[] open(Sealed sealed, String context) {
    SecretKey key = keys.get(sealed.keyId());
    if (key == null) {
      throw new IllegalStateException("a value is sealed with key '" + sealed.keyId() + "', which is no longer configured");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed.ciphertext(), 0, NONCE_BYTES));
      c.updateAAD(context.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return c.doFinal(sealed.ciphertext(), NONCE_BYTES, sealed.ciphertext().length - NONCE_BYTES);
    } catch (javax.crypto.AEADBadTagException e) {
      // never the value, never the key: only that it does not open
      throw new IllegalStateException("a sealed value does not open with key '" + sealed.keyId() + "' (tampered or moved)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /** A ciphertext (nonce first) and the id of the key that sealed it. */
  public record Sealed(String keyId, byte[] ciphertext) {}
}
