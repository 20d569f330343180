package dev.incline.notebooks.runtime;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Where each running notebook's Jupyter answers, and with which token: what the proxy needs on every
 * request, kept here so that a request costs no database read. The reconciler fills it as runs become
 * ready and empties it as they end; after a restart it is rebuilt from the rows of running notebooks.
 */
@Component
public class Routes {

  /** @param endpoint Jupyter's address, without the base path */
  public record Route(String teamId, URI endpoint, String token) {}

  private final Map<UUID, Route> routes = new ConcurrentHashMap<>();

  public void put(UUID notebook, Route route) {
    routes.put(notebook, route);
  }

  public void remove(UUID notebook) {
    routes.remove(notebook);
  }

  public Optional<Route> get(UUID notebook) {
    return Optional.ofNullable(routes.get(notebook));
  }
}
