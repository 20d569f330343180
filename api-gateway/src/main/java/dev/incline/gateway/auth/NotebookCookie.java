package dev.incline.gateway.auth;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.ResponseCookie;

/**
 * A browser cannot send an API key header when it navigates to a notebook or opens its kernel's
 * WebSocket. It trades the key once, as {@code ?key=}, for a cookie scoped to that notebook's path
 * (see {@link ApiKeyAuthenticationFilter}). This class knows the cookie, the query parameter and the
 * paths they are good for.
 */
public final class NotebookCookie {

  public static final String NAME = "incline_notebook_key";
  static final String KEY_PARAMETER = "key";

  private static final Pattern NOTEBOOK_PATH = Pattern.compile("/notebooks/([A-Za-z0-9_-]{1,128})(/.*)?");

  private NotebookCookie() {}

  /**
   * {@code /notebooks/<id>/} when the request is for a path of one notebook, else null. The raw path
   * must say the same as the one the container normalized, so that dot segments or encoded slashes
   * cannot make a path look like a notebook's and be something else.
   */
  static String notebookPrefix(HttpServletRequest request) {
    String raw = request.getRequestURI().substring(request.getContextPath().length());
    String normalized = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
    String prefix = prefix(raw);
    return prefix != null && prefix.equals(prefix(normalized)) ? prefix : null;
  }

  private static String prefix(String path) {
    Matcher m = NOTEBOOK_PATH.matcher(path);
    return m.matches() ? "/notebooks/" + m.group(1) + "/" : null;
  }

  /** The decoded value of the first {@code key} query parameter, or null when there is none. */
  static String keyParameter(String rawQuery) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      if (isKey(pair, eq)) {
        try {
          return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          return "";
        }
      }
    }
    return null;
  }

  /** The raw query without any {@code key} parameter; null when nothing is left. */
  static String withoutKey(String rawQuery) {
    List<String> kept = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      if (!pair.isEmpty() && !isKey(pair, pair.indexOf('='))) {
        kept.add(pair);
      }
    }
    return kept.isEmpty() ? null : String.join("&", kept);
  }

  private static boolean isKey(String pair, int eq) {
    String name = eq < 0 ? pair : pair.substring(0, eq);
    try {
      return KEY_PARAMETER.equals(URLDecoder.decode(name, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The key in the request's notebook cookie, or null. */
  static String read(HttpServletRequest request) {
    Cookie[] cookies = request.getCookies();
    if (cookies == null) {
      return null;
    }
    for (Cookie c : cookies) {
      if (NAME.equals(c.getName()) && c.getValue() != null && !c.getValue().isBlank()) {
        return c.getValue();
      }
    }
    return null;
  }

  /**
   * The {@code Set-Cookie} value that keeps {@code key} for one notebook: sent only to its paths,
   * never readable by scripts, never sent along with a request another site starts.
   *
   * @throws IllegalArgumentException when the key has characters a cookie cannot hold
   */
  static String setCookie(String notebookPrefix, String key, boolean secure) {
    return ResponseCookie.from(NAME, key).path(notebookPrefix).httpOnly(true).sameSite("Strict").secure(secure)
        .build().toString();
  }

  /** A {@code Cookie} header without the notebook cookie, which must not reach the services; null when none is left. */
  public static String strip(String cookieHeader) {
    if (cookieHeader == null) {
      return null;
    }
    List<String> kept = new ArrayList<>();
    for (String pair : cookieHeader.split(";")) {
      String trimmed = pair.strip();
      int eq = trimmed.indexOf('=');
      String name = (eq < 0 ? trimmed : trimmed.substring(0, eq)).strip();
      if (!trimmed.isEmpty() && !name.equals(NAME)) {
        kept.add(trimmed);
      }
    }
    return kept.isEmpty() ? null : String.join("; ", kept);
  }
}
