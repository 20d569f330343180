package dev.incline.registry.model;

import dev.incline.platform.id.PublicId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** What the model endpoints return, and the JSON kept in a version's columns. */
public final class Views {

  public static final String MODEL = "mdl";
  public static final String VERSION = "mdv";

  private Views() {}

  public record ModelView(String id, String projectId, String name, String format, String description,
      Integer latestVersion, Map<String, Integer> aliases, String createdBy, Instant createdAt) {}

  public record VersionView(String id, String modelId, String model, int version, String format, String sha256, long size,
      List<FileEntry> files, Signature signature, JsonNode metadata, JsonNode metrics, Lineage lineage, List<String> aliases,
      String createdBy, Instant createdAt) {

    /** {@code name:number}, the reference that names exactly this version. */
    public String ref() {
      return model + ":" + version;
    }
  }

  public record FileEntry(String path, long size, String sha256) {}

  /** An ONNX model's inputs and outputs; a dimension of -1 is dynamic. */
  public record Signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {}

  public record TensorSpec(String name, String datatype, long[] shape) {}

  /** Where a version registered from a job came from. */
  public record Lineage(String job, String projectId, String path, String image, String command,
      List<DatasetInput> datasetVersions) {}

  public record DatasetInput(String dataset, String versionId, String version) {}

  public record AliasMove(String alias, Integer fromVersion, Integer toVersion, String changedBy, Instant changedAt) {}

  public record AliasesView(Map<String, Integer> aliases, List<AliasMove> history) {}

  static String modelId(UUID id) {
    return PublicId.encode(MODEL, id);
  }

  static String versionId(UUID id) {
    return PublicId.encode(VERSION, id);
  }
}
