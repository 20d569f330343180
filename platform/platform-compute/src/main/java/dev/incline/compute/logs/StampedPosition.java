package dev.incline.compute.logs;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Where a line is in a log whose engine stamps every line with an RFC 3339 time (Docker, the
 * kubelet): the time as the engine wrote it, and the line's index among lines with that time. Engines
 * only resume from a time ({@code since}, {@code sinceTime}), and from whole seconds at that, so a
 * reader asks for the floor of the time and skips what is at or before the position.
 */
public record StampedPosition(String stamp, Instant time, int index) {

  public String wire() {
    return stamp + "#" + index;
  }

  /** The position of {@link #wire()}; null for null or blank. */
  public static StampedPosition parse(String wire) {
    if (wire == null || wire.isBlank()) {
      return null;
    }
    int hash = wire.lastIndexOf('#');
    Instant time = hash > 0 ? parseTime(wire.substring(0, hash)) : null;
    if (time == null) {
      throw new IllegalArgumentException("not a log position: " + wire);
    }
    try {
      return new StampedPosition(wire.substring(0, hash), time, Integer.parseInt(wire.substring(hash + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a log position: " + wire);
    }
  }

  /** The {@code since} to ask the engine for: whole seconds, rounded down so nothing is missed. */
  public long sinceSeconds() {
    return time.getEpochSecond();
  }

  public boolean isAfter(StampedPosition other) {
    int c = time.compareTo(other.time);
    return c > 0 || (c == 0 && index > other.index);
  }

  /** An RFC 3339 time as engines write them, or null when {@code s} is not one. */
  public static Instant parseTime(String s) {
    if (s.length() < 20 || s.charAt(4) != '-' || s.charAt(10) != 'T') {
      return null;
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
