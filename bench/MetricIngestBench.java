import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Metric ingest benchmark for Incline: chart lines printed by a job, through the log follower, COPY
 * into PostgreSQL and the event bus, out of {@code GET /api/v1/jobs/{id}/metrics/stream} through the
 * gateway.
 *
 * <p>Single-file program, JDK classes only:
 *
 * <pre>
 * java bench/MetricIngestBench.java --url http://127.0.0.1:8080 --key KEY [--mode both|throughput|latency]
 *      [--points 1000000] [--reps 3] [--rate 10000] [--duration 10] [--server-pid PID] [--no-verify]
 * </pre>
 *
 * Throughput mode: a job prints N chart lines as fast as awk can; the client opens the SSE stream
 * right after creating the job and counts points until the {@code end} event. Latency mode: a job
 * prints lines at a fixed rate (paced by the job itself), each carrying its own wall-clock send time
 * as {@code x} in microseconds since the epoch; the client computes receive time minus send time for
 * every point. Client and server run on the same machine, so the clocks agree.
 */
public class MetricIngestBench {

  static String url = "http://127.0.0.1:8080";
  static String key;
  static String mode = "both";
  static long points = 1_000_000;
  static int reps = 3;
  static int rate = 10_000;
  static double duration = 10;
  static long serverPid = -1;
  static boolean verify = true;
  static String python = "/usr/bin/python3";
  static int timeoutSeconds = 900;

  static final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();

