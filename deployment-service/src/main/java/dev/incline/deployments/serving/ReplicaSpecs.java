package dev.incline.deployments.serving;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.deployments.deployment.Deployment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Pure functions from a deployment and one of its replicas to the workload a local runtime runs. */
public final class ReplicaSpecs {

  /** Where a version's files appear inside a container: a read-only mount like a dataset's. */
  static final String MODEL_MOUNT = "model";

  private ReplicaSpecs() {}

  /**
   * @param runtime {@code process} or {@code docker}
   * @param replicaId the replica's public id (the workload's id)
   * @param hostPort the port a process replica listens on (null on docker)
   * @param modelDir the version's files on this machine (null for a custom image)
   * @param modelFile the ONNX file inside it
   */
  public static WorkloadSpec spec(String runtime, Deployment d, String replicaId, Integer hostPort, Path modelDir,
      String modelFile, WorkloadSpec.Resources resources, DeploymentsProperties.ModelServer server, List<String> customCommand) {
    boolean process = runtime.equals("process");
    if (process && hostPort == null) {
      throw new IllegalArgumentException("a process replica needs its host port");
    }
    WorkloadRef ref = new WorkloadRef(d.getTeamId(), WorkloadRef.Kind.DEPLOYMENT, replicaId);
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("incline.dev/deployment", DeploymentIds.publicId(d.getId()));
    labels.put("incline.dev/revision", Integer.toString(d.getRevision()));
    Map<String, String> env = new LinkedHashMap<>();
    List<String> command = new ArrayList<>();
    int port;
    List<WorkloadSpec.DatasetMount> mounts = List.of();
    String image;
    if (d.servesModel()) {
      if (modelDir == null || modelFile == null) {
        throw new IllegalArgumentException("a model replica needs its model's files");
      }
      image = server.image();
      port = process ? hostPort : server.port();
      String modelPath;
      if (process) {
        if (server.command().isEmpty()) {
          throw new IllegalStateException("incline.deployments.model-server.command is not set: the process runtime "
              + "cannot start the model server (set it to e.g. [java, -jar, /path/to/model-server-exec.jar])");
        }
        command.addAll(server.command());
        command.add("--server.address=127.0.0.1");
        modelPath = modelDir.resolve(modelFile).toString();
      } else {
        command.addAll(server.containerCommand());
        mounts = List.of(new WorkloadSpec.DatasetMount(MODEL_MOUNT, d.getModelVersionId(), modelDir));
        modelPath = "/datasets/" + MODEL_MOUNT + "/" + modelFile;
      }
      command.add("--server.port=" + port);
      command.add("--incline.model-server.models[0].name=" + d.getModelName());
      command.add("--incline.model-server.models[0].path=" + modelPath);
    } else {
      image = d.getImage();
      port = process ? hostPort : d.getPort();
      if (customCommand.isEmpty()) {
        if (process) {
          throw new IllegalStateException("a custom deployment on the process runtime needs a command");
        }
        // docker: an empty entrypoint is not possible through the SPI; the shell runs the image's default
        throw new IllegalStateException("a custom deployment needs a command");
      }
      command.addAll(customCommand);
    }
    env.put("PORT", Integer.toString(port));
    env.put("INCLINE_DEPLOYMENT_ID", DeploymentIds.publicId(d.getId()));
    env.put("INCLINE_REPLICA_ID", replicaId);
    return new WorkloadSpec(ref, d.getProjectId(), image, command, env, Map.of(), resources, List.of(port), labels, null, null)
        .withDatasets(mounts);
  }
}
