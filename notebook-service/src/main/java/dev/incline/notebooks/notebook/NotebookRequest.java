package dev.incline.notebooks.notebook;

import java.util.List;

/**
 * {@code POST /api/v1/notebooks}.
 *
 * @param image a custom image (docker, kubernetes) with Jupyter on its PATH; null for the default
 * @param autoShutdownHours stop after this many hours of running; null for the configured default
 * @param inputs dataset versions to read at {@code /datasets/<mountAs>}
 */
public record NotebookRequest(String projectId, String name, String image, String machineType, Integer autoShutdownHours,
    List<Input> inputs) {

  /** {@code dataset} is a reference ({@code name[:version|tag]}); {@code mountAs} defaults to the dataset's name. */
  public record Input(String dataset, String mountAs) {}
}
