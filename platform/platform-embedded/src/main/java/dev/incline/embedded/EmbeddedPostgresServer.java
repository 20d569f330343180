package dev.incline.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real PostgreSQL server (zonky's packaged binaries) with its data in a directory that survives
 * restarts, or in a temporary one for tests.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Starts a server on {@code port} (0: any free port) keeping its data in {@code dataDir} (null: temporary). */
  public static EmbeddedPostgresServer start(Path dataDir, int port) {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setServerConfig("max_connections", "300")
          .setServerConfig("fsync", dataDir == null ? "off" : "on")
          .setServerConfig("synchronous_commit", dataDir == null ? "off" : "on")
          .setServerConfig("shared_buffers", "128MB");
      if (port > 0) {
        builder.setPort(port);
      }
      if (dataDir != null) {
        builder.setDataDirectory(dataDir).setCleanDataDirectory(false);
      }
      return new EmbeddedPostgresServer(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
  }

  public int port() {
    return postgres.getPort();
  }

  /** JDBC URL of the {@code postgres} database, with one schema per service. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres?reWriteBatchedInserts=true";
  }

  public String username() {
    return "postgres";
  }

  public String password() {
    return "postgres";
  }

  /** Creates a schema when it does not exist. */
  public void createSchema(String schema) {
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema.replace("\"", "") + "\"");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create schema " + schema, e);
    }
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
