import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Job submission benchmark for Incline, through the gateway.
 *
 * <pre>
 * java bench/SubmitBench.java --url http://127.0.0.1:8080 --key KEY [--phase both|create|start]
 *      [--count 3000] [--concurrency 32] [--warmup 300] [--reps 1] [--command true] [--drain-timeout 600]
 *      [--start-count 200] [--start-command "sleep 1"] [--start-rounds 1] [--server-pid PID]
 * </pre>
 *
 * Phase "create": {@code POST /api/v1/jobs} from {@code --concurrency} virtual threads until
 * {@code --count} jobs exist (after {@code --warmup} unmeasured ones; {@code --reps} rounds); reports
 * creates/s and the latency of the call (a 201 means the record is committed). A 429 from the gateway's rate limit is
 * counted, waited out ({@code Retry-After}) and retried. Then, unless {@code --drain-timeout 0}, it
 * waits until the runtime has run all those jobs and reports how long that took.
 *
 * <p>Phase "start": submits {@code --start-count} jobs running {@code --start-command} in a fresh
 * project, waits until all finished, then reads every record and its status history: creation to
 * Provisioning (the reconciler picked it up), to the process start ({@code startedAt}), to Running,
 * and how many jobs per second the runtime started.
 */
public class SubmitBench {

  static String url = "http://127.0.0.1:8080";
  static String key;
  static String phase = "both";
  static int count = 3000;
  static int concurrency = 32;
  static int warmup = 300;
  static String command = "true";
  static int startCount = 200;
  static String startCommand = "sleep 1";
  static int drainTimeout = 600;
  static int startRounds = 1;
  static int reps = 1;
  static long serverPid = -1;

  static final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();

