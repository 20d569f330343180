package dev.incline.jobs.logs;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.jobs.config.JobsProperties;
import dev.incline.jobs.metrics.ChartLineParser;
import dev.incline.jobs.stream.EventBus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The log followers of this replica, at most one per job. The reconciler calls {@link #ensure} on
 * every pass for every job it owns whose logs are not drained: a follower that died (storage down,
 * a bug) is simply started again from the stored position.
 */
@Component
public class LogFollowers {

  public static final String LINES_METRIC = "incline.logs.lines.ingested";
  public static final String POINTS_METRIC = "incline.metrics.points.ingested";
  private static final Logger log = LoggerFactory.getLogger(LogFollowers.class);

  private final Map<UUID, LogFollower> running = new ConcurrentHashMap<>();
  private final WorkloadRuntime runtime;
  private final LogStore store;
  private final EventBus bus;
  private final ChartLineParser parser;
  private final JobsProperties.Logs settings;
  private final Counter lines;
  private final Counter points;

  LogFollowers(WorkloadRuntime runtime, LogStore store, EventBus bus, JsonMapper json, JobsProperties properties,
      MeterRegistry registry) {
    this.runtime = runtime;
    this.store = store;
    this.bus = bus;
    this.parser = new ChartLineParser(json);
    this.settings = properties.logs();
    this.lines = Counter.builder(LINES_METRIC).description("log lines stored").register(registry);
    this.points = Counter.builder(POINTS_METRIC).description("chart points stored").register(registry);
  }

  public boolean isFollowing(UUID jobId) {
    return running.containsKey(jobId);
  }

  public void ensure(UUID jobId, WorkloadRef ref) {
    running.computeIfAbsent(jobId, id -> {
      LogStore.FollowState state = store.state(id);
      if (state.drained()) {
        return null;
      }
      LogFollower follower = new LogFollower(id, ref, state, store.lastX(id), runtime, store, bus, parser,
          settings.flushInterval(), settings.batchSize(), lines, points);
      Thread.ofVirtual().name("logs-" + ref.id()).start(() -> {
        try {
          follower.run();
        } catch (RuntimeException e) {
          log.warn("log follower of {} stopped; it restarts on the next reconcile", ref.id(), e);
        } finally {
          running.remove(id, follower);
        }
      });
      return follower;
    });
  }

  @PreDestroy
  void stopAll() {
    running.values().forEach(LogFollower::stop);
  }
}
