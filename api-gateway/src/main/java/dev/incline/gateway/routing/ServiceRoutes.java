package dev.incline.gateway.routing;

import static org.springframework.cloud.gateway.server.mvc.handler.GatewayRouterFunctions.route;
import static org.springframework.cloud.gateway.server.mvc.handler.HandlerFunctions.http;
import static org.springframework.web.servlet.function.RequestPredicates.path;

import dev.incline.gateway.auth.NotebookCookie;
import dev.incline.gateway.config.GatewayProperties;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import java.util.List;
import org.springframework.cloud.gateway.server.mvc.filter.BeforeFilterFunctions;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.function.RequestPredicate;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Routes API paths to the service that owns them. Each forwarded request carries a fresh internal
 * token for the authenticated caller; the client's credentials and any token it sent are dropped.
 */
@Configuration(proxyBeanMethods = false)
class ServiceRoutes {

  @Bean
  RouterFunction<ServerResponse> jobServiceRoutes(GatewayProperties properties, InternalTokens tokens) {
    RequestPredicate paths = prefixes("/api/v1/projects", "/api/v1/jobs", "/api/v1/workspaces",
        "/api/v1/machine-types", "/api/v1/events");
    return route("job-service")
        .route(paths, http())
        .before(BeforeFilterFunctions.uri(properties.services().jobs()))
        .before(request -> withInternalToken(request, tokens))
        .build();
  }

  @Bean
  RouterFunction<ServerResponse> storageServiceRoutes(GatewayProperties properties, InternalTokens tokens) {
    RequestPredicate paths = prefixes("/api/v1/datasets", "/api/v1/dataset-versions", "/api/v1/storage-providers",
        "/api/v1/secrets");
    return route("storage-service")
        .route(paths, http())
        .before(BeforeFilterFunctions.uri(properties.services().storage()))
        .before(request -> withInternalToken(request, tokens))
        .build();
  }

  @Bean
  RouterFunction<ServerResponse> modelRegistryRoutes(GatewayProperties properties, InternalTokens tokens) {
    return route("model-registry")
        .route(prefixes("/api/v1/models", "/api/v1/model-versions"), http())
        .before(BeforeFilterFunctions.uri(properties.services().models()))
        .before(request -> withInternalToken(request, tokens))
        .build();
  }

  /**
   * Deployments, and inference on them: {@code /deployments/<id>/v2/...} goes to deployment-service,
   * which checks that the deployment is the caller's team's and routes to one of its replicas.
   */
  @Bean
  RouterFunction<ServerResponse> deploymentServiceRoutes(GatewayProperties properties, InternalTokens tokens) {
    return route("deployment-service")
        .route(prefixes("/api/v1/deployments", "/deployments"), http())
        .before(BeforeFilterFunctions.uri(properties.services().deployments()))
        .before(request -> withInternalToken(request, tokens))
        .build();
  }

  /**
   * Notebooks, and what a running notebook serves: {@code /notebooks/<id>/...} goes to notebook-service,
   * which checks that the notebook is the caller's team's and forwards to its Jupyter server. Upgrade
   * requests (the kernel's WebSocket) never get here: {@link NotebookUpgradeFilter} tunnels them. The
   * gateway's notebook cookie is the caller's API key and stays behind; the notebook's own cookies
   * (Jupyter's XSRF token) go on.
   */
  @Bean
  RouterFunction<ServerResponse> notebookServiceRoutes(GatewayProperties properties, InternalTokens tokens) {
    return route("notebook-service")
        .route(prefixes("/api/v1/notebooks", "/notebooks"), http())
        .before(BeforeFilterFunctions.uri(properties.services().notebooks()))
        .before(request -> withInternalToken(request, tokens))
        .before(ServiceRoutes::withoutNotebookCookie)
        .build();
  }

  static RequestPredicate prefixes(String... prefixes) {
    RequestPredicate any = null;
    for (String p : prefixes) {
      RequestPredicate one = path(p).or(path(p + "/**"));
      any = any == null ? one : any.or(one);
    }
    return any;
  }

  static ServerRequest withInternalToken(ServerRequest request, InternalTokens tokens) {
    Caller caller = (Caller) request.attribute(Caller.ATTRIBUTE)
        .orElseThrow(() -> new IllegalStateException("routed request without an authenticated caller"));
    String token = tokens.issue(caller);
    return ServerRequest.from(request).headers(h -> {
      h.remove(HttpHeaders.AUTHORIZATION);
      h.remove("X-API-Key");
      h.remove(InternalTokens.HEADER);
      h.set(InternalTokens.HEADER, token);
    }).build();
  }

  static ServerRequest withoutNotebookCookie(ServerRequest request) {
    List<String> cookies = request.headers().header(HttpHeaders.COOKIE);
    if (cookies.isEmpty()) {
      return request;
    }
    return ServerRequest.from(request).headers(h -> {
      h.remove(HttpHeaders.COOKIE);
      for (String cookie : cookies) {
        String kept = NotebookCookie.strip(cookie);
        if (kept != null) {
          h.add(HttpHeaders.COOKIE, kept);
        }
      }
    }).build();
  }
}
