package dev.incline.gateway.ratelimit;

import dev.incline.gateway.auth.ApiKeyAuthenticationFilter;
import dev.incline.gateway.auth.Problems;
import dev.incline.gateway.config.GatewayProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Per-key request budget: a 429 with {@code Retry-After} once a key's bucket is empty. Buckets live in
 * this replica's memory, so with N replicas a key may get up to N times the rate; documented.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class RateLimitFilter extends OncePerRequestFilter {

  private final Map<UUID, TokenBucket> buckets = new ConcurrentHashMap<>();
  private final GatewayProperties.RateLimit limit;

  RateLimitFilter(GatewayProperties properties) {
    this.limit = properties.rateLimit();
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Object keyId = request.getAttribute(ApiKeyAuthenticationFilter.KEY_ID);
    if (keyId instanceof UUID id && limit.requestsPerSecond() > 0) {
      long now = System.nanoTime();
      long wait = buckets.computeIfAbsent(id, k -> new TokenBucket(limit.requestsPerSecond(), limit.burst(), now)).tryTake(now);
      if (wait > 0) {
        long seconds = Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
        response.setHeader("Retry-After", Long.toString(seconds));
        Problems.write(response, 429, "Too Many Requests", "rate-limited",
            "this API key is limited to " + limit.requestsPerSecond() + " requests per second; retry after " + seconds + " s");
        return;
      }
    }
    chain.doFilter(request, response);
  }
}
