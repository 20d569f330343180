package dev.incline.storage.dataset;

import dev.incline.storage.dataset.Views.FileView;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Files, tags, usages and uploads of dataset versions: plain rows, every query scoped by team. */
@Component
class DatasetRows {

  private final JdbcClient jdbc;

  DatasetRows(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  record FileRow(String path, String objectKey, long size, String sha256, boolean verified, Instant uploadedAt) {
    FileView view() {
      return new FileView(path, size, sha256, verified, uploadedAt);
    }
  }

  record Stats(long files, long bytes) {}

  record UploadRow(UUID id, UUID versionId, String path, String objectKey, String s3UploadId, long size, long partSize,
      String sha256) {}

  Optional<FileRow> file(UUID versionId, String path) {
    return jdbc.sql("SELECT path, object_key, size_bytes, sha256, verified, uploaded_at FROM dataset_file WHERE version_id = ? AND path = ?")
        .params(versionId, path).query(DatasetRows::file).optional();
  }

  List<FileRow> files(UUID versionId, String prefix, String after, int limit) {
    return jdbc.sql("""
        SELECT path, object_key, size_bytes, sha256, verified, uploaded_at FROM dataset_file
        WHERE version_id = ? AND path > ? AND path >= ? AND (? = '' OR left(path, length(?)) = ?)
        ORDER BY path LIMIT ?""")
        .params(versionId, after == null ? "" : after, prefix, prefix, prefix, prefix, limit).query(DatasetRows::file).list();
  }

  List<FileRow> allFiles(UUID versionId) {
    return jdbc.sql("SELECT path, object_key, size_bytes, sha256, verified, uploaded_at FROM dataset_file WHERE version_id = ? ORDER BY path")
        .param(versionId).query(DatasetRows::file).list();
  }

  private static FileRow file(java.sql.ResultSet rs, int i) throws java.sql.SQLException {
    return new FileRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getBoolean(5),
        rs.getTimestamp(6).toInstant());
  }

  /** Records a file, replacing one at the same path; the replaced object's key, to delete. */
  Optional<String> putFile(UUID versionId, FileRow f) {
    Optional<String> old = jdbc.sql("SELECT object_key FROM dataset_file WHERE version_id = ? AND path = ?")
        .params(versionId, f.path()).query(String.class).optional();
    jdbc.sql("""
        INSERT INTO dataset_file (version_id, path, object_key, size_bytes, sha256, verified, uploaded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (version_id, path) DO UPDATE SET object_key = excluded.object_key, size_bytes = excluded.size_bytes,
          sha256 = excluded.sha256, verified = excluded.verified, uploaded_at = excluded.uploaded_at""")
        .params(versionId, f.path(), f.objectKey(), f.size(), f.sha256(), f.verified(), Timestamp.from(f.uploadedAt()))
        .update();
    return old.filter(k -> !k.equals(f.objectKey()));
  }

  boolean deleteFile(UUID versionId, String path) {
    return jdbc.sql("DELETE FROM dataset_file WHERE version_id = ? AND path = ?").params(versionId, path).update() > 0;
  }

  /** Marks the object that was hashed, not whatever the path points to by now. */
  void verified(UUID versionId, String path, String objectKey, String sha256) {
    jdbc.sql("UPDATE dataset_file SET verified = true, sha256 = ? WHERE version_id = ? AND path = ? AND object_key = ?")
        .params(sha256, versionId, path, objectKey).update();
  }

  long unverifiedCount(UUID versionId) {
    return jdbc.sql("SELECT count(*) FROM dataset_file WHERE version_id = ? AND NOT verified").param(versionId)
        .query(Long.class).single();
  }

  Map<UUID, Stats> stats(Collection<UUID> versionIds) {
    Map<UUID, Stats> out = new HashMap<>();
    if (versionIds.isEmpty()) {
      return out;
    }
    jdbc.sql("SELECT version_id, count(*), coalesce(sum(size_bytes), 0) FROM dataset_file WHERE version_id IN (:ids) GROUP BY version_id")
        .param("ids", versionIds)
        .query(rs -> {
          out.put(rs.getObject(1, UUID.class), new Stats(rs.getLong(2), rs.getLong(3)));
        });
    return out;
  }

