package dev.incline.jobs.events;

import dev.incline.jobs.logs.Topics;
import dev.incline.jobs.stream.EventBus;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Records status transitions in the caller's transaction and publishes them once it commits: a
 * stream never shows a status that was rolled back.
 */
@Component
public class WorkloadEvents {

  private final JdbcClient jdbc;
  private final EventBus bus;

  WorkloadEvents(JdbcClient jdbc, EventBus bus) {
    this.jdbc = jdbc;
    this.bus = bus;
  }

  public void record(String teamId, String kind, UUID workloadId, String publicId, String status, String reason,
      Integer exitCode, Instant at) {
    insert(teamId, kind, workloadId, null, publicId, status, reason, exitCode, at);
  }

  /**
   * A status change of another service's workload (a deployment, a notebook): its public id is stored
   * as given, since only that service knows its prefix.
   */
  public void recordForeign(String teamId, String kind, UUID workloadId, String publicId, String status, String reason,
      Instant at) {
    insert(teamId, kind, workloadId, publicId, publicId, status, reason, null, at);
  }

  private void insert(String teamId, String kind, UUID workloadId, String storedPublicId, String publicId, String status,
      String reason, Integer exitCode, Instant at) {
    long seq = jdbc.sql("""
            INSERT INTO workload_event (team_id, kind, workload_id, public_id, status, reason, exit_code, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq""")
        .params(teamId, kind, workloadId, storedPublicId, status, reason, exitCode, java.sql.Timestamp.from(at))
        .query(Long.class).single();
    WorkloadEvent event = new WorkloadEvent(seq, kind, publicId, status, reason, exitCode, at);
    Runnable publish = () -> bus.publish(Topics.events(teamId), List.of(event));
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
        @Override
        public void afterCommit() {
          publish.run();
        }
      });
    } else {
      publish.run();
    }
  }

  /** The team's events after a sequence number. */
  public List<WorkloadEvent> after(String teamId, long after, int limit, java.util.function.Function<UUID, String> publicId) {
    return jdbc.sql("SELECT seq, kind, workload_id, status, reason, exit_code, at, public_id FROM workload_event "
            + "WHERE team_id = ? AND seq > ? ORDER BY seq LIMIT ?")
        .params(teamId, after, limit)
        .query((rs, n) -> new WorkloadEvent(rs.getLong(1), rs.getString(2),
            rs.getString(8) != null ? rs.getString(8) : publicId.apply(rs.getObject(3, UUID.class)),
            rs.getString(4), rs.getString(5), (Integer) rs.getObject(6), rs.getTimestamp(7).toInstant()))
        .list();
  }

  /** One workload's history, oldest first. */
  public List<WorkloadEvent> history(String teamId, UUID workloadId, java.util.function.Function<UUID, String> publicId) {
    return jdbc.sql("SELECT seq, kind, workload_id, status, reason, exit_code, at, public_id FROM workload_event "
            + "WHERE team_id = ? AND workload_id = ? ORDER BY seq")
        .params(teamId, workloadId)
        .query((rs, n) -> new WorkloadEvent(rs.getLong(1), rs.getString(2),
            rs.getString(8) != null ? rs.getString(8) : publicId.apply(rs.getObject(3, UUID.class)),
            rs.getString(4), rs.getString(5), (Integer) rs.getObject(6), rs.getTimestamp(7).toInstant()))
        .list();
  }

  /** The newest event's sequence number of a team, 0 when it has none. */
  public long latest(String teamId) {
    return jdbc.sql("SELECT coalesce(max(seq), 0) FROM workload_event WHERE team_id = ?").param(teamId)
        .query(Long.class).single();
  }

  public void deleteWorkload(String teamId, UUID workloadId) {
    jdbc.sql("DELETE FROM workload_event WHERE team_id = ? AND workload_id = ?").params(teamId, workloadId).update();
  }
}