  public static void main(String[] args) throws Exception {
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--url" -> url = args[++i].replaceAll("/+$", "");
        case "--key" -> key = args[++i];
        case "--phase" -> phase = args[++i];
        case "--count", "-n" -> count = Integer.parseInt(args[++i]);
        case "--concurrency", "-c" -> concurrency = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--command" -> command = args[++i];
        case "--start-count" -> startCount = Integer.parseInt(args[++i]);
        case "--start-command" -> startCommand = args[++i];
        case "--drain-timeout" -> drainTimeout = Integer.parseInt(args[++i]);
        case "--start-rounds" -> startRounds = Integer.parseInt(args[++i]);
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--server-pid" -> serverPid = Long.parseLong(args[++i]);
        case "-h", "--help" -> {
          usage();
          return;
        }
        default -> {
          System.err.println("unknown argument " + args[i]);
          usage();
          System.exit(2);
        }
      }
    }
    if (key == null) {
      key = System.getenv("INCLINE_API_KEY");
    }
    if (key == null) {
      System.err.println("--key (or INCLINE_API_KEY) is required");
      System.exit(2);
    }
    System.out.printf(Locale.ROOT, "SubmitBench url=%s phase=%s count=%d concurrency=%d warmup=%d cores=%d%n", url, phase, count,
        concurrency, warmup, Runtime.getRuntime().availableProcessors());
    if (phase.equals("both") || phase.equals("create")) {
      createPhase();
    }
    if (phase.equals("both") || phase.equals("start")) {
      for (int r = 1; r <= startRounds; r++) {
        System.out.printf("%n--- start round %d/%d%s%n", r, startRounds, r == 1 && startRounds > 1 ? " (warms the JVM up)" : "");
        startPhase();
      }
    }
  }

  static void usage() {
    System.err.println("""
        usage: java bench/SubmitBench.java --url http://127.0.0.1:8080 --key KEY
          --phase both|create|start   (default both)
          --count N          measured creates (default 3000)
          --concurrency C    concurrent clients, virtual threads (default 32)
          --warmup W         unmeasured creates first (default 300)
          --command CMD      command of the created jobs (default true)
          --drain-timeout S  after creating, wait up to S s for the runtime to run them all (0: don't wait; default 600)
          --start-count M    jobs of the start phase (default 200)
          --start-command C  their command (default "sleep 1")
          --start-rounds R   repeat the start phase R times, each in a new project (default 1)
          --reps R           measured create rounds of --count each, after one warm-up (default 1)
          --server-pid P     pid of the platform JVM: CPU seconds of it, its PostgreSQL and the machine per phase""");
  }

  // ---------------------------------------------------------------- create phase

  record Call(long nanos, int status) {}

  static void createPhase() throws Exception {
    String project = createProject("submit-bench-" + System.currentTimeMillis());
    System.out.println("project " + project);
    String body = "{\"projectId\":\"" + project + "\",\"name\":\"submit-bench\",\"command\":" + jsonString(command) + "}";
    if (warmup > 0) {
      System.out.printf("warm-up: %d creates...%n", warmup);
      run(warmup, concurrency, i -> body, new AtomicLong());
    }
    List<double[]> summary = new ArrayList<>();
    for (int rep = 1; rep <= reps; rep++) {
      System.out.printf("%nmeasuring%s: %d creates with %d concurrent clients...%n", reps > 1 ? " round " + rep + "/" + reps : "",
          count, concurrency);
      AtomicLong limited = new AtomicLong();
      CpuSnapshot before = CpuSnapshot.take(serverPid);
      long t0 = System.nanoTime();
      List<Call> calls = run(count, concurrency, i -> body, limited);
      double wall = (System.nanoTime() - t0) / 1e9;
      CpuSnapshot after = CpuSnapshot.take(serverPid);
      long ok = calls.stream().filter(c -> c.status == 201).count();
      Map<Integer, Integer> statuses = new TreeMap<>();
      calls.forEach(c -> statuses.merge(c.status, 1, Integer::sum));
      long[] lat = calls.stream().filter(c -> c.status == 201).mapToLong(Call::nanos).toArray();
      System.out.printf(Locale.ROOT, "=== create: %d jobs in %.2f s => %.0f creates/s (statuses %s, 429 rate-limited and retried: %d) ===%n",
          ok, wall, ok / wall, statuses, limited.get());
      printPercentiles("POST /api/v1/jobs latency (201s)", lat);
      if (serverPid > 0) {
        CpuSnapshot.Delta d = after.minus(before, wall);
        d.print("  ");
        System.out.printf(Locale.ROOT, "  CPU per create: platform JVM %.2f ms, PostgreSQL %.2f ms, this client %.2f ms, machine %.2f ms%n",
            1000 * d.java / ok, 1000 * d.postgres / ok, 1000 * d.client / ok, 1000 * d.machineBusySeconds / ok);
      }
      long[] sorted = lat.clone();
      Arrays.sort(sorted);
      summary.add(new double[] {ok / wall, pct(sorted, 50) / 1e6, pct(sorted, 99) / 1e6, sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6});
    }
    if (reps > 1) {
      System.out.printf("%n=== create summary over %d rounds (median [min .. max]) ===%n", reps);
      String[] names = {"creates/s", "p50 ms", "p99 ms", "max ms"};
      for (int k = 0; k < names.length; k++) {
        final int kk = k;
        double[] v = summary.stream().mapToDouble(a -> a[kk]).sorted().toArray();
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        System.out.printf(Locale.ROOT, "  %-10s %8.1f [%.1f .. %.1f]%n", names[k], median, v[0], v[v.length - 1]);
      }
    }

    if (drainTimeout > 0) {
      System.out.println("\nwaiting for the runtime to run every created job...");
      CpuSnapshot before = CpuSnapshot.take(serverPid);
      long d0 = System.nanoTime();
      boolean drained = waitNoActive(project, drainTimeout);
      double s = (System.nanoTime() - d0) / 1e9;
      int total = warmup + count * reps;
      if (drained) {
        System.out.printf(Locale.ROOT, "=== runtime backlog: all %d jobs of the project finished %.1f s after the last create ===%n", total, s);
        if (serverPid > 0) {
          CpuSnapshot.take(serverPid).minus(before, s).print("  ");
        }
      } else {
        System.out.printf("=== runtime backlog: jobs still active %d s after the last create ===%n", drainTimeout);
      }
    }
  }

  /** n calls from c virtual threads; each returns its last (non-429) status and latency. */
  static List<Call> run(int n, int c, IntFunction<String> body, AtomicLong limited) throws InterruptedException {
    List<Call> calls = Collections.synchronizedList(new ArrayList<>(n));
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(c);
    for (int t = 0; t < c; t++) {
      Thread.ofVirtual().start(() -> {
        try {
          int i;
          while ((i = next.getAndIncrement()) < n) {
            HttpRequest req = post("/api/v1/jobs", body.apply(i));
            while (true) {
              long s = System.nanoTime();
              int status;
              String retryAfter = null;
              try {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                status = r.statusCode();
                retryAfter = r.headers().firstValue("Retry-After").orElse(null);
              } catch (IOException e) {
                status = -1;
              }
              long e = System.nanoTime() - s;
              if (status == 429) {
                limited.incrementAndGet();
                Thread.sleep(1000L * Long.parseLong(retryAfter == null ? "1" : retryAfter));
                continue;
              }
              calls.add(new Call(e, status));
              break;
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      });
    }
    done.await();
    return calls;
  }

  static boolean waitNoActive(String project, int seconds) throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      boolean any = false;
      for (String st : List.of("Pending", "Provisioning", "Running")) {
        String body = send(get("/api/v1/jobs?projectId=" + project + "&status=" + st + "&limit=1")).body();
        if (body.contains("\"id\"")) {
          any = true;
          break;
        }
      }
      if (!any) {
        return true;
      }
      Thread.sleep(250);
    }
    return false;
  }

  // ---------------------------------------------------------------- start phase

  static void startPhase() throws Exception {
    double offset = startInstantOffsetMillis();
    CpuSnapshot cpuBefore = CpuSnapshot.take(serverPid);
    long c0 = System.nanoTime();
    String project = createProject("start-bench-" + System.currentTimeMillis());
    System.out.printf(Locale.ROOT, "%nproject %s: submitting %d jobs running '%s' with %d concurrent clients...%n", project,
        startCount, startCommand, concurrency);
    String body = "{\"projectId\":\"" + project + "\",\"name\":\"start-bench\",\"command\":" + jsonString(startCommand) + "}";
    List<String> ids = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(concurrency);
    long t0 = System.nanoTime();
    for (int t = 0; t < concurrency; t++) {
      Thread.ofVirtual().start(() -> {
        try {
          while (next.getAndIncrement() < startCount) {
            HttpResponse<String> r = send(post("/api/v1/jobs", body));
            if (r.statusCode() == 201) {
              ids.add(field(r.body(), "id"));
            } else {
              System.out.println("create: HTTP " + r.statusCode() + " " + r.body());
            }
          }
        } catch (Exception e) {
          System.out.println("create failed: " + e);
        } finally {
          done.countDown();
        }
      });
    }
    done.await();
    double submitSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "submitted %d jobs in %.2f s; waiting for all to finish...%n", ids.size(), submitSeconds);
    boolean finished = waitNoActive(project, 600);
    double allDone = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "%s %.1f s after the first submission%n", finished ? "all finished" : "NOT all finished", allDone);
    CpuSnapshot.Delta cpu = serverPid > 0 ? CpuSnapshot.take(serverPid).minus(cpuBefore, (System.nanoTime() - c0) / 1e9) : null;

    List<Double> toProvisioning = new ArrayList<>();
    List<Double> toStarted = new ArrayList<>();
    List<Double> toRunning = new ArrayList<>();
    List<Instant> created = new ArrayList<>();
    List<Instant> provisioned = new ArrayList<>();
    List<Instant> started = new ArrayList<>();
    Map<String, Integer> finalStatus = new ConcurrentHashMap<>();
    int withoutRunning = 0;
    for (String id : ids) {
      String job = send(get("/api/v1/jobs/" + id)).body();
      String history = send(get("/api/v1/jobs/" + id + "/history")).body();
      finalStatus.merge(field(job, "status"), 1, Integer::sum);
      Instant c = Instant.parse(field(job, "createdAt"));
      created.add(c);
      String s = field(job, "startedAt");
      if (s != null) {
        Instant st = Instant.parse(s).minusNanos((long) (offset * 1e6));
        started.add(st);
        toStarted.add(Duration.between(c, st).toNanos() / 1e6);
      }
      Instant p = statusTime(history, "Provisioning");
      if (p != null) {
        provisioned.add(p);
        toProvisioning.add(Duration.between(c, p).toNanos() / 1e6);
      }
      Instant r = statusTime(history, "Running");
      if (r != null) {
        toRunning.add(Duration.between(c, r).toNanos() / 1e6);
      } else {
        withoutRunning++;
      }
    }
    System.out.printf("%n=== start: %d jobs, final statuses %s ===%n", ids.size(), finalStatus);
    System.out.printf(Locale.ROOT, "(startedAt corrected by %.0f ms: the JDK derives process start times from the boot time in whole seconds)%n", -offset);
    printMillis("createdAt -> Provisioning (reconciler picked it up)", toProvisioning);
    printMillis("createdAt -> startedAt (process started)", toStarted);
    printMillis("createdAt -> Running (status recorded)", toRunning);
    if (withoutRunning > 0) {
      System.out.printf("  %d jobs went from Provisioning straight to a final status (finished before a reconcile pass saw them running)%n", withoutRunning);
    }
    Collections.sort(created);
    Collections.sort(started);
    Collections.sort(provisioned);
    if (!started.isEmpty()) {
      double span = Duration.between(created.getFirst(), started.getLast()).toNanos() / 1e9;
      double startSpan = Duration.between(started.getFirst(), started.getLast()).toNanos() / 1e9;
      System.out.printf(Locale.ROOT, "  jobs started/s: %d starts from the first createdAt to the last startedAt in %.2f s => %.0f jobs/s; "
          + "first to last start %.2f s => %.0f jobs/s; busiest second: %d starts%n",
          started.size(), span, started.size() / span, startSpan, started.size() / Math.max(startSpan, 1e-3), busiest(started));
    }
    if (cpu != null) {
      System.out.println("  from the first submission until all finished (creates, runs, status polls):");
      cpu.print("  ");
      System.out.printf(Locale.ROOT, "  CPU per job: platform JVM %.1f ms, PostgreSQL %.1f ms, finished workloads %.1f ms, machine %.1f ms%n",
          1000 * cpu.java / ids.size(), 1000 * cpu.postgres / ids.size(), 1000 * cpu.workloads / ids.size(),
          1000 * cpu.machineBusySeconds / ids.size());
    }
  }

  static int busiest(List<Instant> sorted) {
    int best = 0;
    int j = 0;
    for (int i = 0; i < sorted.size(); i++) {
      while (Duration.between(sorted.get(j), sorted.get(i)).toMillis() >= 1000) {
        j++;
      }
      best = Math.max(best, i - j + 1);
    }
    return best;
  }

  /**
   * How far {@code ProcessHandle.Info.startInstant()} (which the process runtime stores as startedAt)
   * is from the real start, in milliseconds (negative: too early). Linux gives a process start in
   * clock ticks since boot, and the JDK adds the boot time of {@code /proc/stat}'s {@code btime},
   * which is in whole seconds; the real boot time is now minus {@code /proc/uptime}. The error is the
   * same for every process on this machine.
   */
  static double startInstantOffsetMillis() {
    // Jars built before the fix "accurate process start time" stored this instant; later ones store
    // the wall clock at start, which needs no correction. -Dbench.correctStartedAt=true for old jars.
    if (!Boolean.getBoolean("bench.correctStartedAt")) {
      return 0;
    }
    try {
      long btime = Files.readAllLines(Path.of("/proc/stat")).stream().filter(l -> l.startsWith("btime "))
          .mapToLong(l -> Long.parseLong(l.substring(6).trim())).findFirst().orElseThrow();
      double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0]);
      double trueBoot = System.currentTimeMillis() / 1000.0 - uptime;
      return (btime - trueBoot) * 1000;
    } catch (IOException | RuntimeException e) {
      return 0; // not Linux: no correction
    }
  }

  static Instant statusTime(String history, String status) {
    Matcher m = Pattern.compile("\"status\"\\s*:\\s*\"" + status + "\"[^}]*\"time\"\\s*:\\s*\"([^\"]+)\"").matcher(history);
    return m.find() ? Instant.parse(m.group(1)) : null;
  }

  // ---------------------------------------------------------------- statistics

  static void printPercentiles(String what, long[] nanos) {
    if (nanos.length == 0) {
      System.out.println("  " + what + ": no samples");
      return;
    }
    long[] v = nanos.clone();
    Arrays.sort(v);
    double mean = Arrays.stream(v).average().orElse(0);
    System.out.printf(Locale.ROOT, "  %-52s p50 %7.1f  p90 %7.1f  p99 %7.1f  p99.9 %7.1f  max %7.1f  mean %7.1f ms (n=%d)%n", what,
        pct(v, 50) / 1e6, pct(v, 90) / 1e6, pct(v, 99) / 1e6, pct(v, 99.9) / 1e6, v[v.length - 1] / 1e6, mean / 1e6, v.length);
  }

  static void printMillis(String what, List<Double> millis) {
    printPercentiles(what, millis.stream().mapToLong(m -> (long) (m * 1e6)).toArray());
  }

  static long pct(long[] sorted, double p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  // ---------------------------------------------------------------- API helpers

  static String createProject(String name) throws Exception {
    HttpResponse<String> r = send(post("/api/v1/projects", "{\"name\":\"" + name + "\"}"));
    if (r.statusCode() != 201) {
      throw new IllegalStateException("create project: HTTP " + r.statusCode() + " " + r.body());
    }
    return field(r.body(), "id");
  }

  static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + key)
        .timeout(Duration.ofSeconds(60));
  }

  static HttpRequest post(String path, String json) {
    return request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
  }

  static HttpRequest get(String path) {
    return request(path).GET().build();
  }

  /** Sends, waiting out 429s (the gateway's per-key rate limit). */
  static HttpResponse<String> send(HttpRequest req) throws Exception {
    while (true) {
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 429) {
        return r;
      }
      Thread.sleep(1000L * Long.parseLong(r.headers().firstValue("Retry-After").orElse("1")));
    }
  }

  static String jsonString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  static String field(String json, String name) {
    if (json == null) {
      return null;
    }
    Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|[-0-9.eE+]+|true|false|null)")
        .matcher(json);
    if (!m.find()) {
      return null;
    }
    if (m.group(2) != null) {
      return m.group(2);
    }
    return m.group(1).equals("null") ? null : m.group(1);
  }

  // ---------------------------------------------------------------- CPU accounting

  /**
   * CPU ticks of the platform JVM, its PostgreSQL (found by its data directory under the JVM's
   * INCLINE_HOME: pg_ctl detaches it from the JVM), the workloads the JVM reaped, this client, and
   * the whole machine: what is left is other load on the machine (a build, another test).
   */
  static final class CpuSnapshot {
    static final double HZ = 100.0; // USER_HZ on Linux
    final Map<Long, Long> ticks = new HashMap<>();
    final Map<Long, String> kind = new HashMap<>();
    long reapedChildren;
    long self;
    long machineTotal;
    long machineIdle;
    int cpus = Runtime.getRuntime().availableProcessors();

    static long[] stat(long pid) throws IOException {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
      return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14])};
    }

    static String postgresMarker(long pid) {
      try {
        for (String kv : Files.readString(Path.of("/proc/" + pid + "/environ")).split("\0")) {
          if (kv.startsWith("INCLINE_HOME=")) {
            return Path.of(kv.substring(13)).toAbsolutePath().resolve("postgres").toString();
          }
        }
      } catch (IOException | RuntimeException e) {
        // not readable
      }
      return null;
    }

    static CpuSnapshot take(long pid) {
      CpuSnapshot s = new CpuSnapshot();
      try {
        String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < cpu.length; i++) {
          total += Long.parseLong(cpu[i]);
        }
        s.machineTotal = total;
        s.machineIdle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
        s.self = stat(ProcessHandle.current().pid())[0];
      } catch (IOException | RuntimeException e) {
        // not Linux
      }
      if (pid <= 0) {
        return s;
      }
      try {
        long[] j = stat(pid);
        s.ticks.put(pid, j[0]);
        s.kind.put(pid, "java");
        s.reapedChildren = j[1];
      } catch (IOException | RuntimeException e) {
        return s;
      }
      String marker = postgresMarker(pid);
      if (marker != null) {
        ProcessHandle.allProcesses()
            .filter(h -> h.info().commandLine().map(c -> c.contains("postgres") && c.contains(marker)).orElse(false))
            .forEach(pm -> {
              List<ProcessHandle> tree = new ArrayList<>();
              tree.add(pm);
              pm.descendants().forEach(tree::add);
              for (ProcessHandle h : tree) {
                try {
                  s.ticks.put(h.pid(), stat(h.pid())[0]);
                  s.kind.put(h.pid(), "postgres");
                } catch (IOException | RuntimeException e) {
                  // exited meanwhile
                }
              }
            });
      }
      return s;
    }

    Delta minus(CpuSnapshot before, double seconds) {
      Delta d = new Delta();
      d.seconds = seconds;
      for (Map.Entry<Long, Long> e : ticks.entrySet()) {
        // A backend that started during the run counts from zero.
        long b = before.ticks.getOrDefault(e.getKey(), 0L);
        double sec = (e.getValue() - b) / HZ;
        if (kind.get(e.getKey()).equals("java")) {
          d.java += sec;
        } else {
          d.postgres += sec;
        }
      }
      d.workloads = (reapedChildren - before.reapedChildren) / HZ;
      d.client = (self - before.self) / HZ;
      long total = machineTotal - before.machineTotal;
      long idle = machineIdle - before.machineIdle;
      d.machineBusy = total > 0 ? 1.0 - (double) idle / total : Double.NaN;
      d.machineBusySeconds = total > 0 ? (double) (total - idle) / total * seconds * cpus : Double.NaN;
      return d;
    }

    static final class Delta {
      double seconds;
      double java;
      double postgres;
      double workloads;
      double client;
      double machineBusy;
      double machineBusySeconds;

      double javaCores() {
        return java / seconds;
      }

      double postgresCores() {
        return postgres / seconds;
      }

      double otherSeconds() {
        return Math.max(0, machineBusySeconds - java - postgres - workloads - client);
      }

      void print(String indent) {
        System.out.printf(Locale.ROOT,
            "%sCPU over %.1f s: platform JVM %.1f s (%.2f cores), PostgreSQL %.1f s (%.2f cores), finished workloads %.1f s, "
                + "this client %.1f s, anything else %.1f s; machine busy %.0f%%%n",
            indent, seconds, java, javaCores(), postgres, postgresCores(), workloads, client, otherSeconds(), machineBusy * 100);
      }
    }
  }
}
