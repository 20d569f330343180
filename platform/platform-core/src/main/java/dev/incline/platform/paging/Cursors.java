package dev.incline.platform.paging;

import dev.incline.platform.error.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Opaque list cursors and the {@code limit} parameter's bounds. */
public final class Cursors {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;

  private Cursors() {}

  public static String encode(String position) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
  }

  /** The position inside a cursor, or null for the first page. */
  public static String decode(String cursor) {
    if (cursor == null || cursor.isBlank()) {
      return null;
    }
    try {
      return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("cursor", "is not a cursor returned by this list");
    }
  }

  /**
   * The row id inside a cursor of a list paged by id, or null for the first page; anything else
   * than a cursor of such a list is a 422 on {@code cursor}.
   */
  public static java.util.UUID decodeId(String cursor) {
    String position = decode(cursor);
    if (position == null) {
      return null;
    }
    try {
      return java.util.UUID.fromString(position);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("cursor", "is not a cursor returned by this list");
    }
  }

  public static int limit(Integer requested) {
    if (requested == null) {
      return DEFAULT_LIMIT;
    }
    if (requested < 1 || requested > MAX_LIMIT) {
      throw new InvalidRequestException("limit", "must be between 1 and " + MAX_LIMIT);
    }
    return requested;
  }
}
