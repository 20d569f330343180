package dev.incline.compute;

import java.io.IOException;
import java.io.InputStream;

/** One file a workload left in its artifacts directory. */
public record ArtifactFile(String path, long size, Opener opener) {

  public InputStream open() throws IOException {
    return opener.open();
  }

  @FunctionalInterface
  public interface Opener {
    InputStream open() throws IOException;
  }
}
