package dev.incline.gateway.auth;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.Locale;

/**
 * The origin a request was sent to, as the browser saw it: behind a TLS-terminating proxy or ingress,
 * that is what its {@code X-Forwarded-Proto} and {@code -Host} say. Trusting those headers is safe for
 * the check below: a page on another site can make a browser send its {@code Origin}, but cannot make
 * it add these headers to a navigation or a WebSocket handshake.
 */
final class RequestOrigin {

  private RequestOrigin() {}

  static boolean https(HttpServletRequest request) {
    String proto = first(request.getHeader("X-Forwarded-Proto"));
    return proto == null ? request.isSecure() : proto.equalsIgnoreCase("https");
  }

  /** Whether the request carries an {@code Origin} other than its own (a page on another origin sent it). */
  static boolean foreign(HttpServletRequest request) {
    String origin = request.getHeader("Origin");
    if (origin == null) {
      return false;
    }
    String own = own(request);
    return own == null || !own.equals(normalize(origin));
  }

  private static String own(HttpServletRequest request) {
    String host = first(request.getHeader("X-Forwarded-Host"));
    if (host == null) {
      host = request.getHeader("Host");
    }
    if (host == null || host.isBlank()) {
      return null;
    }
    String port = first(request.getHeader("X-Forwarded-Port"));
    if (port != null && !host.endsWith("]") && host.indexOf(':') < 0) {
      host = host + ":" + port;
    }
    return normalize((https(request) ? "https" : "http") + "://" + host.strip());
  }

  /** {@code scheme://host[:port]} in lower case, without the scheme's default port; "" when malformed. */
  private static String normalize(String origin) {
    try {
      URI uri = new URI(origin.strip());
      if (uri.getScheme() == null || uri.getHost() == null || uri.getRawUserInfo() != null
          || (uri.getRawPath() != null && !uri.getRawPath().isEmpty())) {
        return "";
      }
      String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      int port = uri.getPort();
      boolean defaultPort = port < 0 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
      return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    } catch (java.net.URISyntaxException e) {
      return "";
    }
  }

  private static String first(String listValue) {
    if (listValue == null) {
      return null;
    }
    int comma = listValue.indexOf(',');
    String first = (comma < 0 ? listValue : listValue.substring(0, comma)).strip();
    return first.isEmpty() ? null : first;
  }
}
