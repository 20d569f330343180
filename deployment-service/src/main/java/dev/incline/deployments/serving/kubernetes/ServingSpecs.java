package dev.incline.deployments.serving.kubernetes;

import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.kubernetes.serving.ServingResources;
import dev.incline.compute.kubernetes.serving.ServingSpec;
import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.deployments.deployment.Deployment;
import dev.incline.deployments.serving.DeploymentIds;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure functions from a deployment's record to the {@link ServingSpec} Kubernetes runs: the model
 * server's image with its own entrypoint and the model fetched by the agent for a model, the custom
 * image with its command under {@code /bin/sh -c} otherwise. No cluster calls here.
 */
public final class ServingSpecs {

  private ServingSpecs() {}

  /**
   * @param resources what the deployment's machine type grants each replica
   * @param agentUrl where pods reach this service ({@code incline.deployments.agent-url}); needed for models
   */
  public static ServingSpec spec(Deployment d, WorkloadSpec.Resources resources, DeploymentsProperties.ModelServer server,
      URI agentUrl) {
    String id = DeploymentIds.publicId(d.getId());
    Map<String, String> env = new LinkedHashMap<>();
    env.put("INCLINE_DEPLOYMENT_ID", id);
    if (d.servesModel()) {
      if (agentUrl == null) {
        throw new IllegalStateException("incline.deployments.agent-url is not set: the pods of a model deployment "
            + "cannot fetch their model (set it to the URL pods reach deployment-service at)");
      }
      env.put("PORT", Integer.toString(server.port()));
      ServingSpec.Model model = new ServingSpec.Model(d.getModelName(), d.getModelVersionId(), manifestUrl(agentUrl, id),
          tokenSecretName(d.getTeamId(), id));
      // the image's entrypoint starts the model server: it reads the port and the model directory from its environment
      return new ServingSpec(d.getTeamId(), id, d.getProjectId(), d.getRevision(), server.image(), List.of(), server.port(),
          env, resources, d.getMinReplicas(), d.getMaxReplicas(), d.getTargetConcurrency(), d.getHealthPath(), model);
    }
    env.put("PORT", Integer.toString(d.getPort()));
    List<String> command = d.getCommand() == null || d.getCommand().isBlank() ? List.of()
        : List.of("/bin/sh", "-c", d.getCommand());
    return new ServingSpec(d.getTeamId(), id, d.getProjectId(), d.getRevision(), d.getImage(), command, d.getPort(), env,
        resources, d.getMinReplicas(), d.getMaxReplicas(), d.getTargetConcurrency(), d.getHealthPath(), null);
  }

  /** {@code <agent-url>/internal/v1/deployments/<id>/model-manifest}: what the agent reads with the deployment's token. */
  public static URI manifestUrl(URI agentUrl, String deploymentId) {
    return URI.create(agentUrl.toString().replaceAll("/+$", "") + "/internal/v1/deployments/" + deploymentId + "/model-manifest");
  }

  /** The Secret in the team namespace that holds the deployment's token: {@code deployment-<id>-token}. */
  public static String tokenSecretName(String teamId, String deploymentId) {
    return ServingResources.name(ServingResources.ref(teamId, deploymentId)) + "-token";
  }
}