  public static void main(String[] args) throws Exception {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--url" -> url = args[++i].replaceAll("/+$", "");
        case "--key" -> key = args[++i];
        case "--mode" -> mode = args[++i];
        case "--points", "-n" -> points = Long.parseLong(args[++i].replace("_", ""));
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--rate" -> rate = Integer.parseInt(args[++i].replace("_", ""));
        case "--duration" -> duration = Double.parseDouble(args[++i]);
        case "--server-pid" -> serverPid = Long.parseLong(args[++i]);
        case "--no-verify" -> verify = false;
        case "--python" -> python = args[++i];
        case "--timeout" -> timeoutSeconds = Integer.parseInt(args[++i]);
        case "-h", "--help" -> {
          usage();
          return;
        }
        default -> {
          System.err.println("unknown argument " + a);
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
    System.out.printf(Locale.ROOT, "MetricIngestBench url=%s mode=%s points=%d reps=%d rate=%d/s duration=%.0fs cores=%d%n",
        url, mode, points, reps, rate, duration, Runtime.getRuntime().availableProcessors());
    String project = createProject("ingest-bench-" + System.currentTimeMillis());
    System.out.println("project " + project);

    if (mode.equals("both") || mode.equals("throughput")) {
      List<ThroughputResult> results = new ArrayList<>();
      for (int r = 1; r <= reps; r++) {
        System.out.printf("%n--- throughput run %d/%d: %,d points ---%n", r, reps, points);
        ThroughputResult res = throughput(project);
        res.print();
        results.add(res);
      }
      summarizeThroughput(results);
    }
    if (mode.equals("both") || mode.equals("latency")) {
      for (int r = 1; r <= (mode.equals("latency") ? reps : 1); r++) {
        System.out.printf(Locale.ROOT, "%n--- latency run %d: %,d points/s for %.0f s ---%n", r, rate, duration);
        latency(project);
      }
    }
  }

  static void usage() {
    System.err.println("""
        usage: java bench/MetricIngestBench.java --url http://127.0.0.1:8080 --key KEY
          --mode both|throughput|latency   (default both)
          --points N       chart lines in a throughput run (default 1000000)
          --reps R         throughput repetitions (default 3); latency repetitions in --mode latency
          --rate R         points per second in the latency run (default 10000)
          --duration S     seconds of the latency run (default 10)
          --server-pid P   pid of the platform JVM: reports CPU seconds of it and its child processes
          --no-verify      skip counting the stored points with GET /jobs/{id}/metrics
          --python PATH    python used by the latency job (default /usr/bin/python3)
          --timeout S      give up on a run after S seconds (default 900)""");
  }

  // ---------------------------------------------------------------- throughput

  static final class ThroughputResult {
    long expected;
    long received;
    long stored = -1;
    int gaps;
    double createToLastSeconds;
    double firstToLastSeconds;
    double createToFirstSeconds;
    double storedSeconds = Double.NaN; // finishedAt - startedAt
    double followerSeconds = Double.NaN; // last - first point "time" (when the follower read the line)
    double createToEndSeconds;
    String status;
    String jobId;
    CpuSnapshot.Delta cpu;

    double e2eRate() {
      return received / createToLastSeconds;
    }

    double steadyRate() {
      return received / firstToLastSeconds;
    }

    double storedRate() {
      return stored / storedSeconds;
    }

    double followerRate() {
      return received / followerSeconds;
    }

    void print() {
      System.out.printf(Locale.ROOT, "job %s %s; received %,d of %,d points over SSE (%d sequence gaps)%n",
          jobId, status, received, expected, gaps);
      System.out.printf(Locale.ROOT, "  create -> first point received   %8.3f s%n", createToFirstSeconds);
      System.out.printf(Locale.ROOT, "  create -> last point received    %8.3f s   => end-to-end %,10.0f points/s%n",
          createToLastSeconds, e2eRate());
      System.out.printf(Locale.ROOT, "  first -> last point received     %8.3f s   => steady     %,10.0f points/s%n",
          firstToLastSeconds, steadyRate());
      System.out.printf(Locale.ROOT, "  follower read span (point times) %8.3f s   => read       %,10.0f points/s%n",
          followerSeconds, followerRate());
      if (stored >= 0) {
        System.out.printf(Locale.ROOT, "  stored %,d points; startedAt -> finishedAt %.3f s => stored %,10.0f points/s%n",
            stored, storedSeconds, storedRate());
      System.out.println("    (startedAt corrected for the JDK's whole-second boot time)");
      } else {
        System.out.printf(Locale.ROOT, "  startedAt -> finishedAt %.3f s => stored (SSE count) %,10.0f points/s%n",
            storedSeconds, received / storedSeconds);
      }
      System.out.printf(Locale.ROOT, "  create -> end event              %8.3f s%n", createToEndSeconds);
      if (cpu != null) {
        cpu.print("  ");
      }
    }
  }

  static ThroughputResult throughput(String project) throws Exception {
    String command = "awk 'BEGIN{for(i=0;i<" + points
        + ";i++) printf \"{\\\"chart\\\":\\\"loss\\\",\\\"x\\\":%d,\\\"y\\\":%.6f}\\n\", i, 1/(i+1)}'";
    CpuSnapshot before = CpuSnapshot.take(serverPid);
    long t0 = System.nanoTime();
    String job = createJob(project, "ingest-throughput", command);
    Stream s = Stream.open(job, false);
    boolean done = s.await(timeoutSeconds);
    long tEnd = System.nanoTime();
    CpuSnapshot after = CpuSnapshot.take(serverPid);
    if (!done) {
      System.out.println("  !! no end event within " + timeoutSeconds + " s");
    }
    if (s.error != null) {
      System.out.println("  !! stream error: " + s.error);
    }
    String record = waitTerminal(job, 120);
    ThroughputResult r = new ThroughputResult();
    r.jobId = job;
    r.expected = points;
    r.received = s.count;
    r.gaps = s.gaps;
    r.status = field(record, "status");
    r.createToFirstSeconds = (s.firstNanos - t0) / 1e9;
    r.createToLastSeconds = (s.lastNanos - t0) / 1e9;
    r.firstToLastSeconds = (s.lastNanos - s.firstNanos) / 1e9;
    r.createToEndSeconds = (tEnd - t0) / 1e9;
    if (s.firstServerTime != null && s.lastServerTime != null) {
      r.followerSeconds = Duration.between(s.firstServerTime, s.lastServerTime).toNanos() / 1e9;
    }
    String started = field(record, "startedAt");
    String finished = field(record, "finishedAt");
    if (started != null && finished != null) {
      // startedAt is the JDK's process start instant, early by the fraction of a second that /proc/stat's btime drops.
      Instant s0 = Instant.parse(started).plusNanos((long) (startInstantErrorMillis() * 1e6));
      r.storedSeconds = Duration.between(s0, Instant.parse(finished)).toNanos() / 1e9;
    }
    if (verify) {
      r.stored = countStoredPoints(job);
    }
    if (serverPid > 0) {
      r.cpu = after.minus(before, (tEnd - t0) / 1e9);
    }
    return r;
  }

  /**
   * How much earlier than the real start {@code ProcessHandle.Info.startInstant()} is (the process
   * runtime stores it as startedAt): Linux gives a process start in ticks since boot and the JDK adds
   * {@code btime} from /proc/stat, whole seconds; the real boot time is now minus /proc/uptime.
   */
  static double startInstantErrorMillis() {
    // Jars built before the fix "accurate process start time" stored this instant; later ones store
    // the wall clock at start, which needs no correction. -Dbench.correctStartedAt=true for old jars.
    if (!Boolean.getBoolean("bench.correctStartedAt")) {
      return 0;
    }
    try {
      long btime = Files.readAllLines(Path.of("/proc/stat")).stream().filter(l -> l.startsWith("btime "))
          .mapToLong(l -> Long.parseLong(l.substring(6).trim())).findFirst().orElseThrow();
      double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0]);
      return (System.currentTimeMillis() / 1000.0 - uptime - btime) * 1000;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static void summarizeThroughput(List<ThroughputResult> rs) {
    if (rs.isEmpty()) {
      return;
    }
    System.out.printf("%n=== throughput summary over %d runs of %,d points (median [min .. max]) ===%n", rs.size(), points);
    line("end-to-end (create -> last SSE point)", rs.stream().mapToDouble(ThroughputResult::e2eRate).toArray(), "points/s");
    line("steady SSE (first -> last point)", rs.stream().mapToDouble(ThroughputResult::steadyRate).toArray(), "points/s");
    line("follower read rate (point times)", rs.stream().mapToDouble(ThroughputResult::followerRate).toArray(), "points/s");
    if (rs.stream().allMatch(r -> r.stored >= 0)) {
      line("stored (count / (finishedAt - startedAt))", rs.stream().mapToDouble(ThroughputResult::storedRate).toArray(), "points/s");
    }
    line("create -> first point", rs.stream().mapToDouble(r -> r.createToFirstSeconds).toArray(), "s");
    line("create -> end event", rs.stream().mapToDouble(r -> r.createToEndSeconds).toArray(), "s");
    if (rs.stream().allMatch(r -> r.cpu != null)) {
      line("platform JVM CPU (cores busy)", rs.stream().mapToDouble(r -> r.cpu.javaCores()).toArray(), "cores");
      line("PostgreSQL CPU (cores busy)", rs.stream().mapToDouble(r -> r.cpu.postgresCores()).toArray(), "cores");
      line("machine CPU busy", rs.stream().mapToDouble(r -> r.cpu.machineBusy * 100).toArray(), "%");
      line("other load on the machine (cores)", rs.stream().mapToDouble(r -> r.cpu.otherSeconds() / r.cpu.seconds).toArray(), "cores");
    }
    long lost = rs.stream().mapToLong(r -> r.expected - r.received).sum();
    System.out.printf(Locale.ROOT, "points missing over SSE in all runs: %d; sequence gaps: %d%n", lost,
        rs.stream().mapToInt(r -> r.gaps).sum());
  }

  static void line(String what, double[] values, String unit) {
    double[] v = values.clone();
    Arrays.sort(v);
    double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    String fmt = unit.equals("points/s") ? "%,.0f" : "%.3f";
    System.out.printf(Locale.ROOT, "  %-44s " + fmt + " [" + fmt + " .. " + fmt + "] %s%n", what, median, v[0], v[v.length - 1], unit);
  }

  // ---------------------------------------------------------------- latency

  static void latency(String project) throws Exception {
    // Paced by the job: every millisecond it writes the lines that are due, all stamped with the
    // time of the write (epoch microseconds as x), and flushes.
    String script = String.join("\n",
        "import sys, time",
        "rate = " + rate,
        "total = int(rate * " + duration + ")",
        "out = sys.stdout",
        "t0 = time.time()",
        "n = 0",
        "tick = 0",
        "while n < total:",
        "    tick += 1",
        "    wake = t0 + tick * 0.001",
        "    d = wake - time.time()",
        "    if d > 0:",
        "        time.sleep(d)",
        "    due = min(total, int((time.time() - t0) * rate))",
        "    if due <= n:",
        "        continue",
        "    us = time.time_ns() // 1000",
        "    out.write(\"\".join(\"{\\\"chart\\\":\\\"latency\\\",\\\"x\\\":%d,\\\"y\\\":%d}\\n\" % (us, i) for i in range(n, due)))",
        "    out.flush()",
        "    n = due",
        "");
    if (script.contains("'")) {
      throw new IllegalStateException("the script must not contain single quotes");
    }
    String command = python + " -c '" + script + "'";
    CpuSnapshot before = CpuSnapshot.take(serverPid);
    long t0 = System.nanoTime();
    String job = createJob(project, "ingest-latency", command);
    Stream s = Stream.open(job, true);
    boolean done = s.await(timeoutSeconds);
    long tEnd = System.nanoTime();
    CpuSnapshot after = CpuSnapshot.take(serverPid);
    if (!done) {
      System.out.println("  !! no end event within " + timeoutSeconds + " s");
    }
    if (s.error != null) {
      System.out.println("  !! stream error: " + s.error);
    }
    String record = waitTerminal(job, 120);
    long expected = (long) (rate * duration);
    System.out.printf(Locale.ROOT, "job %s %s; received %,d of %,d points (%d sequence gaps)%n", job, field(record, "status"),
        s.count, expected, s.gaps);
    if (s.count == 0) {
      return;
    }
    int n = s.latN;
    double sendSpan = (s.lastSendMicros - s.firstSendMicros) / 1e6;
    System.out.printf(Locale.ROOT, "  achieved send rate %,.0f points/s over %.2f s%n", n / Math.max(sendSpan, 1e-9), sendSpan);
    printPercentiles("line written -> SSE event received (end to end)", Arrays.copyOf(s.e2e, n));
    printPercentiles("line written -> read by the follower (point time)", Arrays.copyOf(s.toRead, n));
    printPercentiles("read by the follower -> SSE event received", Arrays.copyOf(s.readToRecv, n));
    // Without the first second: JIT warm-up and stream start.
    int skip = 0;
    while (skip < n && s.sendMicros[skip] - s.firstSendMicros < 1_000_000) {
      skip++;
    }
    if (skip < n) {
      printPercentiles("end to end, first second excluded", Arrays.copyOfRange(s.e2e, skip, n));
    }
    if (serverPid > 0) {
      after.minus(before, (tEnd - t0) / 1e9).print("  ");
    }
  }

  static void printPercentiles(String what, long[] micros) {
    long[] v = micros.clone();
    Arrays.sort(v);
    System.out.printf(Locale.ROOT, "  %-52s p50 %7.1f  p90 %7.1f  p99 %7.1f  p99.9 %7.1f  max %7.1f ms (n=%d)%n", what,
        pct(v, 50) / 1e3, pct(v, 90) / 1e3, pct(v, 99) / 1e3, pct(v, 99.9) / 1e3, v[v.length - 1] / 1e3, v.length);
  }

  static long pct(long[] sorted, double p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  // ---------------------------------------------------------------- SSE client

  /** Reads {@code /metrics/stream} on its own thread until the {@code end} event. */
  static final class Stream {
    final CountDownLatch ended = new CountDownLatch(1);
    final boolean latency;
    volatile long count;
    volatile int gaps;
    volatile long firstNanos;
    volatile long lastNanos;
    volatile Instant firstServerTime;
    volatile Instant lastServerTime;
    volatile Throwable error;
    long lastId;
    // latency mode
    long[] e2e = new long[1 << 16];
    long[] toRead = new long[1 << 16];
    long[] readToRecv = new long[1 << 16];
    long[] sendMicros = new long[1 << 16];
    int latN;
    long firstSendMicros = -1;
    long lastSendMicros;

    Stream(boolean latency) {
      this.latency = latency;
    }

    static Stream open(String job, boolean latency) throws Exception {
      Stream s = new Stream(latency);
      HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/api/v1/jobs/" + job + "/metrics/stream"))
          .header("Authorization", "Bearer " + key)
          .header("Accept", "text/event-stream")
          .GET().build();
      HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      if (resp.statusCode() != 200) {
        throw new IllegalStateException("metrics stream: HTTP " + resp.statusCode() + " " + new String(resp.body().readAllBytes()));
      }
      Thread.ofPlatform().name("sse-reader").daemon().start(() -> s.read(resp.body()));
      return s;
    }

    boolean await(int seconds) throws InterruptedException {
      return ended.await(seconds, TimeUnit.SECONDS);
    }

    void read(InputStream in) {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
        String event = null;
        long id = -1;
        String line;
        while ((line = r.readLine()) != null) {
          if (line.isEmpty()) {
            event = null;
            id = -1;
            continue;
          }
          if (line.startsWith("event:")) {
            event = line.substring(6).trim();
            if (event.equals("end")) {
              return; // finally: counts down
            }
          } else if (line.startsWith("id:")) {
            id = Long.parseLong(line.substring(3).trim());
          } else if (line.startsWith("data:") && "metric".equals(event)) {
            long now = System.nanoTime();
            onPoint(id, line, now);
          }
        }
      } catch (Throwable e) {
        error = e;
      } finally {
        if (lastData != null) {
          lastServerTime = Instant.parse(str(lastData, "time"));
        }
        ended.countDown();
      }
    }

    private void onPoint(long id, String data, long nowNanos) {
      long c = count + 1;
      if (c == 1) {
        firstNanos = nowNanos;
        firstServerTime = Instant.parse(str(data, "time"));
      }
      if (id >= 0) {
        if (lastId != 0 && id != lastId + 1) {
          gaps++;
        }
        lastId = id;
      }
      lastNanos = nowNanos;
      count = c;
      if (latency) {
        Instant recv = Instant.now();
        long recvMicros = recv.getEpochSecond() * 1_000_000 + recv.getNano() / 1000;
        long sent = (long) num(data, "x");
        Instant t = Instant.parse(str(data, "time"));
        long readMicros = t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
        if (latN == e2e.length) {
          int len = latN * 2;
          e2e = Arrays.copyOf(e2e, len);
          toRead = Arrays.copyOf(toRead, len);
          readToRecv = Arrays.copyOf(readToRecv, len);
          sendMicros = Arrays.copyOf(sendMicros, len);
        }
        e2e[latN] = recvMicros - sent;
        toRead[latN] = readMicros - sent;
        readToRecv[latN] = recvMicros - readMicros;
        sendMicros[latN] = sent;
        latN++;
        if (firstSendMicros < 0) {
          firstSendMicros = sent;
        }
        lastSendMicros = sent;
      }
      // Only the last point's server time is needed: parsed once when the stream ends.
      lastData = data;
    }

    String lastData;

    @Override
    public String toString() {
      return "Stream[" + count + "]";
    }
  }

  // ---------------------------------------------------------------- API helpers

  static String createProject(String name) throws Exception {
    HttpResponse<String> r = send(post("/api/v1/projects", "{\"name\":\"" + name + "\"}"));
    if (r.statusCode() != 201) {
      throw new IllegalStateException("create project: HTTP " + r.statusCode() + " " + r.body());
    }
    return field(r.body(), "id");
  }

  static String createJob(String project, String name, String command) throws Exception {
    String body = "{\"projectId\":\"" + project + "\",\"name\":\"" + name + "\",\"command\":" + jsonString(command) + "}";
    HttpResponse<String> r = send(post("/api/v1/jobs", body));
    if (r.statusCode() != 201) {
      throw new IllegalStateException("create job: HTTP " + r.statusCode() + " " + r.body());
    }
    return field(r.body(), "id");
  }

  static String waitTerminal(String job, int seconds) throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    String body = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = send(get("/api/v1/jobs/" + job));
      body = r.body();
      String status = field(body, "status");
      if (r.statusCode() == 200 && status != null
          && (status.equals("Succeeded") || status.equals("Failed") || status.equals("Stopped"))) {
        return body;
      }
      Thread.sleep(200);
    }
    return body;
  }

  /** Streams {@code GET /jobs/{id}/metrics} and counts the points without holding the document. */
  static long countStoredPoints(String job) throws Exception {
    HttpResponse<InputStream> r = sendStream(get("/api/v1/jobs/" + job + "/metrics"));
    if (r.statusCode() != 200) {
      System.out.println("  !! GET metrics: HTTP " + r.statusCode());
      return -1;
    }
    byte[] pattern = "{\"x\":".getBytes(StandardCharsets.US_ASCII);
    long n = 0;
    int matched = 0;
    try (InputStream in = r.body()) {
      byte[] buf = new byte[1 << 16];
      int len;
      while ((len = in.read(buf)) > 0) {
        for (int i = 0; i < len; i++) {
          byte b = buf[i];
          if (b == pattern[matched]) {
            if (++matched == pattern.length) {
              n++;
              matched = 0;
            }
          } else {
            matched = b == pattern[0] ? 1 : 0;
          }
        }
      }
    }
    return n;
  }

  static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + key)
        .timeout(Duration.ofSeconds(120));
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

  static HttpResponse<InputStream> sendStream(HttpRequest req) throws Exception {
    while (true) {
      HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 429) {
        return r;
      }
      r.body().close();
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

  /** The first string or scalar value of a top-level-ish field in a JSON text; null when absent or null. */
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

  static String str(String data, String name) {
    String k = "\"" + name + "\":\"";
    int i = data.indexOf(k);
    if (i < 0) {
      return null;
    }
    int s = i + k.length();
    return data.substring(s, data.indexOf('"', s));
  }

  static double num(String data, String name) {
    String k = "\"" + name + "\":";
    int i = data.indexOf(k);
    int s = i + k.length();
    int e = s;
    while (e < data.length() && "-+.0123456789eE".indexOf(data.charAt(e)) >= 0) {
      e++;
    }
    return Double.parseDouble(data.substring(s, e));
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
