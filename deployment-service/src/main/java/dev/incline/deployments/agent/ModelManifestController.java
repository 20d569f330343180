package dev.incline.deployments.agent;

import dev.incline.deployments.deployment.Deployment;
import dev.incline.deployments.deployment.DeploymentRepository;
import dev.incline.deployments.model.ModelRegistryClient;
import dev.incline.deployments.serving.DeploymentIds;
import dev.incline.platform.error.NotFoundException;
import io.swagger.v3.oas.annotations.Hidden;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * For the init container of a model deployment's pods on Kubernetes ({@code incline-agent
 * fetch-model}): the files of the version the deployment serves now, with fresh presigned URLs (a pod
 * may start days after the deployment did), sizes and SHA-256 from the registry. The ONNX file the
 * model server loads is listed as {@code model.onnx} whatever its name in the version: the server
 * serves {@code /models/<name>/model.onnx}.
 */
@RestController
@Hidden // not part of the public API: the gateway does not route /internal/**
class ModelManifestController {

  /** The name the model server loads. */
  static final String MODEL_FILE = "model.onnx";

  /** One file: where it goes under the model's directory, and where to download it. */
  record ManifestFile(String path, long size, String sha256, URI url) {}

  record Manifest(List<ManifestFile> files) {}

  private final DeploymentRepository deployments;
  private final ModelRegistryClient registry;

  ModelManifestController(DeploymentRepository deployments, ModelRegistryClient registry) {
    this.deployments = deployments;
    this.registry = registry;
  }

  @GetMapping(path = "/internal/v1/deployments/{id}/model-manifest", produces = MediaType.APPLICATION_JSON_VALUE)
  Manifest manifest(@AuthenticationPrincipal Jwt token, @PathVariable String id) {
    DeploymentTokens.Claims claims = DeploymentTokens.Claims.forDeployment(token, id);
    Deployment d = DeploymentIds.decode(id).flatMap(uuid -> deployments.findByTeamIdAndId(claims.teamId(), uuid))
        .filter(x -> !x.isDeleted() && x.servesModel())
        .orElseThrow(() -> new NotFoundException("deployment", id));
    // pinned to the version the deployment serves, not to the reference it was made from
    ModelRegistryClient.ResolvedModel m = registry.resolve(registry.serviceCaller(d.getTeamId()),
        d.getModelId() + ":" + d.getModelVersionId(), "model");
    String onnx = m.onnxFile();
    if (onnx == null) {
      throw new IllegalStateException(m.name() + ":" + m.version() + " has no ONNX file to serve");
    }
    List<ManifestFile> files = new ArrayList<>();
    for (ModelRegistryClient.ModelFile f : m.files()) {
      files.add(new ManifestFile(f.path().equals(onnx) ? MODEL_FILE : f.path(), f.size(), f.sha256(),
          registry.fileUrl(d.getTeamId(), m.modelId(), m.versionId(), f.path())));
    }
    return new Manifest(files);
  }
}
