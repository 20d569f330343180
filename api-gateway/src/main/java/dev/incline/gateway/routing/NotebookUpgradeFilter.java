package dev.incline.gateway.routing;

import dev.incline.gateway.auth.NotebookCookie;
import dev.incline.gateway.auth.Problems;
import dev.incline.gateway.config.GatewayProperties;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import dev.incline.platform.web.UpgradeTunnel;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Tunnels a notebook's upgrade requests (the Jupyter kernel's WebSocket) to notebook-service, which
 * the gateway's router cannot: Spring Cloud Gateway's servlet flavour does not proxy upgrades. Runs
 * after authentication and the rate limit, so the caller is known and has paid for the handshake; the
 * upstream gets what routed requests get: a fresh internal token and none of the client's credentials.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 40)
class NotebookUpgradeFilter extends OncePerRequestFilter {

  private final URI notebooks;
  private final InternalTokens tokens;

  NotebookUpgradeFilter(GatewayProperties properties, InternalTokens tokens) {
    this.notebooks = properties.services().notebooks();
    this.tokens = tokens;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !request.getRequestURI().startsWith("/notebooks/") || !UpgradeTunnel.isUpgrade(request);
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException {
    if (!(request.getAttribute(Caller.ATTRIBUTE) instanceof Caller caller)) {
      Problems.write(response, 401, "Unauthorized", "unauthenticated", "an API key is required");
      return;
    }
    String query = request.getQueryString() == null ? "" : "?" + request.getQueryString();
    URI target = URI.create(notebooks.getScheme() + "://" + notebooks.getRawAuthority() + request.getRequestURI() + query);
    String token = tokens.issue(caller);
    UpgradeTunnel.relay(request, response, target, h -> {
      h.remove(HttpHeaders.AUTHORIZATION);
      h.remove("X-API-Key");
      h.remove(InternalTokens.HEADER);
      String cookies = NotebookCookie.strip(String.join("; ", h.all(HttpHeaders.COOKIE)));
      h.remove(HttpHeaders.COOKIE);
      if (cookies != null) {
        h.set(HttpHeaders.COOKIE, cookies);
      }
      h.set(InternalTokens.HEADER, token);
    });
  }
}
