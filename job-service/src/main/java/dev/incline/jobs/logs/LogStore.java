package dev.incline.jobs.logs;

import dev.incline.jobs.metrics.MetricPoint;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Log lines and metric points. Writes use COPY, the fastest way into PostgreSQL, and store the
 * follower's position in the same transaction as the lines it read: after a crash the follower
 * resumes exactly after the last stored line.
 */
@Repository
public class LogStore {

  private final JdbcClient jdbc;
  private final DataSource dataSource;
  private final TransactionTemplate tx;

  LogStore(JdbcClient jdbc, DataSource dataSource, TransactionTemplate tx) {
    this.jdbc = jdbc;
    this.dataSource = dataSource;
    this.tx = tx;
  }

  /** Where a job's follower resumes. */
  public record FollowState(String position, long logSeq, long metricSeq, boolean drained, int attempt) {}

  public FollowState state(UUID jobId) {
    return jdbc.sql("SELECT log_position, log_seq, metric_seq, logs_drained, attempt FROM job WHERE id = ?")
        .param(jobId)
        .query((rs, n) -> new FollowState(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getBoolean(4), rs.getInt(5)))
        .single();
  }

  /** The last x of each chart, so that points without x continue their chart's steps. */
  public Map<String, Double> lastX(UUID jobId) {
    Map<String, Double> out = new HashMap<>();
    jdbc.sql("SELECT DISTINCT ON (chart) chart, x FROM metric_point WHERE job_id = ? ORDER BY chart, seq DESC")
        .param(jobId)
        .query(rs -> {
          out.put(rs.getString(1), rs.getDouble(2));
        });
    return out;
  }

  /**
   * Stores a batch and the follower state after it. {@code expectedAttempt} guards against a
   * follower of an old attempt writing after a retry began.
   */
  public boolean append(UUID jobId, int expectedAttempt, List<LogRecord> lines, List<MetricPoint> points,
      String position, long logSeq, long metricSeq, boolean drained) {
    Boolean ok = tx.execute(status -> {
      // The position commits with the lines, so a crash loses only a tail that the follower reads
      // again from the workload's output under the same sequence numbers: no fsync wait per batch.
      jdbc.sql("SET LOCAL synchronous_commit = off").update();
      int updated = jdbc.sql("""
              UPDATE job SET log_position = ?, log_seq = ?, metric_seq = ?, logs_drained = ?
              WHERE id = ? AND attempt = ?""")
          .params(position, logSeq, metricSeq, drained, jobId, expectedAttempt)
          .update();
      if (updated == 0) {
        status.setRollbackOnly();
        return false;
      }
      Connection c = DataSourceUtils.getConnection(dataSource);
      try {
        PGConnection pg = c.unwrap(PGConnection.class);
        if (!lines.isEmpty()) {
          StringBuilder csv = new StringBuilder(lines.size() * 96);
          String id = jobId.toString();
          for (LogRecord l : lines) {
            csv.append(id).append(',').append(l.seq()).append(',').append(l.stream()).append(',');
            quote(csv, l.line());
            csv.append(',').append(l.time()).append('\n');
          }
          pg.getCopyAPI().copyIn("COPY log_line (job_id, seq, stream, line, at) FROM STDIN (FORMAT csv)",
              new StringReader(csv.toString()));
        }
        if (!points.isEmpty()) {
          StringBuilder csv = new StringBuilder(points.size() * 80);
          String id = jobId.toString();
          for (MetricPoint p : points) {
            csv.append(id).append(',').append(p.seq()).append(',');
            quote(csv, p.chart());
            csv.append(',').append(p.x()).append(',').append(p.y()).append(',').append(p.time()).append('\n');
          }
          pg.getCopyAPI().copyIn("COPY metric_point (job_id, seq, chart, x, y, at) FROM STDIN (FORMAT csv)",
              new StringReader(csv.toString()));
        }
      } catch (SQLException | IOException e) {
        throw new IllegalStateException("cannot store logs of job " + jobId, e);
      } finally {
        DataSourceUtils.releaseConnection(c, dataSource);
      }
      return true;
    });
    return Boolean.TRUE.equals(ok);
  }

  /** Starts a new attempt's log position; lines and sequence numbers continue. */
  public void resetPosition(UUID jobId) {
    jdbc.sql("UPDATE job SET log_position = NULL, logs_drained = false WHERE id = ?").param(jobId).update();
  }

  /** CSV quoting for COPY; NUL cannot be stored in a text column, so it is dropped. */
  private static void quote(StringBuilder sb, String value) {
    sb.append('"');
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch == '"') {
        sb.append("\"\"");
      } else if (ch != 0) {
        sb.append(ch);
      }
    }
    sb.append('"');
  }

  public List<LogRecord> logsAfter(UUID jobId, long after, int limit) {
    return jdbc.sql("SELECT seq, line, stream, at FROM log_line WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?")
        .params(jobId, after, limit)
        .query((rs, n) -> new LogRecord(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant()))
        .list();
  }

  public List<MetricPoint> metricsAfter(UUID jobId, long after, int limit) {
    return jdbc.sql("SELECT seq, chart, x, y, at FROM metric_point WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?")
        .params(jobId, after, limit)
        .query((rs, n) -> point(rs))
        .list();
  }

  public List<MetricPoint> chart(UUID jobId, String chart) {
    return jdbc.sql("SELECT seq, chart, x, y, at FROM metric_point WHERE job_id = ? AND chart = ? ORDER BY seq")
        .params(jobId, chart)
        .query((rs, n) -> point(rs))
        .list();
  }

  public List<String> charts(UUID jobId) {
    return jdbc.sql("SELECT DISTINCT chart FROM metric_point WHERE job_id = ? ORDER BY chart")
        .param(jobId).query(String.class).list();
  }

  public void deleteJob(UUID jobId) {
    jdbc.sql("DELETE FROM log_line WHERE job_id = ?").param(jobId).update();
    jdbc.sql("DELETE FROM metric_point WHERE job_id = ?").param(jobId).update();
  }

  private static MetricPoint point(java.sql.ResultSet rs) throws SQLException {
    Timestamp at = rs.getTimestamp(5);
    return new MetricPoint(rs.getLong(1), rs.getString(2), rs.getDouble(3), rs.getDouble(4), at.toInstant());
  }
}
