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
    String secret = secret(request);
    if (secret == null) {
      Problems.write(response, 401, "Unauthorized", "unauthenticated",
          "an API key is required: Authorization: Bearer <key> or X-API-Key: <key>");
      return;
    }
    Optional<AccountStore.Principal> principal = cache.get(ApiKeySecrets.hash(secret), store::principal);
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
