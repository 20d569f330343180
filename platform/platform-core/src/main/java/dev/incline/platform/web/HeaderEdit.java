package dev.incline.platform.web;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Request headers on their way upstream: names compare case-insensitively, order and repeated values
 * are kept. Values are checked as they are set, because they are written onto the wire as they are: a
 * line break in one would let it smuggle a header or a second request.
 */
public final class HeaderEdit {

  private record Header(String name, List<String> values) {}

  private final Map<String, Header> headers = new LinkedHashMap<>();

  /** The first value of {@code name}, or null. */
  public String get(String name) {
    Header h = headers.get(key(name));
    return h == null ? null : h.values().getFirst();
  }

  /** Every value of {@code name}, in order; empty when absent. */
  public List<String> all(String name) {
    Header h = headers.get(key(name));
    return h == null ? List.of() : List.copyOf(h.values());
  }

  public boolean contains(String name) {
    return headers.containsKey(key(name));
  }

  /** The header names, as they will be sent. */
  public Set<String> names() {
    Set<String> names = new LinkedHashSet<>();
    headers.values().forEach(h -> names.add(h.name()));
    return names;
  }

  /** Replaces every value of {@code name} with {@code value}. */
  public HeaderEdit set(String name, String value) {
    checkValue(value);
    List<String> values = new ArrayList<>();
    values.add(value);
    headers.put(key(name), new Header(name, values));
    return this;
  }

  /** Adds a value after any that {@code name} has. */
  public HeaderEdit add(String name, String value) {
    checkValue(value);
    headers.computeIfAbsent(key(name), k -> new Header(name, new ArrayList<>())).values().add(value);
    return this;
  }

  public HeaderEdit remove(String name) {
    headers.remove(key(name));
    return this;
  }

  void forEach(BiConsumer<String, String> action) {
    headers.values().forEach(h -> h.values().forEach(v -> action.accept(h.name(), v)));
  }

  private static String key(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a header name must not be empty");
    }
    for (int i = 0; i < name.length(); i++) {
      if (!tokenChar(name.charAt(i))) {
        throw new IllegalArgumentException("not a valid header name: " + name);
      }
    }
    return name.toLowerCase(Locale.ROOT);
  }

  private static void checkValue(String value) {
    if (value == null) {
      throw new IllegalArgumentException("a header value must not be null");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n' || c == 0 || c > 0xff) {
        throw new IllegalArgumentException("a header value must be one line of ISO-8859-1 text");
      }
    }
  }

  /** RFC 9110 token characters. */
  private static boolean tokenChar(char c) {
    return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
  }
}
