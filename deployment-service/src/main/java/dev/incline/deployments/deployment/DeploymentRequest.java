package dev.incline.deployments.deployment;

/**
 * {@code POST /api/v1/deployments} and {@code PATCH /api/v1/deployments/{id}}. A deployment serves
 * either {@code model} ({@code <model>[:<version|alias>]}) or {@code image} (+ {@code command},
 * {@code port}). In a PATCH every field is optional and absent fields keep their value.
 *
 * @param command a shell command line, run as {@code /bin/sh -c}; the port is in {@code $PORT}
 * @param healthPath what a replica answers 200 on once it can serve; the model server's
 *     {@code /v2/health/ready} by default
 */
public record DeploymentRequest(String projectId, String name, String model, String image, String command, Integer port,
    String healthPath, String machineType, Replicas replicas, Autoscaling autoscaling) {

  public record Replicas(Integer min, Integer max) {}

  public record Autoscaling(Integer targetConcurrency) {}
}
