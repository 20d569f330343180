package dev.incline.compute;

import java.time.Duration;

/** A followed log: lines in order, then end of stream once the workload has ended. */
public interface LogStream extends AutoCloseable {

  /**
   * The next line, waiting at most {@code timeout}; null when none arrived in time or the stream has
   * ended (see {@link #ended()}).
   */
  LogLine next(Duration timeout) throws InterruptedException;

  /** True once the workload has ended and every line has been returned. */
  boolean ended();

  @Override
  void close();
}
