package dev.incline.deployments.serving;

import dev.incline.deployments.deployment.DeploymentRepository;
import dev.incline.platform.security.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /deployments/{id}/**}: inference (the Open Inference Protocol's {@code /v2/...} for models,
 * anything for a custom image), routed to a ready replica. Only the deployment's team gets in;
 * anyone else gets the same 404 as for a deployment that does not exist. Errors here are the
 * protocol's {@code {"error": "..."}}, like the model server's own.
 */
@RestController
class InferenceController {

  /** Inference bodies are read whole (to retry on another replica); larger requests are refused. */
  static final long MAX_BODY = 64L << 20;

  private final ReplicaPool pool;
  private final InferenceProxy proxy;
  private final DeploymentRepository deployments;

  InferenceController(ReplicaPool pool, InferenceProxy proxy, DeploymentRepository deployments) {
    this.pool = pool;
    this.proxy = proxy;
    this.deployments = deployments;
  }

  @RequestMapping("/deployments/{id}/**")
  void infer(Caller caller, @PathVariable String id, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Optional<UUID> uuid = DeploymentIds.decode(id);
    if (uuid.isEmpty() || !owned(caller.teamId(), uuid.get())) {
      send(response, 404, "deployment " + id + " not found");
      return;
    }
    String prefix = request.getContextPath() + "/deployments/" + id;
    String raw = request.getRequestURI();
    String rest = raw.length() > prefix.length() ? raw.substring(prefix.length()) : "/";
    try {
      if (!proxy.forward(uuid.get(), rest, request, response, MAX_BODY)) {
        send(response, 413, "the request is larger than " + (MAX_BODY >> 20) + " MiB");
      }
    } catch (InferenceProxy.Unavailable e) {
      response.setHeader("Retry-After", "1");
      send(response, 503, e.getMessage());
    }
  }

  /** The routing table knows the owner of every deployment it routes; others are looked up. */
  private boolean owned(String teamId, UUID id) {
    Optional<String> team = pool.team(id);
    if (team.isPresent()) {
      return team.get().equals(teamId);
    }
    return deployments.findByTeamIdAndId(teamId, id).filter(d -> !d.isDeleted()).isPresent();
  }

  private static void send(HttpServletResponse response, int status, String message) throws IOException {
    if (response.isCommitted()) {
      return;
    }
    response.setStatus(status);
    response.setContentType("application/json");
    byte[] body = InferenceProxy.error(message);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
