package dev.incline.gateway.auth;

import dev.incline.gateway.account.AccountStore;
import dev.incline.gateway.account.ApiKeySecrets;
import dev.incline.gateway.account.Ids;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.security.Caller;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer <key>} or {@code X-API-Key: <key>} on every API path
 * and leaves the {@link Caller} on the request for routing, rate limits and audit.
 *
 * <p>A notebook's paths ({@code /notebooks/<id>/...}) also take the key the way a browser can give
 * it: {@code GET ?key=<key>} answers 303 to the same URL without the key and sets the
 * {@link NotebookCookie} for that notebook's path, which then stands in for the header. A key in a
 * header wins over the cookie. A request that the cookie authenticates and whose {@code Origin} is
 * another origin is refused: a page elsewhere must not drive a notebook (its kernel WebSocket above
 * all) with the user's cookie.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

  /** The verified key's id, for rate limits and audit. */
  public static final String KEY_ID = ApiKeyAuthenticationFilter.class.getName() + ".keyId";

  private static final long TOUCH_EVERY_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);

  private final AccountStore store;
  private final KeyCache cache;
  /** When this replica last recorded each key's use: {@code last_used_at} is minute-grained. */
  private final java.util.Map<java.util.UUID, Long> touched = new java.util.concurrent.ConcurrentHashMap<>();

  ApiKeyAuthenticationFilter(AccountStore store, KeyCache cache) {
    this.store = store;
    this.cache = cache;
  }

  static boolean protectedPath(String path) {
    return path.startsWith("/api/") || path.startsWith("/notebooks/") || path.startsWith("/deployments/");
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !protectedPath(request.getRequestURI());
  }

  @Override
  protected boolean shouldNotFilterAsyncDispatch() {
    return false;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (request.getAttribute(Caller.ATTRIBUTE) != null) {
      chain.doFilter(request, response);
      return;
    }
    String notebook = NotebookCookie.notebookPrefix(request);
    String queryKey = request.getRequestURI().startsWith("/notebooks/")
        ? NotebookCookie.keyParameter(request.getQueryString()) : null;
    if (queryKey != null) {
      tradeKeyForCookie(request, response, notebook, queryKey);
      return;
    }
    String secret = secret(request);
    boolean fromCookie = false;
    if (secret == null && notebook != null) {
      secret = NotebookCookie.read(request);
      fromCookie = secret != null;
    }
    if (secret == null) {
      Problems.write(response, 401, "Unauthorized", "unauthenticated",
          "an API key is required: Authorization: Bearer <key> or X-API-Key: <key>");
      return;
    }
    if (fromCookie && RequestOrigin.foreign(request)) {
      Problems.write(response, 403, "Forbidden", "forbidden",
          "a notebook's cookie is accepted only from pages of this origin; send the API key in a header");
      return;
    }
    Optional<AccountStore.Principal> principal = verify(secret);
    if (principal.isEmpty()) {
      Problems.write(response, 401, "Unauthorized", "unauthenticated", "the API key is not valid or was revoked");
      return;
    }
    AccountStore.Principal p = principal.get();
    request.setAttribute(Caller.ATTRIBUTE, new Caller(PublicId.encode(Ids.TEAM, p.teamId()), p.teamName(),
        PublicId.encode(Ids.USER, p.userId()), p.role(), p.platformAdmin()));
    request.setAttribute(KEY_ID, p.keyId());
    touch(p.keyId());
    chain.doFilter(request, response);
  }

  /**
   * {@code ?key=} on a notebook's path: a valid key becomes that notebook's cookie and the browser is
   * sent back to the URL without it, so that the key is never forwarded, logged upstream, or kept in
   * the page's address. Only navigations (GET, HEAD) trade; any other request with the parameter is
   * refused rather than forwarded with the key in it.
   */
  private void tradeKeyForCookie(HttpServletRequest request, HttpServletResponse response, String notebook,
      String key) throws IOException {
    if (notebook == null) {
      Problems.write(response, 400, "Bad Request", "invalid-parameter",
          "the key query parameter is accepted on a notebook's own paths only (/notebooks/<id>/...)");
      return;
    }
    if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
      Problems.write(response, 400, "Bad Request", "invalid-parameter",
          "the key query parameter is accepted on GET only; send the API key in a header");
      return;
    }
    Optional<AccountStore.Principal> principal = key.isBlank() ? Optional.empty() : verify(key);
    if (principal.isEmpty()) {
      Problems.write(response, 401, "Unauthorized", "unauthenticated", "the API key is not valid or was revoked");
      return;
    }
    String cookie;
    try {
      cookie = NotebookCookie.setCookie(notebook, key, RequestOrigin.https(request));
    } catch (IllegalArgumentException e) {
      Problems.write(response, 400, "Bad Request", "invalid-parameter",
          "this API key has characters a cookie cannot hold; send it in a header");
      return;
    }
    touch(principal.get().keyId());
    String path = request.getRequestURI();
    // the cookie's path ends in a slash, which the notebook's bare path does not match
    String location = (path.length() + 1 == notebook.length() ? notebook : path);
    String query = NotebookCookie.withoutKey(request.getQueryString());
    response.setStatus(HttpServletResponse.SC_SEE_OTHER);
    response.setHeader(HttpHeaders.LOCATION, query == null ? location : location + "?" + query);
    response.addHeader(HttpHeaders.SET_COOKIE, cookie);
    response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    response.setHeader("Referrer-Policy", "no-referrer");
  }

  private Optional<AccountStore.Principal> verify(String secret) {
    return cache.get(ApiKeySecrets.hash(secret), store::principal);
  }

  private void touch(java.util.UUID keyId) {
    long now = System.nanoTime();
    Long last = touched.get(keyId);
    if (last != null && now - last < TOUCH_EVERY_NANOS) {
      return;
    }
    touched.put(keyId, now);
    Thread.ofVirtual().start(() -> store.touchKey(keyId));
  }

  static String secret(HttpServletRequest request) {
    String auth = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String value = auth.substring(7).trim();
      return value.isEmpty() ? null : value;
    }
    String header = request.getHeader("X-API-Key");
    return header == null || header.isBlank() ? null : header.trim();
  }
}
