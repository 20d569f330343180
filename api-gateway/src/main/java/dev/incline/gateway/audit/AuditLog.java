package dev.incline.gateway.audit;

import dev.incline.gateway.account.Ids;
import dev.incline.platform.id.PublicId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Who did what, when: one row per mutating API call, never with request bodies (they may hold secrets). */
@Repository
public class AuditLog {

  public record Event(String id, String userId, String apiKeyId, String method, String path, int status,
      String remoteAddr, Instant time) {}

  private final JdbcClient jdbc;

  AuditLog(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public void record(UUID teamId, UUID userId, UUID keyId, String method, String path, int status, String remoteAddr, Instant at) {
    jdbc.sql("""
            INSERT INTO audit_event (id, team_id, user_id, api_key_id, method, path, status, remote_addr, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
        .params(PublicId.newUuid(), teamId, userId, keyId, method, path, status, remoteAddr, Timestamp.from(at))
        .update();
  }

  /** The team's events, newest first, before a cursor id. */
  public List<Event> list(UUID teamId, UUID before, int limit) {
    return jdbc.sql("SELECT id, user_id, api_key_id, method, path, status, remote_addr, at FROM audit_event "
            + "WHERE team_id = ? AND (?::uuid IS NULL OR id < ?::uuid) ORDER BY id DESC LIMIT ?")
        .params(teamId, before, before, limit)
        .query((rs, n) -> new Event(
            PublicId.encode(Ids.AUDIT, rs.getObject(1, UUID.class)),
            rs.getObject(2) == null ? null : PublicId.encode(Ids.USER, rs.getObject(2, UUID.class)),
            rs.getObject(3) == null ? null : PublicId.encode(Ids.API_KEY, rs.getObject(3, UUID.class)),
            rs.getString(4), rs.getString(5), rs.getInt(6), rs.getString(7), rs.getTimestamp(8).toInstant()))
        .list();
  }
}
