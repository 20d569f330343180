package dev.incline.compute.logs;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gives each line of one read its {@link StampedPosition}: reading again from the floor of a second
 * re-reads every line with that time in the same order, so the counters come out the same.
 */
public final class StampedLineCounter {

  /** Equal timestamps are neighbours; remembering the last few thousand is plenty. */
  private static final int COUNTED_STAMPS = 4096;

  private final StampedPosition after;
  private final Map<Instant, Integer> seen = new LinkedHashMap<>(64, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Instant, Integer> eldest) {
      return size() > COUNTED_STAMPS;
    }
  };
  private StampedPosition lastEmitted;

  /** @param after lines at or before this position are skipped; null for none */
  public StampedLineCounter(StampedPosition after) {
    this.after = after;
  }

  /** The line's position, or null when it is at or before the resume position and must be skipped. */
  public StampedPosition next(String stamp, Instant time) {
    int index = seen.merge(time, 1, Integer::sum) - 1;
    StampedPosition position = new StampedPosition(stamp, time, index);
    if (after != null && !position.isAfter(after)) {
      return null;
    }
    lastEmitted = position;
    return position;
  }

  /** The position of the last line not skipped, or null when none was. */
  public StampedPosition lastEmitted() {
    return lastEmitted;
  }
}
