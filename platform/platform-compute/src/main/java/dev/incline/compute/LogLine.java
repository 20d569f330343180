package dev.incline.compute;

import java.time.Instant;

/**
 * One line of a workload's output, without its line terminator.
 *
 * @param stream stdout or stderr
 * @param text the line
 * @param time when the engine saw it
 * @param position opaque resume point: passing it to {@link WorkloadRuntime#logs} continues after this line
 */
public record LogLine(Stream stream, String text, Instant time, String position) {

  public enum Stream {
    STDOUT, STDERR;

    public String wire() {
      return this == STDOUT ? "stdout" : "stderr";
    }
  }
}
