package dev.incline.notebooks.notebook;

import dev.incline.platform.id.PublicId;
import java.util.Optional;
import java.util.UUID;

/** Public ids of notebooks, {@code nb_…}: also their workload id and the segment of their URL. */
public final class NotebookIds {

  public static final String PREFIX = "nb";

  private NotebookIds() {}

  public static String publicId(UUID id) {
    return PublicId.encode(PREFIX, id);
  }

  public static Optional<UUID> decode(String id) {
    return PublicId.decode(PREFIX, id);
  }

  /** Where the notebook is opened on the gateway, and Jupyter's base URL. */
  public static String basePath(UUID id) {
    return "/notebooks/" + publicId(id) + "/";
  }
}
