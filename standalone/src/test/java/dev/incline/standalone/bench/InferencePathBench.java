package dev.incline.standalone.bench;

import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import dev.incline.platform.security.Role;
import dev.incline.standalone.Standalone;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What each hop of the inference path costs: the same single-row digits request (FP32 [1,64], the
 * small linear model of the model server's tests, uploaded as a model version through the API) sent
 * in one run, on one machine, three ways:
 * <ol>
 *   <li>{@code model-server}: straight to a model server process this bench starts itself, with the
 *       same command line as a process replica of a deployment (same JVM, {@code -Xmx512m}, same jar)</li>
 *   <li>{@code deployment-svc}: to deployment-service's {@code /deployments/<id>/v2/models/digits/infer},
 *       with an internal token ({@code X-Incline-Token}) minted here with the standalone's internal
 *       secret, as the gateway would: deployment-service's routing (token check, ownership, least-busy
 *       pick, proxy to the replica) over one model-server replica</li>
 *   <li>{@code gateway}: the public path, {@code Authorization: Bearer <API key>} on the gateway, which
 *       authenticates, rate-limits (limit raised for the bench, and checked), mints the token and
 *       proxies to deployment-service</li>
 * </ol>
 * Closed-loop clients (N platform threads, one keep-alive connection each, a raw-socket HTTP/1.1
 * client so that the client's own cost stays small) at concurrency 1, 8 and 64: a warm-up, then a fixed
 * measuring time; p50, p99, throughput, and where the CPU went (the client threads, the standalone's
 * JVM, the model-server process(es), the whole machine). The deployment has replicas min=max=1 so that
 * it compares with the single model-server process; then it is scaled to 2 and the top concurrency is
 * measured again through deployment-service and the gateway.
 *
 * <p>A measurement, not a test: its name matches neither surefire's nor failsafe's include patterns,
 * so a build never runs it. Run it on a quiet machine with {@code bench/inference-path.sh}, or:
 * <pre>
 * ./mvnw -o -pl standalone test -Dtest=InferencePathBench -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dbench.duration=10 -Dbench.warmup=3 -Dbench.concurrency=1,8,64
 * </pre>
 * Properties: {@code bench.duration} (s measured per cell, 10), {@code bench.warmup} (s of warm-up per
 * cell, 3), {@code bench.initialWarmup} (s per path at 8 clients before the first cell, 15: with less,
 * C2 still compiles the standalone's code during the first cells), {@code bench.concurrency} (1,8,64),
 * {@code bench.rounds} (1; with more, the cells repeat in rounds and the table shows each cell's median
 * over the rounds, client connections summed), {@code bench.twoReplicas} (true), {@code bench.jfr} (a
 * directory: JFR recordings of this JVM during the deployment-svc and gateway cells of the first round),
 * {@code bench.paths} (model-server,deployment-svc,gateway: a subset measures only those),
 * {@code bench.keepHome} (false), {@code bench.out} (the results file, {@code target/inference-path-bench.md}).
 */
class InferencePathBench {

  static final String KEY = "bench-admin-key-" + UUID.randomUUID();
  static final JsonMapper json = JsonMapper.builder().build();
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final String MS = "model-server";
  static final String DS = "deployment-svc";
  static final String GW = "gateway";

  static String base;

  /** One path to measure: a port, and the request bytes to send there. */
  record Target(String name, int port, byte[] request) {}

  /** One cell's result. */
  record Cell(String path, int clients, String note, long requests, long errors, String firstError, double seconds,
      long p50, long p99, long max, int connections, double clientCores, double jvmCores, double serverCores,
      double machineCores, long timeWaitDs, long timeWaitMs, String threads) {

    double throughput() {
      return requests / seconds;
    }
  }

  @Test
  void measure() throws Exception {
    int duration = Integer.getInteger("bench.duration", 10);
    int warmup = Integer.getInteger("bench.warmup", 3);
    int initialWarmup = Integer.getInteger("bench.initialWarmup", 15);
    int rounds = Integer.getInteger("bench.rounds", 1);
    List<Integer> levels = Arrays.stream(System.getProperty("bench.concurrency", "1,8,64").split(","))
        .map(String::trim).map(Integer::parseInt).toList();
    int top = levels.stream().mapToInt(Integer::intValue).max().orElseThrow();
    boolean twoReplicas = Boolean.parseBoolean(System.getProperty("bench.twoReplicas", "true"));
    String jfrDir = System.getProperty("bench.jfr");
    boolean keepHome = Boolean.getBoolean("bench.keepHome");
    List<String> paths = Arrays.stream(System.getProperty("bench.paths", MS + "," + DS + "," + GW).split(","))
        .map(String::trim).toList();
    Path out = Path.of(System.getProperty("bench.out", "target/inference-path-bench.md")).toAbsolutePath();

    // the gateway's per-key limit (100/s, burst 200 by default) must not be what this measures;
    // the standalone's own properties do not set it, so system properties reach the gateway
    System.setProperty("incline.gateway.rate-limit.requests-per-second", "1000000");
    System.setProperty("incline.gateway.rate-limit.burst", "1000000");

    Path home = Path.of("target", "bench-home-" + UUID.randomUUID()).toAbsolutePath();
    Path model = Path.of("..", "model-server", "src", "test", "resources", "models", "digits", "model.onnx")
        .toAbsolutePath().normalize();
    Path jar = modelServerJar();
    Standalone standalone = standalone(Map.of("INCLINE_HOME", home.toString(), "INCLINE_PORT", "0",
        "INCLINE_BOOTSTRAP_API_KEY", KEY, "INCLINE_MODEL_SERVER_JAR", jar.toString()));
    Process direct = null;
    String deployment = null;
    List<ProcessHandle> replicas = List.of();
    try {
      standalone.start();
      base = "http://127.0.0.1:" + standalone.gatewayPort();
      int dsPort = standalone.deploymentServicePort();

      // 1. the model server alone, started as deployment-service starts a process replica
      int msPort = freePort();
      List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
          "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "--spring.main.banner-mode=off",
          "--server.address=127.0.0.1", "--server.port=" + msPort,
          "--incline.model-server.models[0].name=digits", "--incline.model-server.models[0].path=" + model));
      Path msLog = home.resolve("model-server-direct.log");
      direct = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(msLog.toFile()).start();
      awaitReady("http://127.0.0.1:" + msPort + "/v2/health/ready", direct, msLog);

      // the model as a user registers and deploys it, through the gateway
      String project = ok(call("POST", "/api/v1/projects", null, "{\"name\": \"bench\"}"), 201).get("id").asString();
      ok(call("POST", "/api/v1/models", null, "{\"projectId\": \"" + project + "\", \"name\": \"digits\", \"format\": \"onnx\"}"), 201);
      JsonNode version = ok(http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/models/digits/versions"))
          .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/octet-stream")
          .POST(HttpRequest.BodyPublishers.ofFile(model)).build(), HttpResponse.BodyHandlers.ofString()), 201);
      JsonNode created = ok(call("POST", "/api/v1/deployments", null, "{\"projectId\": \"" + project + "\", \"name\": \"digits-bench\","
          + " \"model\": \"digits:" + version.get("version").asInt() + "\", \"replicas\": {\"min\": 1, \"max\": 1}}"), 201);
      deployment = created.get("id").asString();
      awaitDeployment(deployment, 1);
      replicas = replicaProcesses(home);
      if (replicas.size() != 1) {
        throw new IllegalStateException("expected one replica process under " + home + ", found " + replicas.size());
      }

      // 2. deployment-service with a token as the gateway mints it, for the API key's caller
      JsonNode me = ok(call("GET", "/api/v1/me", null, null), 200);
      Caller caller = new Caller(me.get("team").get("id").asString(), me.get("team").get("name").asString(),
          me.get("user").get("id").asString(), Role.fromWire(me.get("role").asString()), me.get("platformAdmin").asBoolean());
      InternalTokens tokens = new InternalTokens(internalSecret(home), Duration.ofHours(6), Clock.systemUTC());
      String token = tokens.issue(caller);

      byte[] body = digitsRequest().getBytes(StandardCharsets.UTF_8);
      String infer = "/deployments/" + deployment + "/v2/models/digits/infer";
      Map<String, Target> targets = new LinkedHashMap<>();
      targets.put(MS, new Target(MS, msPort, BenchHttp.post("/v2/models/digits/infer", Map.of(), body)));
      targets.put(DS, new Target(DS, dsPort, BenchHttp.post(infer, Map.of(InternalTokens.HEADER, token), body)));
      targets.put(GW, new Target(GW, standalone.gatewayPort(), BenchHttp.post(infer, Map.of("Authorization", "Bearer " + KEY), body)));

      // the same answer on every path
      String expected = null;
      for (Target t : targets.values()) {
        try (BenchHttp c = new BenchHttp(t.port())) {
          BenchHttp.Response r = c.call(t.request());
          if (r.status() != 200) {
            throw new IllegalStateException(t.name() + ": " + r.status() + " " + r.body());
          }
          String scores = json.readTree(r.body()).get("outputs").get(0).get("data").toString();
          if (expected == null) {
            expected = scores;
          } else if (!expected.equals(scores)) {
            throw new IllegalStateException(t.name() + " answered " + scores + ", the model server " + expected);
          }
        }
      }
      // the raised rate limit is in force: 600 requests at once through the gateway, no 429
      long limited = burst(targets.get(GW), 600);
      if (limited > 0) {
        throw new IllegalStateException(limited + " of 600 gateway requests were not 200: is the rate limit still on?");
      }

      List<Integer> replicaPorts = replicas.stream().map(InferencePathBench::portOf).toList();
      System.out.printf(Locale.ROOT, "%nInferencePathBench: request %d bytes, answer %s; model-server :%d (pid %d), "
              + "deployment %s replica :%s (pid %s), deployment-service :%d, gateway :%d; %d s warm-up + %d s measured per cell, %d round(s)%n",
          body.length, expected, msPort, direct.pid(), deployment, replicaPorts, replicas.stream().map(p -> Long.toString(p.pid()))
              .collect(Collectors.joining(",")), dsPort, standalone.gatewayPort(), warmup, duration, rounds);

      // initial warm-up: JIT of every hop
      for (Target t : targets.values()) {
        if (paths.contains(t.name())) {
          run(t, 8, 0, initialWarmup, List.of(), dsPort, List.of(), null);
        }
      }

      Map<String, List<Cell>> merged = new LinkedHashMap<>();
      List<Long> msPids = List.of(direct.pid());
      List<Long> replicaPids = replicas.stream().map(ProcessHandle::pid).toList();
      for (int round = 1; round <= rounds; round++) {
        for (int c : levels) {
          for (Target t : targets.values()) {
            if (!paths.contains(t.name())) {
              continue;
            }
            List<Long> pids = t.name().equals(MS) ? msPids : replicaPids;
            List<Integer> msPorts = t.name().equals(MS) ? List.of(msPort) : replicaPorts;
            Path jfr = jfrDir != null && !t.name().equals(MS) && round == 1
                ? Path.of(jfrDir).resolve(t.name() + "-c" + c + ".jfr") : null;
            Cell cell = run(t, c, warmup, duration, pids, dsPort, msPorts, jfr);
            print("round " + round, cell);
            merged.computeIfAbsent(t.name() + "/" + c, k -> new ArrayList<>()).add(cell);
          }
        }
      }

      List<Cell> twoCells = new ArrayList<>();
      if (twoReplicas && paths.contains(DS) && paths.contains(GW)) {
        // straight to deployment-service: the gateway's proxy (HttpURLConnection, spring.http.clients
        // .imperative.factory=simple) cannot send PATCH and answers 500 ("Invalid HTTP method: PATCH")
        ok(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dsPort + "/api/v1/deployments/" + deployment))
            .header(InternalTokens.HEADER, token).header("Content-Type", "application/json")
            .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"replicas\": {\"min\": 2, \"max\": 2}}")).build(),
            HttpResponse.BodyHandlers.ofString()), 200);
        awaitDeployment(deployment, 2);
        replicas = replicaProcesses(home);
        List<Long> pids = replicas.stream().map(ProcessHandle::pid).toList();
        List<Integer> ports = replicas.stream().map(InferencePathBench::portOf).toList();
        // the new replica's JIT
        run(targets.get(DS), 8, 0, initialWarmup, List.of(), dsPort, List.of(), null);
        for (String name : List.of(DS, GW)) {
          Cell cell = run(targets.get(name), top, warmup, duration, pids, dsPort, ports, null);
          cell = withNote(cell, "2 replicas");
          print("2 replicas", cell);
          twoCells.add(cell);
        }
      }

      String report = report(levels, top, merged, twoCells, duration, warmup, rounds, body.length);
      System.out.println(report);
      Files.createDirectories(out.getParent());
      Files.writeString(out, report);
      System.out.println("written to " + out);
    } finally {
      if (deployment != null && base != null) {
        try {
          call("DELETE", "/api/v1/deployments/" + deployment, null, null);
        } catch (Exception e) {
          System.err.println("could not delete the deployment: " + e);
        }
      }
      List<ProcessHandle> left = new ArrayList<>(replicaProcesses(home));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (left.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
        Thread.sleep(250);
      }
      left.stream().filter(ProcessHandle::isAlive).forEach(p -> {
        System.err.println("replica process " + p.pid() + " still running after the deployment's delete: stopping it");
        p.destroy();
      });
      if (direct != null) {
        direct.destroy();
        direct.waitFor();
      }
      standalone.close();
      System.clearProperty("incline.gateway.rate-limit.requests-per-second");
      System.clearProperty("incline.gateway.rate-limit.burst");
      if (!keepHome) {
        FileSystemUtils.deleteRecursively(home);
      }
    }
  }

  // ---- measuring

  /**
   * {@code clients} threads, each with its own connection, send {@code t}'s request back to back:
   * {@code warmup} seconds unrecorded, then {@code duration} seconds recorded.
   */
  static Cell run(Target t, int clients, int warmup, int duration, List<Long> serverPids, int dsPort,
      List<Integer> msPorts, Path jfr) throws Exception {
    long start = System.nanoTime() + 200_000_000L; // all threads connected by then
    long t0 = start + warmup * 1_000_000_000L;
    long t1 = t0 + duration * 1_000_000_000L;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long[][] samples = new long[clients][];
    int[] counts = new int[clients];
    long[] clientCpu = new long[clients];
    int[] connections = new int[clients];
    AtomicLong errors = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(clients);
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      int id = i;
      workers.add(Thread.ofPlatform().name("bench-client-" + i).start(() -> {
        long[] lat = new long[1 << 16];
        int n = 0;
        long cpu0 = -1;
        try (BenchHttp client = new BenchHttp(t.port())) {
          while (System.nanoTime() < start) {
            Thread.onSpinWait();
          }
          while (true) {
            long a = System.nanoTime();
            if (a >= t1) {
              break;
            }
            boolean measured = a >= t0;
            if (measured && cpu0 < 0) {
              cpu0 = threads.getCurrentThreadCpuTime();
            }
            BenchHttp.Response r = client.call(t.request());
            long b = System.nanoTime();
            if (r.status() != 200) {
              errors.incrementAndGet();
              firstError.compareAndSet(null, r.status() + " " + r.body());
            }
            if (measured) {
              if (n == lat.length) {
                lat = Arrays.copyOf(lat, n * 2);
              }
              lat[n++] = b - a;
            }
          }
          clientCpu[id] = cpu0 < 0 ? 0 : threads.getCurrentThreadCpuTime() - cpu0;
          connections[id] = client.connections();
        } catch (IOException e) {
          errors.incrementAndGet();
          firstError.compareAndSet(null, e.toString());
        } finally {
          samples[id] = lat;
          counts[id] = n;
          done.countDown();
        }
      }));
    }
    // the coordinator samples CPU and sockets at the start and the end of the measured window
    sleepUntil(t0);
    Object recording = jfr == null ? null : startJfr();
    long jvm0 = jvmCpu();
    long[] machine0 = machineTicks();
    long server0 = processTicks(serverPids);
    java.util.Set<String> twDs0 = timeWait(List.of(dsPort));
    java.util.Set<String> twMs0 = timeWait(msPorts);
    Map<String, Long> jvmThreads0 = threadTicks(List.of(ProcessHandle.current().pid()));
    Map<String, Long> serverThreads0 = threadTicks(serverPids);
    sleepUntil(t1);
    Map<String, Long> jvmThreads1 = threadTicks(List.of(ProcessHandle.current().pid()));
    Map<String, Long> serverThreads1 = threadTicks(serverPids);
    long jvm1 = jvmCpu();
    long[] machine1 = machineTicks();
    long server1 = processTicks(serverPids);
    java.util.Set<String> twDs1 = timeWait(List.of(dsPort));
    java.util.Set<String> twMs1 = timeWait(msPorts);
    if (recording != null) {
      stopJfr(recording, jfr);
    }
    done.await();
    for (Thread w : workers) {
      w.join();
    }
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int k = 0;
    for (int i = 0; i < clients; i++) {
      System.arraycopy(samples[i], 0, all, k, counts[i]);
      k += counts[i];
    }
    Arrays.sort(all);
    double seconds = duration;
    double tick = 100.0; // USER_HZ
    return new Cell(t.name(), clients, "", total, errors.get(), firstError.get(), seconds,
        pct(all, 0.50), pct(all, 0.99), total == 0 ? 0 : all[total - 1], Arrays.stream(connections).sum(),
        Arrays.stream(clientCpu).sum() / 1e9 / seconds, (jvm1 - jvm0) / 1e9 / seconds,
        (server1 - server0) / tick / seconds, (machine1[0] - machine0[0]) / tick / seconds,
        added(twDs0, twDs1), added(twMs0, twMs1), "standalone JVM " + busiest(jvmThreads0, jvmThreads1, seconds)
        + "; model-server " + busiest(serverThreads0, serverThreads1, seconds));
  }

  /** CPU ticks per thread name (digits folded to N) of the processes, from /proc/PID/task/TID/stat. */
  static Map<String, Long> threadTicks(List<Long> pids) {
    Map<String, Long> ticks = new HashMap<>();
    for (long pid : pids) {
      try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
        for (Path task : tasks.toList()) {
          try {
            String stat = Files.readString(task.resolve("stat"));
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "N");
            String[] f = stat.substring(stat.lastIndexOf(") ") + 2).split(" ");
            ticks.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
          } catch (IOException | RuntimeException e) {
            // the thread ended
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }
    return ticks;
  }

  /** The thread names that used the most CPU between two snapshots, as cores. */
  static String busiest(Map<String, Long> before, Map<String, Long> after, double seconds) {
    return after.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
        .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue() / 100.0 / seconds))
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** {@code n} requests at once, one connection each; how many were not 200. */
  static long burst(Target t, int n) throws Exception {
    AtomicLong bad = new AtomicLong();
    List<Thread> ts = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < n; i++) {
      ts.add(Thread.ofVirtual().start(() -> {
        try (BenchHttp c = new BenchHttp(t.port())) {
          go.await();
          if (c.call(t.request()).status() != 200) {
            bad.incrementAndGet();
          }
        } catch (Exception e) {
          bad.incrementAndGet();
        }
      }));
    }
    go.countDown();
    for (Thread t2 : ts) {
      t2.join();
    }
    return bad.get();
  }

  static long pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.round(p * (sorted.length - 1))];
  }

  static void sleepUntil(long nanos) throws InterruptedException {
    for (long left = nanos - System.nanoTime(); left > 0; left = nanos - System.nanoTime()) {
      Thread.sleep(Duration.ofNanos(Math.min(left, 50_000_000L)));
    }
  }

  static long jvmCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Busy and idle ticks of the whole machine (/proc/stat). */
  static long[] machineTicks() throws IOException {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
    long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
        + Long.parseLong(f[7]) + Long.parseLong(f[8]);
    return new long[] {busy, Long.parseLong(f[4]) + Long.parseLong(f[5])};
  }

  /** utime + stime of the processes, in ticks. */
  static long processTicks(List<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(") ") + 2).split(" ");
        sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      } catch (IOException e) {
        // gone
      }
    }
    return sum;
  }

  /**
   * Loopback TCP sockets in TIME_WAIT with one end on one of the ports, by their two ends. Each closed
   * connection leaves one for 60 s, so those in the snapshot at the end of a window and not in the one
   * at its start count the connections closed on that hop meanwhile.
   */
  static java.util.Set<String> timeWait(List<Integer> ports) {
    java.util.Set<String> found = new java.util.HashSet<>();
    if (ports.isEmpty()) {
      return found;
    }
    for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(file))) {
          String[] f = line.trim().split("\\s+");
          if (f.length < 4 || !f[3].equals("06")) {
            continue;
          }
          int local = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
          int remote = Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16);
          if (ports.contains(local) || ports.contains(remote)) {
            found.add(f[1] + ">" + f[2]);
          }
        }
      } catch (IOException | RuntimeException e) {
        // no such table
      }
    }
    return found;
  }

  static long added(java.util.Set<String> before, java.util.Set<String> after) {
    return after.stream().filter(k -> !before.contains(k)).count();
  }

  static Object startJfr() throws Exception {
    jdk.jfr.Recording r = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
    r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1)); // "profile" samples every 10 ms: too few here
    r.enable("jdk.SocketRead").withThreshold(Duration.ZERO).withStackTrace(); // blocking reads: the gateway's upstream
    r.enable("jdk.SocketWrite").withThreshold(Duration.ZERO).withStackTrace();
    r.start();
    return r;
  }

  static void stopJfr(Object recording, Path file) throws IOException {
    jdk.jfr.Recording r = (jdk.jfr.Recording) recording;
    r.stop();
    Files.createDirectories(file.toAbsolutePath().getParent());
    r.dump(file);
    r.close();
    System.out.println("JFR recording: " + file.toAbsolutePath());
  }

  // ---- reporting

  static Cell withNote(Cell c, String note) {
    return new Cell(c.path(), c.clients(), note, c.requests(), c.errors(), c.firstError(), c.seconds(), c.p50(), c.p99(),
        c.max(), c.connections(), c.clientCores(), c.jvmCores(), c.serverCores(), c.machineCores(), c.timeWaitDs(),
        c.timeWaitMs(), c.threads());
  }

  static void print(String label, Cell c) {
    System.out.printf(Locale.ROOT, "%s %-14s c=%-3d %8.0f req/s  p50 %8.1f us  p99 %8.1f us  errors %d%s%n", label, c.path(),
        c.clients(), c.throughput(), c.p50() / 1e3, c.p99() / 1e3, c.errors(), c.firstError() == null ? "" : " (" + c.firstError() + ")");
    System.out.printf(Locale.ROOT, "  cpu by thread (cores): %s%n", c.threads());
  }

  /** Rounds of one cell as one: samples can't be merged after the fact, so medians of the rounds' values. */
  static Cell combine(List<Cell> cells) {
    if (cells.size() == 1) {
      return cells.getFirst();
    }
    Cell f = cells.getFirst();
    return new Cell(f.path(), f.clients(), "median of " + cells.size(), (long) median(cells, c -> (double) c.requests()),
        cells.stream().mapToLong(Cell::errors).sum(), f.firstError(), f.seconds(), (long) median(cells, c -> (double) c.p50()),
        (long) median(cells, c -> (double) c.p99()), cells.stream().mapToLong(Cell::max).max().orElse(0),
        cells.stream().mapToInt(Cell::connections).sum(), median(cells, Cell::clientCores), median(cells, Cell::jvmCores),
        median(cells, Cell::serverCores), median(cells, Cell::machineCores), (long) median(cells, c -> (double) c.timeWaitDs()),
        (long) median(cells, c -> (double) c.timeWaitMs()), f.threads());
  }

  static double median(List<Cell> cells, java.util.function.ToDoubleFunction<Cell> f) {
    double[] v = cells.stream().mapToDouble(f).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static String report(List<Integer> levels, int top, Map<String, List<Cell>> merged, List<Cell> two, int duration,
      int warmup, int rounds, int bodyBytes) {
    StringBuilder s = new StringBuilder();
    Map<String, Cell> cells = new HashMap<>();
    merged.forEach((k, v) -> cells.put(k, combine(v)));
    s.append(String.format(Locale.ROOT, "%n## Inference path: model-server vs deployment-service vs gateway%n%n"
        + "digits (linear, FP32 [1,64] -> [1,10]), one row per request (%d-byte JSON body); closed loop, one keep-alive "
        + "connection per client; %d s warm-up + %d s measured per cell; %d round(s); %d cores on this machine.%n"
        + "CPU columns are cores busy during the measured window: client = the bench's client threads; standalone JVM = "
        + "this JVM (gateway, deployment-service, the other services, and the client threads); model-server = the server "
        + "process(es) answering; machine = everything. CPU µs/req: standalone JVM and model-server CPU per request. "
        + "TIME_WAIT ds / ms: TCP connections closed during the window with one end on deployment-service's port "
        + "(in deployment-svc rows, the bench client's own reconnects: Tomcat closes a connection after 100 requests; "
        + "in gateway rows, the gateway->deployment-service hop) / on the model server's port(s).%n%n",
        bodyBytes, warmup, duration, rounds, Runtime.getRuntime().availableProcessors()));
    s.append("| path | clients | req/s | p50 µs | p99 µs | max ms | errors | client conns | CPU client | CPU standalone JVM | CPU model-server | CPU machine | JVM CPU µs/req | model-server CPU µs/req | TIME_WAIT ds / ms |\n");
    s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    List<Cell> rows = new ArrayList<>();
    for (int c : levels) {
      for (String p : List.of(MS, DS, GW)) {
        Cell cell = cells.get(p + "/" + c);
        if (cell != null) {
          rows.add(cell);
        }
      }
    }
    rows.addAll(two);
    for (Cell c : rows) {
      s.append(String.format(Locale.ROOT, "| %s%s | %d | %,.0f | %.0f | %.0f | %.1f | %d | %d | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %d / %d |%n",
          c.path(), c.note().isEmpty() ? "" : " (" + c.note() + ")", c.clients(), c.throughput(), c.p50() / 1e3,
          c.p99() / 1e3, c.max() / 1e6, c.errors(), c.connections(), c.clientCores(), c.jvmCores(), c.serverCores(),
          c.machineCores(), c.jvmCores() / c.throughput() * 1e6, c.serverCores() / c.throughput() * 1e6, c.timeWaitDs(),
          c.timeWaitMs()));
    }
    int low = levels.stream().mapToInt(Integer::intValue).min().orElseThrow();
    if (!cells.containsKey(MS + "/" + low) || !cells.containsKey(DS + "/" + low) || !cells.containsKey(GW + "/" + low)) {
      return s.toString(); // not every path measured: no comparison
    }
    Cell ms1 = cells.get(MS + "/" + low);
    Cell ds1 = cells.get(DS + "/" + low);
    Cell gw1 = cells.get(GW + "/" + low);
    s.append(String.format(Locale.ROOT, "%nAdded latency at p50, %d client(s): deployment-service routing over the model server "
            + "%+.0f µs (%.0f -> %.0f); gateway over deployment-service %+.0f µs (%.0f -> %.0f); gateway path over the model "
            + "server %+.0f µs (x%.2f).%n", low, (ds1.p50() - ms1.p50()) / 1e3, ms1.p50() / 1e3, ds1.p50() / 1e3,
        (gw1.p50() - ds1.p50()) / 1e3, ds1.p50() / 1e3, gw1.p50() / 1e3, (gw1.p50() - ms1.p50()) / 1e3,
        gw1.p50() / (double) ms1.p50()));
    s.append(String.format(Locale.ROOT, "Added latency at p99, %d client(s): deployment-service %+.0f µs; gateway %+.0f µs.%n",
        low, (ds1.p99() - ms1.p99()) / 1e3, (gw1.p99() - ds1.p99()) / 1e3));
    Cell msT = cells.get(MS + "/" + top);
    Cell dsT = cells.get(DS + "/" + top);
    Cell gwT = cells.get(GW + "/" + top);
    s.append(String.format(Locale.ROOT, "Throughput at %d clients: deployment-service / model-server %.2f (%,.0f / %,.0f req/s); "
            + "gateway / deployment-service %.2f (%,.0f / %,.0f); gateway / model-server %.2f.%n", top,
        dsT.throughput() / msT.throughput(), dsT.throughput(), msT.throughput(), gwT.throughput() / dsT.throughput(),
        gwT.throughput(), dsT.throughput(), gwT.throughput() / msT.throughput()));
    if (two.size() == 2) {
      s.append(String.format(Locale.ROOT, "2 replicas at %d clients: deployment-service %,.0f req/s (x%.2f over 1 replica), "
              + "gateway %,.0f req/s (x%.2f).%n", top, two.get(0).throughput(), two.get(0).throughput() / dsT.throughput(),
          two.get(1).throughput(), two.get(1).throughput() / gwT.throughput()));
    }
    return s.toString();
  }

  // ---- platform set-up

  /** The standalone, through its package-private settings (a test in another package has no other way in). */
  static Standalone standalone(Map<String, String> env) throws Exception {
    Class<?> settings = Class.forName("dev.incline.standalone.StandaloneSettings");
    Method from = settings.getDeclaredMethod("from", Map.class);
    from.setAccessible(true);
    Constructor<Standalone> constructor = Standalone.class.getConstructor(settings);
    return constructor.newInstance(from.invoke(null, env));
  }

  static Path modelServerJar() throws IOException {
    try (var files = Files.list(Path.of("..", "model-server", "target"))) {
      return files.filter(f -> f.getFileName().toString().matches("model-server-.*-exec\\.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no model-server/target/model-server-*-exec.jar: build it first "
              + "(./mvnw -o -pl standalone -am install -DskipTests)"))
          .toAbsolutePath().normalize();
    }
  }

  /** The internal token key, as {@code Standalone.start} derives it from {@code INCLINE_HOME/secrets}. */
  static String internalSecret(Path home) throws IOException {
    Properties p = new Properties();
    try (var in = Files.newInputStream(home.resolve("secrets"))) {
      p.load(in);
    }
    return p.getProperty("secret").substring(40);
  }

  /** The model-server processes deployment-service started for this home (their model lies in its cache). */
  static List<ProcessHandle> replicaProcesses(Path home) {
    String cache = home.resolve("models").toString();
    return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> Arrays.stream(a)
        .anyMatch(x -> x.startsWith("--incline.model-server.models[0].path=" + cache))).orElse(false)).toList();
  }

  static int portOf(ProcessHandle p) {
    return p.info().arguments().flatMap(a -> Arrays.stream(a).filter(x -> x.startsWith("--server.port=")).findFirst())
        .map(x -> Integer.parseInt(x.substring("--server.port=".length()))).orElse(-1);
  }

  static void awaitReady(String url, Process process, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the model server exited: " + Files.readString(log));
      }
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the model server was not ready in 90 s: " + Files.readString(log));
  }

  static void awaitDeployment(String id, int ready) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = ok(call("GET", "/api/v1/deployments/" + id, null, null), 200);
      if (last.get("status").asString().equals("Ready") && last.get("replicas").get("ready").asInt() == ready) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("deployment not Ready with " + ready + " replica(s) in 3 min: " + last);
  }

  static String digitsRequest() {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < 64; i++) {
      data.append(i == 0 ? "" : ",").append(((i * 5) % 11 - 5) / 4.0f);
    }
    return "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 64], \"datatype\": \"FP32\", \"data\": [" + data + "]}]}";
  }

  static HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + (key == null ? KEY : key));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode ok(HttpResponse<String> r, int status) {
    if (r.statusCode() != status) {
      throw new IllegalStateException(r.request().method() + " " + r.request().uri() + ": expected " + status + ", got "
          + r.statusCode() + " " + r.body());
    }
    return json.readTree(r.body());
  }

  static int freePort() throws IOException {
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
