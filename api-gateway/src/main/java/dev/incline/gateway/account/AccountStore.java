package dev.incline.gateway.account;

import dev.incline.platform.security.Role;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Teams, users, memberships and API keys. Every read of team data names the team. */
@Repository
public class AccountStore {

  private final JdbcClient jdbc;

  AccountStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public record Team(UUID id, String name, Instant createdAt) {}

  public record User(UUID id, String name, String email, boolean platformAdmin) {}

  public record Member(UUID userId, String name, String email, Role role, Instant since) {}

  public record Key(UUID id, UUID teamId, UUID userId, String name, String prefix, Instant createdAt,
      Instant lastUsedAt, Instant revokedAt) {}

  /** What a valid key authenticates as. */
  public record Principal(UUID keyId, UUID teamId, String teamName, UUID userId, Role role, boolean platformAdmin) {}

  public boolean anyTeam() {
    return jdbc.sql("SELECT EXISTS (SELECT 1 FROM team)").query(Boolean.class).single();
  }

  public Team insertTeam(UUID id, String name, Instant now) {
    jdbc.sql("INSERT INTO team (id, name, created_at) VALUES (?, ?, ?)").params(id, name, Timestamp.from(now)).update();
    return new Team(id, name, now);
  }

  public Optional<Team> team(UUID id) {
    return jdbc.sql("SELECT id, name, created_at FROM team WHERE id = ?").param(id)
        .query((rs, n) -> new Team(rs.getObject(1, UUID.class), rs.getString(2), rs.getTimestamp(3).toInstant())).optional();
  }

  public Optional<Team> teamByName(String name) {
    return jdbc.sql("SELECT id, name, created_at FROM team WHERE name = ?").param(name)
        .query((rs, n) -> new Team(rs.getObject(1, UUID.class), rs.getString(2), rs.getTimestamp(3).toInstant())).optional();
  }

  public List<Team> teams(UUID memberUserId) {
    String sql = "SELECT t.id, t.name, t.created_at FROM team t"
        + (memberUserId == null ? "" : " JOIN membership m ON m.team_id = t.id AND m.user_id = ?") + " ORDER BY t.name";
    var spec = jdbc.sql(sql);
    if (memberUserId != null) {
      spec = spec.param(memberUserId);
    }
    return spec.query((rs, n) -> new Team(rs.getObject(1, UUID.class), rs.getString(2), rs.getTimestamp(3).toInstant())).list();
  }

  public User insertUser(UUID id, String name, String email, boolean platformAdmin, Instant now) {
    jdbc.sql("INSERT INTO app_user (id, name, email, platform_admin, created_at) VALUES (?, ?, ?, ?, ?)")
        .params(id, name, email, platformAdmin, Timestamp.from(now)).update();
    return new User(id, name, email, platformAdmin);
  }

  public Optional<User> user(UUID id) {
    return jdbc.sql("SELECT id, name, email, platform_admin FROM app_user WHERE id = ?").param(id)
        .query((rs, n) -> new User(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getBoolean(4))).optional();
  }

  public Optional<User> userByEmail(String email) {
    return jdbc.sql("SELECT id, name, email, platform_admin FROM app_user WHERE email = ?").param(email)
        .query((rs, n) -> new User(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getBoolean(4))).optional();
  }

  public void upsertMembership(UUID teamId, UUID userId, Role role, Instant now) {
    jdbc.sql("""
            INSERT INTO membership (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (team_id, user_id) DO UPDATE SET role = EXCLUDED.role""")
        .params(teamId, userId, role.wire(), Timestamp.from(now)).update();
  }

  public List<Member> members(UUID teamId) {
    return jdbc.sql("""
            SELECT u.id, u.name, u.email, m.role, m.created_at FROM membership m JOIN app_user u ON u.id = m.user_id
            WHERE m.team_id = ? ORDER BY m.created_at, u.id""")
        .param(teamId)
        .query((rs, n) -> new Member(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
            Role.fromWire(rs.getString(4)), rs.getTimestamp(5).toInstant()))
        .list();
  }

  public void insertKey(UUID id, UUID teamId, UUID userId, String name, String prefix, String hash, Instant now) {
    jdbc.sql("INSERT INTO api_key (id, team_id, user_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .params(id, teamId, userId, name, prefix, hash, Timestamp.from(now)).update();
  }

  public boolean keyHashExists(String hash) {
    return jdbc.sql("SELECT EXISTS (SELECT 1 FROM api_key WHERE key_hash = ?)").param(hash).query(Boolean.class).single();
  }

  /** The principal of an active key whose owner is still a member of its team. */
  public Optional<Principal> principal(String hash) {
    return jdbc.sql("""
            SELECT k.id, k.team_id, t.name, k.user_id, m.role, u.platform_admin
            FROM api_key k
            JOIN team t ON t.id = k.team_id
            JOIN app_user u ON u.id = k.user_id
            JOIN membership m ON m.team_id = k.team_id AND m.user_id = k.user_id
            WHERE k.key_hash = ? AND k.revoked_at IS NULL""")
        .param(hash)
        .query((rs, n) -> new Principal(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
            rs.getObject(4, UUID.class), Role.fromWire(rs.getString(5)), rs.getBoolean(6)))
        .optional();
  }

  public void touchKey(UUID keyId) {
    jdbc.sql("UPDATE api_key SET last_used_at = now() WHERE id = ? AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')")
        .param(keyId).update();
  }

  /** The team's keys; only the user's own when {@code userId} is given. */
  public List<Key> keys(UUID teamId, UUID userId) {
    String sql = "SELECT id, team_id, user_id, name, prefix, created_at, last_used_at, revoked_at FROM api_key WHERE team_id = ?"
        + (userId == null ? "" : " AND user_id = ?") + " ORDER BY id";
    var spec = jdbc.sql(sql).param(teamId);
    if (userId != null) {
      spec = spec.param(userId);
    }
    return spec.query((rs, n) -> new Key(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
        rs.getString(4), rs.getString(5), rs.getTimestamp(6).toInstant(), instant(rs.getTimestamp(7)),
        instant(rs.getTimestamp(8)))).list();
  }

  public boolean revokeKey(UUID teamId, UUID keyId, UUID userId) {
    String sql = "UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE team_id = ? AND id = ?"
        + (userId == null ? "" : " AND user_id = ?");
    var spec = jdbc.sql(sql).param(teamId).param(keyId);
    if (userId != null) {
      spec = spec.param(userId);
    }
    return spec.update() == 1;
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
