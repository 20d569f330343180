package dev.incline.agent;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough JSON for the agent's few requests and answers: no library in a sidecar's jar. */
final class Json {

  private Json() {}

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** The string value of a top-level field of a flat object, or null. */
  static String stringField(String json, String name) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
    return m.find() ? unescape(m.group(1)) : null;
  }

  private static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 >= s.length()) {
        b.append(c);
        continue;
      }
      char e = s.charAt(++i);
      switch (e) {
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'u' -> {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
          i += 4;
        }
        default -> b.append(e); // \" \\ \/
      }
    }
    return b.toString();
  }

  /**
   * A whole JSON document as plain Java: objects as {@code Map<String, Object>} (in order), arrays as
   * {@code List<Object>}, strings, {@link BigDecimal} numbers, booleans and null.
   *
   * @throws IllegalArgumentException when it is not one well-formed JSON value
   */
  static Object parse(String json) {
    Reader r = new Reader(json);
    r.space();
    Object value = r.value(0);
    r.space();
    if (r.i != json.length()) {
      throw r.error("text after the JSON value");
    }
    return value;
  }

  /** A recursive-descent reader of RFC 8259 JSON, nested at most 64 deep. */
  private static final class Reader {
    private final String s;
    private int i;

    Reader(String s) {
      this.s = s;
    }

    Object value(int depth) {
      if (depth > 64) {
        throw error("nested too deep");
      }
      if (i >= s.length()) {
        throw error("unexpected end");
      }
      char c = s.charAt(i);
      return switch (c) {
        case '{' -> object(depth);
        case '[' -> array(depth);
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield number();
          }
          throw error("unexpected '" + c + "'");
        }
      };
    }

    private Map<String, Object> object(int depth) {
      Map<String, Object> map = new LinkedHashMap<>();
      i++;
      space();
      if (peek() == '}') {
        i++;
        return map;
      }
      while (true) {
        space();
        if (peek() != '"') {
          throw error("expected a field name");
        }
        String key = string();
        space();
        expect(':');
        space();
        map.put(key, value(depth + 1));
        space();
        if (peek() == ',') {
          i++;
          continue;
        }
        expect('}');
        return map;
      }
    }

    private List<Object> array(int depth) {
      List<Object> list = new ArrayList<>();
      i++;
      space();
      if (peek() == ']') {
        i++;
        return list;
      }
      while (true) {
        space();
        list.add(value(depth + 1));
        space();
        if (peek() == ',') {
          i++;
          continue;
        }
        expect(']');
        return list;
      }
    }

    private String string() {
      expect('"');
      StringBuilder b = new StringBuilder();
      while (true) {
        if (i >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(i++);
        if (c == '"') {
          return b.toString();
        }
        if (c < 0x20) {
          throw error("control character in a string");
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        if (i >= s.length()) {
          throw error("unterminated string");
        }
        char e = s.charAt(i++);
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            if (i + 4 > s.length()) {
              throw error("short \\u escape");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad \\u escape");
            }
            i += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }

    private BigDecimal number() {
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      String n = s.substring(start, i);
      if (!n.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
        throw error("not a number: " + n);
      }
      return new BigDecimal(n);
    }

    private Object literal(String word, Object value) {
      if (!s.startsWith(word, i)) {
        throw error("unexpected '" + s.charAt(i) + "'");
      }
      i += word.length();
      return value;
    }

    void space() {
      while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
    }

    private char peek() {
      if (i >= s.length()) {
        throw error("unexpected end");
      }
      return s.charAt(i);
    }

    private void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      i++;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException("malformed JSON at character " + i + ": " + what);
    }
  }
}
