package dev.incline.notebooks.proxy;

import dev.incline.notebooks.notebook.Notebook;
import dev.incline.notebooks.notebook.NotebookIds;
import dev.incline.notebooks.notebook.NotebookRepository;
import dev.incline.notebooks.notebook.NotebookStatus;
import dev.incline.notebooks.runtime.Routes;
import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.security.Caller;
import dev.incline.platform.web.UpgradeTunnel;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import java.util.UUID;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /notebooks/{id}/**}: a running notebook's Jupyter, over HTTP and WebSocket (kernel channels,
 * terminals), for its team only; anyone else gets the 404 of a notebook that does not exist. Jupyter's
 * base URL is this same path, so paths pass unchanged.
 */
@RestController
class NotebookProxyController {

  private final Routes routes;
  private final NotebookRepository notebooks;
  private final JupyterProxy proxy;

  NotebookProxyController(Routes routes, NotebookRepository notebooks, JupyterProxy proxy) {
    this.routes = routes;
    this.notebooks = notebooks;
    this.proxy = proxy;
  }

  /** Jupyter's pages are relative to the base URL with its slash. */
  @RequestMapping("/notebooks/{id}")
  void withoutSlash(Caller caller, @PathVariable String id, HttpServletResponse response) {
    route(caller, id);
    response.setStatus(HttpServletResponse.SC_MOVED_PERMANENTLY);
    response.setHeader("Location", "/notebooks/" + id + "/");
  }

  @RequestMapping("/notebooks/{id}/**")
  void proxy(Caller caller, @PathVariable String id, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Routes.Route route = route(caller, id);
    String query = request.getQueryString();
    String base = route.endpoint().toString().replaceAll("/+$", "");
    URI target = URI.create(base + request.getRequestURI() + (query == null ? "" : "?" + query));
    if (UpgradeTunnel.isUpgrade(request)) {
      UpgradeTunnel.relay(request, response, URI.create(target.toString()), h -> {
        for (String name : JupyterProxy.REQUEST_SKIPPED) {
          if (!name.equals("upgrade") && !name.equals("connection") && !name.equals("host")) {
            h.remove(name);
          }
        }
        h.set("Authorization", "token " + route.token());
      });
      return;
    }
    try {
      proxy.forward(target, route.token(), request, response);
    } catch (JupyterProxy.Unreachable e) {
      response.setHeader("Retry-After", "2");
      throw ApiExceptions.unavailable("notebook " + id + " does not answer now (its Jupyter may be stopping or restarting); try again");
    }
  }

  /** The notebook's route when it is the caller's team's and running; its problem otherwise. */
  private Routes.Route route(Caller caller, String id) {
    Optional<UUID> uuid = NotebookIds.decode(id);
    if (uuid.isEmpty()) {
      throw new NotFoundException("notebook", id);
    }
    Optional<Routes.Route> known = routes.get(uuid.get());
    if (known.isPresent()) {
      if (!known.get().teamId().equals(caller.teamId())) {
        throw new NotFoundException("notebook", id);
      }
      return known.get();
    }
    Notebook n = notebooks.findByTeamIdAndId(caller.teamId(), uuid.get()).filter(x -> !x.isDeleted())
        .orElseThrow(() -> new NotFoundException("notebook", id));
    if (n.getStatus() == NotebookStatus.RUNNING && n.getEndpoint() != null && n.getToken() != null) {
      Routes.Route r = new Routes.Route(n.getTeamId(), URI.create(n.getEndpoint()), n.getToken());
      routes.put(n.getId(), r);
      return r;
    }
    String hint = switch (n.getStatus()) {
      case PENDING, PROVISIONING -> "it is starting; try again in a few seconds";
      case STOPPING, STOPPED -> "it is " + n.getStatus().wire() + "; start it with POST /api/v1/notebooks/" + id + "/start";
      case FAILED -> "it Failed (" + n.getReason() + "); start it again with POST /api/v1/notebooks/" + id + "/start";
      case RUNNING -> "it is starting; try again in a few seconds";
    };
    throw ApiExceptions.unavailable("notebook " + id + " is not running: " + hint);
  }
}
