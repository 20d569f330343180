package dev.incline.deployments.model;

import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.platform.service.ServiceCalls;
import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.security.Caller;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/** model-registry as a deployment sees it: references resolved to versions, and their files. */
@Component
public class ModelRegistryClient {

  private final URI base;
  private final ServiceCalls calls;

  ModelRegistryClient(DeploymentsProperties properties, ServiceCalls calls) {
    this.base = properties.services().models();
    this.calls = calls;
  }

  public record ModelFile(String path, long size, String sha256) {}

  /** A resolved model version: what a deployment serves. */
  public record ResolvedModel(String modelId, String name, String versionId, int version, String format, List<ModelFile> files) {

    /** The ONNX file the model server loads: {@code model.onnx}, else the only {@code .onnx} file. */
    public String onnxFile() {
      List<String> onnx = files.stream().map(ModelFile::path).filter(p -> p.endsWith(".onnx")).toList();
      if (onnx.contains("model.onnx")) {
        return "model.onnx";
      }
      return onnx.size() == 1 ? onnx.getFirst() : null;
    }
  }

  /**
   * Resolves {@code <model>[:<version|alias>]} for the caller's team; a reference to nothing (or to
   * another team's model) is a 422 on {@code field}.
   */
  /** deployment-service itself, acting for a team outside any request (a reconciler, an agent's call). */
  public Caller serviceCaller(String teamId) {
    return calls.caller(teamId);
  }

  public ResolvedModel resolve(Caller caller, String ref, String field) {
    ServiceCalls.Answer a = calls.call("model-registry", caller, "GET",
        base.resolve("/api/v1/model-versions/" + URLEncoder.encode(ref, StandardCharsets.UTF_8)), null);
    if (a.status() == 404 || a.status() == 400 || a.status() == 422) {
      throw new InvalidRequestException(field, "no model version " + ref + " in this team"
          + (a.body() != null && a.body().has("detail") ? ": " + a.body().get("detail").asString() : ""));
    }
    if (!a.ok() || a.body() == null) {
      throw ApiExceptions.unavailable("model-registry answered " + a.status() + " resolving " + ref + "; try again");
    }
    JsonNode v = a.body();
    List<ModelFile> files = new ArrayList<>();
    v.get("files").forEach(f -> files.add(new ModelFile(f.get("path").asString(), f.get("size").asLong(), f.get("sha256").asString())));
    return new ResolvedModel(v.get("modelId").asString(), v.get("model").asString(), v.get("id").asString(), v.get("version").asInt(),
        v.get("format").asString(), files);
  }

  /** A presigned URL for one file of a version, fresh (URLs expire; replicas start long after a deploy). */
  public URI fileUrl(String teamId, String modelId, String versionId, String path) {
    String encoded = String.join("/", java.util.Arrays.stream(path.split("/"))
        .map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20")).toList());
    ServiceCalls.Answer a = calls.call("model-registry", calls.caller(teamId), "GET",
        base.resolve("/api/v1/models/" + modelId + "/versions/" + versionId + "/files/" + encoded + "?redirect=false"), null);
    if (!a.ok() || a.body() == null || !a.body().has("url")) {
      throw new IllegalStateException("model-registry answered " + a.status() + " for " + path + " of " + versionId);
    }
    return URI.create(a.body().get("url").asString());
  }
}