  Map<UUID, List<String>> tags(UUID datasetId) {
    Map<UUID, List<String>> out = new HashMap<>();
    jdbc.sql("SELECT version_id, tag FROM dataset_tag WHERE dataset_id = ? ORDER BY tag").param(datasetId)
        .query(rs -> {
          out.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>()).add(rs.getString(2));
        });
    return out;
  }

  Optional<UUID> tagged(UUID datasetId, String tag) {
    return jdbc.sql("SELECT version_id FROM dataset_tag WHERE dataset_id = ? AND tag = ?").params(datasetId, tag)
        .query(UUID.class).optional();
  }

  void tag(UUID datasetId, String tag, UUID versionId, Instant now) {
    jdbc.sql("""
        INSERT INTO dataset_tag (dataset_id, tag, version_id, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (dataset_id, tag) DO UPDATE SET version_id = excluded.version_id, updated_at = excluded.updated_at""")
        .params(datasetId, tag, versionId, Timestamp.from(now)).update();
  }

  boolean untag(UUID datasetId, String tag) {
    return jdbc.sql("DELETE FROM dataset_tag WHERE dataset_id = ? AND tag = ?").params(datasetId, tag).update() > 0;
  }

  List<String> usedBy(UUID versionId) {
    return jdbc.sql("SELECT used_by FROM dataset_version_usage WHERE version_id = ? ORDER BY used_by").param(versionId)
        .query(String.class).list();
  }

  Map<UUID, List<String>> usedBy(Collection<UUID> versionIds) {
    Map<UUID, List<String>> out = new HashMap<>();
    if (versionIds.isEmpty()) {
      return out;
    }
    jdbc.sql("SELECT version_id, used_by FROM dataset_version_usage WHERE version_id IN (:ids) ORDER BY used_by")
        .param("ids", versionIds)
        .query(rs -> {
          out.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>()).add(rs.getString(2));
        });
    return out;
  }

  void use(UUID versionId, String teamId, String usedBy, Instant now) {
    jdbc.sql("INSERT INTO dataset_version_usage (version_id, team_id, used_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .params(versionId, teamId, usedBy, Timestamp.from(now)).update();
  }

  int release(String teamId, String usedBy) {
    return jdbc.sql("DELETE FROM dataset_version_usage WHERE team_id = ? AND used_by = ?").params(teamId, usedBy).update();
  }

  void insertUpload(UploadRow u, String teamId, String createdBy, Instant now) {
    jdbc.sql("""
        INSERT INTO dataset_upload (id, version_id, team_id, path, object_key, s3_upload_id, size_bytes, part_size, sha256, created_by, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
        .params(u.id(), u.versionId(), teamId, u.path(), u.objectKey(), u.s3UploadId(), u.size(), u.partSize(), u.sha256(),
            createdBy, Timestamp.from(now)).update();
  }

  Optional<UploadRow> upload(String teamId, UUID versionId, UUID id) {
    return jdbc.sql("""
        SELECT id, version_id, path, object_key, s3_upload_id, size_bytes, part_size, sha256 FROM dataset_upload
        WHERE team_id = ? AND version_id = ? AND id = ?""")
        .params(teamId, versionId, id)
        .query((rs, i) -> new UploadRow(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
            rs.getString(4), rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getString(8)))
        .optional();
  }

  List<UploadRow> uploads(UUID versionId) {
    return jdbc.sql("SELECT id, version_id, path, object_key, s3_upload_id, size_bytes, part_size, sha256 FROM dataset_upload WHERE version_id = ?")
        .param(versionId)
        .query((rs, i) -> new UploadRow(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
            rs.getString(4), rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getString(8)))
        .list();
  }

  void deleteUpload(UUID id) {
    jdbc.sql("DELETE FROM dataset_upload WHERE id = ?").param(id).update();
  }

  long fileCount(UUID versionId) {
    return jdbc.sql("SELECT count(*) FROM dataset_file WHERE version_id = ?").param(versionId).query(Long.class).single();
  }
}
