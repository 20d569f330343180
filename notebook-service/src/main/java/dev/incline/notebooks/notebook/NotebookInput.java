package dev.incline.notebooks.notebook;

/**
 * A dataset version the notebook reads at {@code /datasets/<mountAs>}, resolved when it was created.
 *
 * @param dataset the reference as the user wrote it
 * @param ref the version it resolved to, {@code name:number}
 */
public record NotebookInput(String dataset, String mountAs, String versionId, String ref) {}
