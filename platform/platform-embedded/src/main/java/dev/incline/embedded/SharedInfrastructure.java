package dev.incline.embedded;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One embedded PostgreSQL and one in-memory S3 per JVM, started on first use and stopped at exit:
 * what integration tests run against. Each service gets its own schema, as in production.
 */
public final class SharedInfrastructure {

  private static EmbeddedPostgresServer postgres;
  private static EmbeddedS3Server s3;

  private SharedInfrastructure() {}

  public static synchronized EmbeddedPostgresServer postgres() {
    if (postgres == null) {
      postgres = EmbeddedPostgresServer.start(null, 0);
      Runtime.getRuntime().addShutdownHook(new Thread(postgres::close));
    }
    return postgres;
  }

  public static synchronized EmbeddedS3Server s3() {
    if (s3 == null) {
      s3 = EmbeddedS3Server.start(null, 0, "test-access-key", "test-secret-key-0123456789");
      Runtime.getRuntime().addShutdownHook(new Thread(s3::close));
    }
    return s3;
  }

  /** Spring properties for a service on its own schema and the shared bucket. */
  public static Map<String, String> properties(String schema) {
    EmbeddedPostgresServer pg = postgres();
    pg.createSchema(schema);
    EmbeddedS3Server store = s3();
    Map<String, String> p = new LinkedHashMap<>();
    p.put("spring.datasource.url", pg.jdbcUrl() + "&currentSchema=" + schema);
    p.put("spring.datasource.username", pg.username());
    p.put("spring.datasource.password", pg.password());
    p.put("spring.flyway.schemas", schema);
    p.put("spring.flyway.default-schema", schema);
    p.put("incline.s3.endpoint", store.endpoint().toString());
    p.put("incline.s3.access-key", store.accessKey());
    p.put("incline.s3.secret-key", store.secretKey());
    p.put("incline.s3.bucket", "incline-test");
    return p;
  }
}
