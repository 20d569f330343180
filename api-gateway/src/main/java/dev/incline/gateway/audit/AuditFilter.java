package dev.incline.gateway.audit;

import dev.incline.gateway.account.Ids;
import dev.incline.gateway.auth.ApiKeyAuthenticationFilter;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.security.Caller;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Records every authenticated mutating call to the API once it has been answered. Traffic to what
 * workloads serve ({@code /deployments/<id>/...} inference, {@code /notebooks/<id>/...}) is data, not
 * a change to the platform: it is not audited (a database row per inference would cost more than the
 * inference), and the deployment's own metrics count it.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 30)
class AuditFilter extends OncePerRequestFilter {

  private static final Logger log = LoggerFactory.getLogger(AuditFilter.class);
  private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");

  private final AuditLog audit;
  private final Clock clock;

  AuditFilter(AuditLog audit, Clock clock) {
    this.audit = audit;
    this.clock = clock;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !MUTATING.contains(request.getMethod()) || !request.getRequestURI().startsWith("/api/");
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      chain.doFilter(request, response);
    } finally {
      if (request.getAttribute(Caller.ATTRIBUTE) instanceof Caller caller) {
        try {
          audit.record(PublicId.decode(Ids.TEAM, caller.teamId()).orElse(null),
              PublicId.decode(Ids.USER, caller.userId()).orElse(null),
              (UUID) request.getAttribute(ApiKeyAuthenticationFilter.KEY_ID),
              request.getMethod(), request.getRequestURI(), response.getStatus(), request.getRemoteAddr(), clock.instant());
        } catch (RuntimeException e) {
          log.error("could not write the audit event of {} {}", request.getMethod(), request.getRequestURI(), e);
        }
      }
    }
  }
}
