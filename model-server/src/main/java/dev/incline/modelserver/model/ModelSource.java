package dev.incline.modelserver.model;

import dev.incline.modelserver.config.ModelServerProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model to serve: where its file is and what it is called.
 *
 * @param name the name in {@code /v2/models/<name>}
 * @param path the ONNX file
 * @param version the version it reports
 */
public record ModelSource(String name, Path path, String version) {

  /** The file a subdirectory of {@code model-dir} holds. */
  public static final String FILE_NAME = "model.onnx";

  // A path segment that needs no escaping, as deployment names are.
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  /**
   * The models that the configuration names, the listed ones first, then those of {@code model-dir} by
   * name. Configuration mistakes stop the start: no model at all, a name used twice, a bad name, a
   * {@code model-dir} that is not a directory. A model file that is missing or broken does not: that
   * model reports not ready, with the reason, and the server stays not ready.
   */
  public static List<ModelSource> resolve(ModelServerProperties properties) {
    Map<String, ModelSource> sources = new LinkedHashMap<>();
    for (int i = 0; i < properties.models().size(); i++) {
      ModelServerProperties.Model model = properties.models().get(i);
      String key = "incline.model-server.models[" + i + "]";
      if (model.name() == null || model.path() == null) {
        throw new IllegalStateException(key + " needs a name and a path");
      }
      add(sources, new ModelSource(model.name(), model.path(), model.version() == null ? "1" : model.version()), key);
    }
    Path dir = properties.modelDir();
    if (dir != null) {
      if (!Files.isDirectory(dir)) {
        throw new IllegalStateException("incline.model-server.model-dir " + dir + " is not a directory");
      }
      for (Path sub : subdirectories(dir)) {
        Path file = sub.resolve(FILE_NAME);
        if (Files.exists(file)) {
          add(sources, new ModelSource(sub.getFileName().toString(), file, "1"), "incline.model-server.model-dir");
        }
      }
    }
    if (sources.isEmpty()) {
      throw new IllegalStateException("no models to serve: set incline.model-server.models[0].name and "
          + "incline.model-server.models[0].path, or incline.model-server.model-dir"
          + (dir != null ? " (" + dir + " has no <name>/" + FILE_NAME + ")" : ""));
    }
    return List.copyOf(sources.values());
  }

  private static void add(Map<String, ModelSource> sources, ModelSource source, String key) {
    if (!NAME.matcher(source.name()).matches()) {
      throw new IllegalStateException(key + ": model name '" + source.name() + "' must be 1-128 letters, digits, "
          + "'.', '_' or '-', starting with a letter or digit");
    }
    if (source.version().isBlank() || source.version().contains("/")) {
      throw new IllegalStateException(key + ": model version '" + source.version() + "' must be a non-empty path segment");
    }
    if (sources.putIfAbsent(source.name(), source) != null) {
      throw new IllegalStateException(key + ": model name '" + source.name() + "' is used twice");
    }
  }

  private static List<Path> subdirectories(Path dir) {
    try (Stream<Path> children = Files.list(dir)) {
      return new ArrayList<>(children.filter(Files::isDirectory).sorted().toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list incline.model-server.model-dir " + dir, e);
    }
  }
}
