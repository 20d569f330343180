package dev.incline.platform.id;

import dev.incline.platform.error.NotFoundException;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Public identifiers: a type prefix and a UUIDv7 in Crockford base32, e.g. {@code job_01jd8x4m2q7r9s0t1v2w3x4y5z}.
 *
 * <p>UUIDv7 is time-ordered, so primary keys stay index-friendly and cursors sort by creation time;
 * the prefix makes an id self-describing and lets us reject a project id passed where a job id is
 * expected. Decoding is strict and case-insensitive; anything malformed decodes to empty, which
 * callers turn into a 404 (a malformed id names nothing, it is not a validation error).
 */
public final class PublicId {

  private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
  private static final int[] DECODE = new int[128];
  private static final int ENCODED_LENGTH = 26;
  private static final SecureRandom RANDOM = new SecureRandom();

  static {
    java.util.Arrays.fill(DECODE, -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      DECODE[ALPHABET[i]] = i;
      DECODE[Character.toUpperCase(ALPHABET[i])] = i;
    }
  }

  private PublicId() {}

  /** A new time-ordered (version 7) UUID. */
  public static UUID newUuid() {
    long millis = System.currentTimeMillis();
    long randA = RANDOM.nextInt(1 << 12);
    long msb = (millis << 16) | (0x7L << 12) | randA;
    long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb);
  }

  public static String encode(String prefix, UUID id) {
    char[] out = new char[ENCODED_LENGTH];
    long hi = id.getMostSignificantBits();
    long lo = id.getLeastSignificantBits();
    // 128 bits into 26 five-bit groups: the first group holds the top 3 bits.
    for (int i = ENCODED_LENGTH - 1; i >= 0; i--) {
      out[i] = ALPHABET[(int) (lo & 0x1F)];
      lo = (lo >>> 5) | (hi << 59);
      hi >>>= 5;
    }
    return prefix + "_" + new String(out);
  }

  public static Optional<UUID> decode(String prefix, String value) {
    if (value == null || value.length() != prefix.length() + 1 + ENCODED_LENGTH) {
      return Optional.empty();
    }
    if (!value.regionMatches(true, 0, prefix + "_", 0, prefix.length() + 1)) {
      return Optional.empty();
    }
    long hi = 0;
    long lo = 0;
    for (int i = prefix.length() + 1; i < value.length(); i++) {
      char c = value.charAt(i);
      int v = c < 128 ? DECODE[c] : -1;
      if (v < 0) {
        return Optional.empty();
      }
      hi = (hi << 5) | (lo >>> 59);
      lo = (lo << 5) | v;
    }
    // The first character may carry only 3 bits; a larger value would overflow 128 bits.
    if (DECODE[value.charAt(prefix.length() + 1)] > 7) {
      return Optional.empty();
    }
    return Optional.of(new UUID(hi, lo));
  }

  /** Decodes or throws a 404 naming the kind of thing that was not found. */
  public static UUID require(String prefix, String value, String what) {
    return decode(prefix, value).orElseThrow(() -> new NotFoundException(what, value));
  }

  public static String newId(String prefix) {
    return encode(prefix, newUuid());
  }

  static String normalize(String value) {
    return value.toLowerCase(Locale.ROOT);
  }
}
