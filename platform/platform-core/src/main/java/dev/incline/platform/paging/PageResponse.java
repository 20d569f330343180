package dev.incline.platform.paging;

import java.util.List;
import java.util.function.Function;

/** One page of a list: {@code {"items": [...], "nextCursor": "..."|null}}. */
public record PageResponse<T>(List<T> items, String nextCursor) {

  /**
   * Builds a page from rows fetched with {@code limit + 1}: the extra row only says that there is a
   * next page, and the cursor is made from the last row that is returned.
   */
  public static <R, T> PageResponse<T> of(List<R> rowsPlusOne, int limit, Function<R, T> map, Function<R, String> cursorOf) {
    boolean more = rowsPlusOne.size() > limit;
    List<R> rows = more ? rowsPlusOne.subList(0, limit) : rowsPlusOne;
    String next = more ? Cursors.encode(cursorOf.apply(rows.getLast())) : null;
    return new PageResponse<>(rows.stream().map(map).toList(), next);
  }
}
