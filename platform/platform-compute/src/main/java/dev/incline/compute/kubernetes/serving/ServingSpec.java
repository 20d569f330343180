package dev.incline.compute.kubernetes.serving;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One model-serving deployment as Kubernetes should run it: built by deployment-service from its
 * records; pure data. Every change of what the pods run comes with a new {@code revision}, which is
 * what {@link KubernetesServing#apply} compares: the same revision applied again changes nothing.
 *
 * @param team the team, as in {@link WorkloadRef}
 * @param deploymentId the deployment's public id (lower-case letters, digits, '_' and '-', as {@link WorkloadRef} ids)
 * @param projectId the project it belongs to (a label), or null
 * @param revision bumped by the service on every change of this spec; 0 or more
 * @param image the serving container's image (the model server's for a model deployment)
 * @param command its argv; empty for the image's own entrypoint
 * @param containerPort the port it serves HTTP on, also its metrics (Prometheus) and health endpoints
 * @param env environment variables of the serving container (never secrets: they are in the pod spec)
 * @param resources what the machine type grants each replica: CPU, memory, GPUs and their node selector
 * @param minReplicas replicas at least; 0 together with {@code maxReplicas} 0 for a deployment scaled to nothing
 * @param maxReplicas replicas at most; above {@code minReplicas} the replicas follow the load (an HPA)
 * @param targetConcurrency in-flight requests per replica the autoscaler aims at
 * @param healthPath HTTP path of readiness, e.g. {@code /v2/health/ready}
 * @param model the model version to serve, fetched into the pod before the server starts; null for a
 *     custom image that brings its own
 */
public record ServingSpec(
    String team,
    String deploymentId,
    String projectId,
    int revision,
    String image,
    List<String> command,
    int containerPort,
    Map<String, String> env,
    WorkloadSpec.Resources resources,
    int minReplicas,
    int maxReplicas,
    int targetConcurrency,
    String healthPath,
    Model model) {

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
  private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

  public ServingSpec {
    // team and id become namespace, object names and labels: WorkloadRef checks them
    new WorkloadRef(team, WorkloadRef.Kind.DEPLOYMENT, deploymentId);
    if (projectId != null && !LABEL_VALUE.matcher(projectId).matches()) {
      throw new IllegalArgumentException("projectId must be a label value: " + projectId);
    }
    if (revision < 0) {
      throw new IllegalArgumentException("revision must be 0 or more: " + revision);
    }
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException("a deployment needs an image");
    }
    command = command == null ? List.of() : List.copyOf(command);
    if (containerPort < 1 || containerPort > 65535) {
      throw new IllegalArgumentException("containerPort must be 1-65535: " + containerPort);
    }
    env = env == null ? Map.of() : Map.copyOf(env);
    for (String name : env.keySet()) {
      if (!ENV_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("not an environment variable name: " + name);
      }
    }
    resources = resources == null ? WorkloadSpec.Resources.none() : resources;
    if (minReplicas < 0 || maxReplicas < minReplicas) {
      throw new IllegalArgumentException("replicas must be 0 <= min <= max: " + minReplicas + ".." + maxReplicas);
    }
    if (minReplicas == 0 && maxReplicas > 0) {
      // an HPA cannot scale from zero (HPAScaleToZero is an alpha feature gate)
      throw new IllegalArgumentException("an autoscaled deployment needs at least one replica");
    }
    if (targetConcurrency < 1) {
      throw new IllegalArgumentException("targetConcurrency must be 1 or more: " + targetConcurrency);
    }
    if (healthPath == null || !healthPath.startsWith("/") || healthPath.chars().anyMatch(c -> c <= ' ')) {
      throw new IllegalArgumentException("healthPath must be an absolute HTTP path: " + healthPath);
    }
  }

  /** The deployment as a workload: what names, labels and ownership checks are made from. */
  public WorkloadRef ref() {
    return new WorkloadRef(team, WorkloadRef.Kind.DEPLOYMENT, deploymentId);
  }

  /** Whether the replicas follow the load: an HPA between min and max. */
  public boolean autoscaled() {
    return maxReplicas > minReplicas;
  }

  /**
   * The model version a model deployment serves.
   *
   * @param name the model's name on the server ({@code /v2/models/<name>}) and its directory, {@code /models/<name>}
   * @param versionId the model version's public id
   * @param manifestUrl where the agent reads the version's file list (paths, sizes, SHA-256, presigned URLs)
   * @param tokenSecretName Secret in the team namespace whose key {@code token} the agent sends as its bearer token
   */
  public record Model(String name, String versionId, URI manifestUrl, String tokenSecretName) {

    // as the model server's names, without '.' first: a directory name that is never "." or ".."
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern SECRET = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    public Model {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("not a model name: " + name);
      }
      if (versionId == null || !versionId.matches("[A-Za-z0-9_-]{1,100}")) {
        throw new IllegalArgumentException("not a version id: " + versionId);
      }
      Objects.requireNonNull(manifestUrl, "manifestUrl");
      if (!"http".equals(manifestUrl.getScheme()) && !"https".equals(manifestUrl.getScheme())) {
        throw new IllegalArgumentException("the model manifest must be an http(s) URL: " + manifestUrl);
      }
      if (tokenSecretName == null || !SECRET.matcher(tokenSecretName).matches()) {
        throw new IllegalArgumentException("not a Secret name: " + tokenSecretName);
      }
    }
  }
}
