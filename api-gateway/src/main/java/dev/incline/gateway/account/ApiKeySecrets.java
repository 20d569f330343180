package dev.incline.gateway.account;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * API key secrets: {@code ink_} and 40 random base62 characters (238 bits). Stored only as SHA-256:
 * a fast hash is right for a random secret of this length, unlike for passwords, and keeps
 * verification cheap on every request.
 */
public final class ApiKeySecrets {

  private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();
  public static final String PREFIX = "ink_";
  public static final int MIN_LENGTH = 16;

  private ApiKeySecrets() {}

  public static String generate() {
    StringBuilder sb = new StringBuilder(PREFIX);
    for (int i = 0; i < 40; i++) {
      sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }

  public static String hash(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What is shown in key lists: enough to recognize a key, useless to use it. */
  public static String displayPrefix(String secret) {
    return secret.substring(0, Math.min(secret.length(), 8));
  }
}
