package dev.incline.registry.model;

import dev.incline.registry.model.Views.AliasMove;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Aliases of a model and their history. Callers have already scoped the model to the caller's team. */
@Component
class Aliases {

  private final JdbcClient jdbc;

  Aliases(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  Optional<UUID> target(UUID modelId, String alias) {
    return jdbc.sql("SELECT version_id FROM model_alias WHERE model_id = ? AND alias = ?").params(modelId, alias)
        .query(UUID.class).optional();
  }

  /** alias → version number, by alias. */
  Map<String, Integer> of(UUID modelId) {
    Map<String, Integer> out = new LinkedHashMap<>();
    jdbc.sql("""
        SELECT a.alias, v.number FROM model_alias a JOIN model_version v ON v.id = a.version_id
        WHERE a.model_id = ? ORDER BY a.alias""").param(modelId)
        .query((rs, i) -> Map.entry(rs.getString(1), rs.getInt(2))).list().forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** version id → its aliases. */
  Map<UUID, List<String>> byVersion(UUID modelId) {
    Map<UUID, List<String>> out = new LinkedHashMap<>();
    jdbc.sql("SELECT version_id, alias FROM model_alias WHERE model_id = ? ORDER BY alias").param(modelId)
        .query((rs, i) -> Map.entry(rs.getObject(1, UUID.class), rs.getString(2))).list()
        .forEach(e -> out.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
    return out;
  }

  /** Points the alias at a version (the model row is locked by the caller) and records the move. */
  void move(UUID modelId, String alias, UUID versionId, int number, String by, Instant now) {
    Integer from = current(modelId, alias);
    if (from != null && from == number) {
      return;
    }
    jdbc.sql("""
        INSERT INTO model_alias (model_id, alias, version_id, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id, updated_by = excluded.updated_by,
          updated_at = excluded.updated_at""").params(modelId, alias, versionId, by, Timestamp.from(now)).update();
    record(modelId, alias, from, number, by, now);
  }

  boolean remove(UUID modelId, String alias, String by, Instant now) {
    Integer from = current(modelId, alias);
    if (from == null) {
      return false;
    }
    jdbc.sql("DELETE FROM model_alias WHERE model_id = ? AND alias = ?").params(modelId, alias).update();
    record(modelId, alias, from, null, by, now);
    return true;
  }

  List<AliasMove> history(UUID modelId) {
    return jdbc.sql("""
        SELECT alias, from_version, to_version, changed_by, changed_at FROM model_alias_history
        WHERE model_id = ? ORDER BY id""").param(modelId)
        .query((rs, i) -> new AliasMove(rs.getString(1), (Integer) rs.getObject(2), (Integer) rs.getObject(3),
            rs.getString(4), rs.getTimestamp(5).toInstant())).list();
  }

  private Integer current(UUID modelId, String alias) {
    return jdbc.sql("""
        SELECT v.number FROM model_alias a JOIN model_version v ON v.id = a.version_id
        WHERE a.model_id = ? AND a.alias = ?""").params(modelId, alias).query(Integer.class).optional().orElse(null);
  }

  private void record(UUID modelId, String alias, Integer from, Integer to, String by, Instant now) {
    jdbc.sql("""
        INSERT INTO model_alias_history (model_id, alias, from_version, to_version, changed_by, changed_at)
        VALUES (?, ?, ?, ?, ?, ?)""").params(modelId, alias, from, to, by, Timestamp.from(now)).update();
  }
}
