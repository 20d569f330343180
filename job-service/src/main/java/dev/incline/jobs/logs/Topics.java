package dev.incline.jobs.logs;

import java.util.UUID;

/** Names of the {@link dev.incline.jobs.stream.EventBus} topics, in one place. */
public final class Topics {
  private Topics() {}

  public static String logs(UUID jobId) {
    return "logs:" + jobId;
  }

  public static String metrics(UUID jobId) {
    return "metrics:" + jobId;
  }

  public static String events(String teamId) {
    return "events:" + teamId;
  }
}
