package dev.incline.deployments.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Deployment service configuration.
 *
 * @param services where the other services listen
 * @param modelServer how replicas run the model server
 * @param modelCache where model versions are kept on this machine for process and docker replicas,
 *     one read-only directory per team and version
 * @param reconcileInterval how often replicas are checked, started, rolled and scaled
 * @param readyTimeout how long a new replica may take to become ready before it counts as failed
 * @param maxFailures replicas of one revision that may fail before the deployment is Failed
 * @param drainTimeout how long a replica taken out of routing may finish its requests
 * @param maxReplicas the most replicas any deployment may ask for
 * @param autoscaling how replicas follow the load
 * @param agentUrl where pods on Kubernetes reach this service, e.g.
 *     {@code http://incline-deployment-service.incline.svc:8084}: the init container of a model
 *     deployment reads its model's manifest there; unset, model deployments cannot run on Kubernetes
 * @param modelTokenTtl how long the token a model deployment's pods fetch their model with is valid;
 *     a new one is written into the deployment's Secret every half of it
 */
@ConfigurationProperties("incline.deployments")
public record DeploymentsProperties(
    @DefaultValue Services services,
    @DefaultValue ModelServer modelServer,
    Path modelCache,
    @DefaultValue("1s") Duration reconcileInterval,
    @DefaultValue("3m") Duration readyTimeout,
    @DefaultValue("3") int maxFailures,
    @DefaultValue("30s") Duration drainTimeout,
    @DefaultValue("16") int maxReplicas,
    @DefaultValue Autoscaling autoscaling,
    URI agentUrl,
    @DefaultValue("24h") Duration modelTokenTtl) {

  public DeploymentsProperties {
    modelCache = modelCache != null ? modelCache : Path.of(System.getProperty("user.home"), ".incline", "models");
  }

  /**
   * @param jobs job-service base URL (projects, machine types, the event stream)
   * @param models model-registry base URL (model references, files)
   */
  public record Services(@DefaultValue("http://127.0.0.1:8081") URI jobs, @DefaultValue("http://127.0.0.1:8083") URI models) {}

  /**
   * @param command the argv that starts the model server on the process runtime (e.g. {@code java -jar
   *     model-server.jar}); the service adds the port and the model
   * @param image the model server image on docker and kubernetes
   * @param containerCommand the argv that starts it inside that image (the image's entrypoint, which
   *     docker replaces with the workload's command)
   * @param port the port the model server listens on in a container
   */
  public record ModelServer(List<String> command, @DefaultValue("incline/model-server:latest") String image,
      List<String> containerCommand, @DefaultValue("8080") int port) {
    public ModelServer {
      command = command == null ? List.of() : List.copyOf(command);
      containerCommand = containerCommand == null || containerCommand.isEmpty()
          ? List.of("java", "--enable-native-access=ALL-UNNAMED", "-Donnxruntime.native.path=/app/native", "-cp", "/app",
              "org.springframework.boot.loader.launch.JarLauncher")
          : List.copyOf(containerCommand);
    }
  }

  /**
   * @param window how long the load is averaged over when scaling up
   * @param scaleDownDelay how long the load must stay low before replicas are removed
   */
  public record Autoscaling(@DefaultValue("10s") Duration window, @DefaultValue("60s") Duration scaleDownDelay) {}
}
