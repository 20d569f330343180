import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Database work of a benchmark step, from PostgreSQL's own counters: snapshots {@code pg_stat_database}
 * and {@code pg_stat_user_tables}, runs a command, snapshots again and prints the differences
 * (divided by {@code --per N}, e.g. the number of jobs created). Waits {@code --settle} seconds (11)
 * before each snapshot: backends report their counters when idle, at most once a second or after 10 s. Finds the standalone's embedded
 * PostgreSQL (trust authentication on loopback) through the port in {@code $INCLINE_HOME/postgres/postmaster.pid}.
 *
 * <pre>
 * unzip -o -j /tmp/bench/incline-standalone.jar 'BOOT-INF/lib/postgresql-*.jar' -d /tmp/bench
 * java -cp /tmp/bench/postgresql-42.7.13.jar bench/PgStats.java --home $INCLINE_HOME --per 1000 -- \
 *     java bench/SubmitBench.java --key $KEY --phase create --count 1000 --warmup 0 --drain-timeout 0
 * </pre>
 */
public class PgStats {

  public static void main(String[] args) throws Exception {
    Path home = null;
    double per = 1;
    int settle = 11;
    int i = 0;
    for (; i < args.length && !args[i].equals("--"); i++) {
      switch (args[i]) {
        case "--home" -> home = Path.of(args[++i]);
        case "--per" -> per = Double.parseDouble(args[++i]);
        case "--settle" -> settle = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (home == null) {
      throw new IllegalArgumentException("--home INCLINE_HOME is required");
    }
    String[] command = java.util.Arrays.copyOfRange(args, Math.min(i + 1, args.length), args.length);
    int port = Integer.parseInt(Files.readAllLines(home.resolve("postgres/postmaster.pid")).get(3).trim());
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    // Backends report their counters when idle, at most every second, else after 10 s: let them.
    Thread.sleep(settle * 1000L);
    Map<String, Long> before;
    try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
      before = snapshot(c);
    }
    if (command.length > 0) {
      new ProcessBuilder(command).inheritIO().start().waitFor();
    }
    Thread.sleep(settle * 1000L);
    Map<String, Long> after;
    try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
      after = snapshot(c);
    }
    System.out.printf("%nPostgreSQL counters, difference / %.0f:%n", per);
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      if (d != 0) {
        System.out.printf("  %-48s %10.2f%n", e.getKey(), d / per);
      }
    }
  }

  static Map<String, Long> snapshot(Connection c) throws Exception {
    Map<String, Long> m = new LinkedHashMap<>();
    try (Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("""
          SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted, blks_hit + blks_read
          FROM pg_stat_database WHERE datname = 'postgres'""")) {
        r.next();
        String[] names = {"db: transactions committed", "db: rolled back", "db: rows returned (scanned)", "db: rows fetched",
            "db: rows inserted", "db: rows updated", "db: rows deleted", "db: buffer accesses"};
        for (int k = 0; k < names.length; k++) {
          m.put(names[k], r.getLong(k + 1));
        }
      }
      try (ResultSet r = s.executeQuery("""
          SELECT schemaname || '.' || relname, seq_scan, coalesce(idx_scan, 0), n_tup_ins, n_tup_upd, n_tup_hot_upd
          FROM pg_stat_user_tables ORDER BY 1""")) {
        while (r.next()) {
          String t = r.getString(1);
          m.put(t + " seq scans", r.getLong(2));
          m.put(t + " index scans", r.getLong(3));
          m.put(t + " inserts", r.getLong(4));
          m.put(t + " updates", r.getLong(5));
        }
      }
    }
    return m;
  }
}
