package dev.incline.platform.security;

import java.util.Locale;

/** A member's role in a team; later roles include the rights of earlier ones. */
public enum Role {
  VIEWER, MEMBER, ADMIN, OWNER;

  public boolean atLeast(Role other) {
    return compareTo(other) >= 0;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
