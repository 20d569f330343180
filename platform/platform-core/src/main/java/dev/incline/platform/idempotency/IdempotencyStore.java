package dev.incline.platform.idempotency;

import dev.incline.platform.error.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code Idempotency-Key} for creates. The key row is inserted in the same transaction as the thing
 * it creates: a concurrent duplicate blocks on the unique index until the first commits, then reads
 * the stored response. Same key and same body returns the first result; a different body is a 422,
 * as the IETF Idempotency-Key draft says.
 *
 * <p>Each service owns a table {@code idempotency_record(team_id, idem_key, request_hash, response,
 * created_at)} with primary key {@code (team_id, idem_key)} in its own schema.
 */
public class IdempotencyStore {

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final JsonMapper json;

  public IdempotencyStore(JdbcClient jdbc, TransactionTemplate tx, JsonMapper json) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.json = json;
  }

  /** The result of a create, and whether it was replayed from an earlier request with the same key. */
  public record Outcome<T>(T value, boolean replayed) {}

  public <T> Outcome<T> execute(String teamId, String key, Object request, Class<T> type, Supplier<T> create) {
    if (key == null || key.isBlank()) {
      return new Outcome<>(tx.execute(s -> create.get()), false);
    }
    if (key.length() > 255) {
      throw new KeyProblem(HttpStatus.BAD_REQUEST, "Idempotency-Key must be at most 255 characters");
    }
    String hash = hash(json.writeValueAsString(request));
    return tx.execute(status -> {
      int inserted = jdbc.sql("""
              INSERT INTO idempotency_record (team_id, idem_key, request_hash, created_at)
              VALUES (?, ?, ?, now()) ON CONFLICT DO NOTHING""")
          .params(teamId, key, hash).update();
      if (inserted == 1) {
        T value = create.get();
        jdbc.sql("UPDATE idempotency_record SET response = ? WHERE team_id = ? AND idem_key = ?")
            .params(json.writeValueAsString(value), teamId, key).update();
        return new Outcome<>(value, false);
      }
      var stored = jdbc.sql("SELECT request_hash, response FROM idempotency_record WHERE team_id = ? AND idem_key = ?")
          .params(teamId, key)
          .query((rs, n) -> new String[] {rs.getString(1), rs.getString(2)})
          .single();
      if (!stored[0].equals(hash)) {
        throw new KeyProblem(HttpStatus.UNPROCESSABLE_CONTENT,
            "Idempotency-Key was already used with a different request body");
      }
      return new Outcome<>(json.readValue(stored[1], type), true);
    });
  }

  static String hash(String body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static final class KeyProblem extends ApiException {
    KeyProblem(HttpStatus status, String detail) {
      super(status, "idempotency-key", detail);
    }
  }
}
