package dev.incline.modelserver.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.sun.management.OperatingSystemMXBean;
import dev.incline.modelserver.ModelServerApplication;
import dev.incline.modelserver.OipClient;
import dev.incline.modelserver.TestModels;
import dev.incline.modelserver.config.ModelServerProperties;
import dev.incline.modelserver.health.ServingState;
import dev.incline.modelserver.inference.InferenceService;
import dev.incline.modelserver.model.ModelRepository;
import dev.incline.modelserver.protocol.InferenceResponseWriter;
import jakarta.servlet.Filter;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Throughput and latency under concurrency: closed-loop clients (N platform threads, each sending its
 * next single-row digits request as soon as the previous one is answered) for a fixed time after a
 * warm-up, at concurrency 1, 8 and 64, four ways in the same JVM and the same run:
 * <ol>
 *   <li>{@code ort}: ONNX Runtime in-process: {@code OrtSession.run} on one session shared by all
 *       threads, created with the server's own session options (tensor in, scores copied out)</li>
 *   <li>{@code service}: the server's path without HTTP: JSON bytes in, {@link InferenceService}
 *       (concurrency slot, parse, run, metrics), JSON bytes out</li>
 *   <li>{@code http}: POSTs to the running server with {@link HttpClient} (HTTP/1.1, one keep-alive
 *       connection per client thread out of its pool)</li>
 *   <li>{@code http-raw}: the same over a minimal keep-alive socket client per thread ({@link LoopbackHttp}),
 *       whose own cost is small: client and server share the machine's cores</li>
 * </ol>
 * Cells run in alternating rounds (every way at every concurrency, then again) so that drift and other
 * load hit all alike; the table gives the median over the rounds. Besides latency and throughput it
 * reports the CPU used: by this JVM, by the client side of it (the client threads and the HTTP
 * client's own threads), and by everything else on the machine (other load); for the HTTP ways also
 * the client ports the server saw (one per connection: checks keep-alive) and the time "in server",
 * between a servlet filter's entry and exit.
 *
 * <p>Inputs are rows of scikit-learn's digits data set when it is installed (Debian's
 * {@code python3-sklearn} ships it as {@code digits.csv.gz}), else fixed rows. The model is the test
 * {@code digits} model unless {@code -Dbench.model} names another with the same signature, such as the
 * MLP that {@code examples/train-digits} exports.
 *
 * <p>A measurement, not a test: its name matches neither surefire's nor failsafe's patterns, so a build
 * never runs it. Run it on a quiet machine (see docs/performance.md):
 * <pre>
 * ./mvnw -B -o -pl model-server test -Dtest=ConcurrencyBench -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * Properties: {@code bench.model} (ONNX file), {@code bench.digits} (digits.csv.gz, or {@code none}),
 * {@code bench.concurrency} (1,8,64), {@code bench.ways} (ort,service,http,http-raw),
 * {@code bench.duration} (seconds measured per cell, 5), {@code bench.warmup} (seconds per cell before
 * measuring, 1), {@code bench.initialWarmup} (seconds per way at the start, 5), {@code bench.rounds} (3),
 * {@code bench.serverArgs} (more server arguments, space-separated, e.g.
 * {@code --incline.model-server.max-concurrency=8}).
 */
class ConcurrencyBench {

  private static final String SKLEARN_DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
  private static final String INFER = "/v2/models/digits/infer";

  @Test
  void measure() throws Exception {
    Path model = System.getProperty("bench.model") == null ? TestModels.digits() : Path.of(System.getProperty("bench.model"));
    List<Integer> levels = Arrays.stream(System.getProperty("bench.concurrency", "1,8,64").split(","))
        .map(String::trim).map(Integer::valueOf).toList();
    List<String> ways = Arrays.stream(System.getProperty("bench.ways", "ort,service,http,http-raw").split(","))
        .map(String::trim).toList();
    new ConcurrencyBench().run(model, levels, ways, Integer.getInteger("bench.duration", 5),
        Integer.getInteger("bench.warmup", 1), Integer.getInteger("bench.initialWarmup", 5),
        Integer.getInteger("bench.rounds", 3));
  }

  /** What one client thread does, over and over: one request for one row. */
  private interface Call extends AutoCloseable {
    /** @return false when the request failed (not a 200) */
    boolean call(int row) throws Exception;

    @Override
    default void close() throws Exception {}
  }

  /** Opens one client thread's {@link Call}. */
  private interface Way {
    Call open() throws Exception;
  }

  /** One cell's result. */
  private record Cell(long requests, long errors, double seconds, long p50, long p99, long max, long serverP50,
      long serverP99, double jvmCores, double clientCores, double otherCores, int connections) {
    double throughput() {
      return requests / seconds;
    }
  }

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  /** Client ports the server saw requests from, while counted: one per connection. */
  private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
  /** While counted: how long the server's filter chain took per request (a ring: the last ones). */
  private final AtomicLongArray serverNanos = new AtomicLongArray(1 << 21);
  private final AtomicInteger serverCount = new AtomicInteger();
  private volatile boolean countPorts;

  void run(Path model, List<Integer> levels, List<String> wayNames, int duration, int warmup, int initialWarmup,
      int rounds) throws Exception {
    List<String> args = new ArrayList<>(List.of("--server.port=0", "--logging.level.root=WARN",
        "--incline.model-server.models[0].name=digits", "--incline.model-server.models[0].path=" + model));
    String more = System.getProperty("bench.serverArgs", "").trim();
    if (!more.isEmpty()) {
      args.addAll(Arrays.asList(more.split("\\s+")));
    }
    ConfigurableApplicationContext context = ModelServerApplication.application()
        .initializers(ctx -> ((GenericApplicationContext) ctx).registerBean("benchPortCounter", FilterRegistrationBean.class,
            () -> new FilterRegistrationBean<Filter>((request, response, chain) -> {
              if (!countPorts) {
                chain.doFilter(request, response);
                return;
              }
              clientPorts.add(request.getRemotePort());
              long start = System.nanoTime();
              chain.doFilter(request, response);
              serverNanos.set(serverCount.getAndIncrement() & (serverNanos.length() - 1), System.nanoTime() - start);
            })))
        .run(args.toArray(String[]::new));
    try {
      int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
      ServingState serving = context.getBean(ServingState.class);
      while (!serving.ready()) {
        Thread.sleep(10);
      }
      ModelServerProperties properties = context.getBean(ModelServerProperties.class);
      InferenceService service = context.getBean(InferenceService.class);
      InferenceResponseWriter writer = context.getBean(InferenceResponseWriter.class);
      OrtEnvironment env = context.getBean(OrtEnvironment.class);

      String source = System.getProperty("bench.digits", SKLEARN_DIGITS);
      boolean sklearn = !"none".equals(source) && Files.isReadable(Path.of(source));
      float[][] rows = sklearn ? digits(Path.of(source)) : fixedRows(64);
      String rowsFrom = sklearn ? rows.length + " rows of scikit-learn's digits (" + source + ")"
          : rows.length + " fixed rows (TestModels.digitsInput)";
      byte[][] bodies = new byte[rows.length][];
      byte[][] rawRequests = new byte[rows.length][];
      HttpRequest[] httpRequests = new HttpRequest[rows.length];
      URI uri = URI.create("http://127.0.0.1:" + port + INFER);
      for (int r = 0; r < rows.length; r++) {
        bodies[r] = OipClient.digitsRequest(rows[r], null).getBytes(StandardCharsets.UTF_8);
        rawRequests[r] = LoopbackHttp.post(INFER, bodies[r]);
        httpRequests[r] = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[r])).build();
      }

      try (OrtSession.SessionOptions options = ModelRepository.sessionOptions(properties);
           OrtSession session = env.createSession(model.toString(), options);
           HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
               .connectTimeout(Duration.ofSeconds(5)).build()) {
        String input = session.getInputNames().iterator().next();
        String output = session.getOutputNames().iterator().next();
        Set<String> outputs = Set.of(output);
        long[] shape = {1, 64};

        Map<String, Way> all = new LinkedHashMap<>();
        all.put("ort", () -> new Call() {
          final float[] scores = new float[10];

          @Override
          public boolean call(int row) throws Exception {
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(rows[row]), shape);
                 OrtSession.Result result = session.run(Map.of(input, tensor), outputs)) {
              ((OnnxTensor) result.get(0)).getFloatBuffer().get(scores);
            }
            return true;
          }
        });
        all.put("service", () -> new Call() {
          final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

          @Override
          public boolean call(int row) {
            out.reset();
            byte[] body = bodies[row];
            writer.write(service.infer("digits", null, new ByteArrayInputStream(body), body.length), out);
            return true;
          }
        });
        all.put("http", () -> row -> http.send(httpRequests[row], HttpResponse.BodyHandlers.ofByteArray()).statusCode() == 200);
        all.put("http-raw", () -> new Call() {
          final LoopbackHttp client = new LoopbackHttp(port);

          @Override
          public boolean call(int row) throws IOException {
            return client.call(rawRequests[row]).status() == 200;
          }

          @Override
          public void close() throws IOException {
            client.close();
          }
        });
        List<String> unknown = wayNames.stream().filter(w -> !all.containsKey(w)).toList();
        if (!unknown.isEmpty()) {
          throw new IllegalArgumentException("unknown way(s) " + unknown + "; there are " + all.keySet());
        }

        check(rows, session, input, output, http, uri, bodies, service, writer);

        System.out.printf(Locale.ROOT, "%nmodel %s (%d bytes), inputs: %s; request bodies %d..%d bytes%n", model,
            Files.size(model), rowsFrom, Arrays.stream(bodies).mapToInt(b -> b.length).min().orElse(0),
            Arrays.stream(bodies).mapToInt(b -> b.length).max().orElse(0));
        System.out.printf(Locale.ROOT, "server: max-concurrency %d, queue-timeout %s, intra-op-threads %s, session config %s;"
                + " %d processors; JDK %s%n", properties.maxConcurrency(), properties.queueTimeout(),
            properties.intraOpThreads() == 0 ? "ONNX Runtime's default" : properties.intraOpThreads(),
            properties.sessionConfig(), Runtime.getRuntime().availableProcessors(), Runtime.version());
        System.out.printf(Locale.ROOT, "closed loop, %d s measured per cell after %d s warm-up, %d round(s); warming up%n",
            duration, warmup, rounds);
        for (String way : wayNames) {
          cell(all.get(way), 8, initialWarmup, 1, rows.length);
        }

        Map<String, List<Cell>> results = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
          for (int level : levels) {
            for (String way : wayNames) {
              Cell cell = cell(all.get(way), level, warmup, duration, rows.length);
              results.computeIfAbsent(way + "@" + level, k -> new ArrayList<>()).add(cell);
              System.out.printf(Locale.ROOT, "round %d %-8s c=%-3d %9.0f req/s  p50 %8.1f us  p99 %8.1f us  max %8.1f us"
                      + "%s  JVM %.2f cores (client %.2f)  other %.2f  connections %d  errors %d%n",
                  round, way, level, cell.throughput(), cell.p50() / 1e3, cell.p99() / 1e3, cell.max() / 1e3,
                  cell.serverP50() < 0 ? "" : String.format(Locale.ROOT, "  (in server p50 %.1f us p99 %.1f us)",
                      cell.serverP50() / 1e3, cell.serverP99() / 1e3),
                  cell.jvmCores(), cell.clientCores(), cell.otherCores(), cell.connections(), cell.errors());
            }
          }
        }
        report(results, levels, wayNames, rounds);
      }
    } finally {
      context.close();
    }
  }

  /** The server answers what ONNX Runtime answers, for a few rows, on every path. */
  private static void check(float[][] rows, OrtSession session, String input, String output, HttpClient http, URI uri,
      byte[][] bodies, InferenceService service, InferenceResponseWriter writer) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    for (int r = 0; r < Math.min(5, rows.length); r++) {
      float[] expected = new float[10];
      try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(rows[r]), new long[] {1, 64});
           OrtSession.Result result = session.run(Map.of(input, tensor), Set.of(output))) {
        ((OnnxTensor) result.get(0)).getFloatBuffer().get(expected);
      }
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[r])).build(), HttpResponse.BodyHandlers.ofString());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      writer.write(service.infer("digits", null, new ByteArrayInputStream(bodies[r]), bodies[r].length), out);
      for (String body : List.of(response.body(), out.toString(StandardCharsets.UTF_8))) {
        JsonNode data = OipClient.json(body).get("outputs").get(0).get("data");
        for (int j = 0; j < 10; j++) {
          if (Math.abs(data.get(j).floatValue() - expected[j]) > 1e-5f * Math.max(1, Math.abs(expected[j]))) {
            throw new IllegalStateException("row " + r + ": the server answered " + body + ", ONNX Runtime "
                + Arrays.toString(expected));
          }
        }
      }
    }
  }

  /** Runs {@code concurrency} closed-loop clients of {@code way}: warm-up, then {@code seconds} measured. */
  private Cell cell(Way way, int concurrency, int warmupSeconds, int seconds, int rowCount) throws Exception {
    long[][] latencies = new long[concurrency][];
    int[] counts = new int[concurrency];
    long[] errors = new long[concurrency];
    AtomicReference<Throwable> failure = new AtomicReference<>();
    var state = new Object() {
      volatile boolean recording;
      volatile boolean stop;
    };
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      int id = t;
      clients.add(Thread.ofPlatform().name("bench-client-" + t).start(() -> {
        long[] mine = new long[1 << 14];
        int n = 0;
        int row = (int) ((long) id * rowCount / concurrency);
        try (Call call = way.open()) {
          while (!state.stop) {
            boolean recording = state.recording;
            long start = System.nanoTime();
            boolean ok;
            try {
              ok = call.call(row);
            } catch (Exception e) {
              failure.compareAndSet(null, e);
              ok = false;
            }
            long nanos = System.nanoTime() - start;
            if (recording && state.recording) {
              if (ok) {
                if (n == mine.length) {
                  mine = Arrays.copyOf(mine, n * 2);
                }
                mine[n++] = nanos;
              } else {
                errors[id]++;
              }
            }
            row = row + 1 == rowCount ? 0 : row + 1;
          }
        } catch (Exception e) {
          failure.compareAndSet(null, e);
        }
        latencies[id] = mine;
        counts[id] = n;
      }));
    }
    Thread.sleep(warmupSeconds * 1000L);
    clientPorts.clear();
    serverCount.set(0);
    countPorts = true;
    Map<Long, Long> clientCpuBefore = clientCpu();
    long processCpuBefore = os.getProcessCpuTime();
    long[] machineBefore = machineCpu();
    long start = System.nanoTime();
    state.recording = true;
    Thread.sleep(seconds * 1000L);
    state.recording = false;
    double elapsed = (System.nanoTime() - start) / 1e9;
    long processCpu = os.getProcessCpuTime() - processCpuBefore;
    long[] machineAfter = machineCpu();
    Map<Long, Long> clientCpuAfter = clientCpu();
    countPorts = false;
    int connections = clientPorts.size();
    long[] server = new long[Math.min(serverCount.get(), serverNanos.length())];
    for (int i = 0; i < server.length; i++) {
      server[i] = serverNanos.get(i);
    }
    Arrays.sort(server);
    state.stop = true;
    for (Thread client : clients) {
      client.join();
    }
    long clientCpu = 0;
    for (Map.Entry<Long, Long> thread : clientCpuAfter.entrySet()) {
      clientCpu += thread.getValue() - clientCpuBefore.getOrDefault(thread.getKey(), 0L);
    }
    // jiffies: 1/100 s
    double machineCores = machineBefore == null || machineAfter == null ? Double.NaN
        : (machineAfter[0] - machineBefore[0]) / 100.0 / elapsed;

    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (int t = 0; t < concurrency; t++) {
      System.arraycopy(latencies[t], 0, all, at, counts[t]);
      at += counts[t];
    }
    Arrays.sort(all);
    long errorCount = Arrays.stream(errors).sum();
    if (errorCount > 0 && failure.get() != null) {
      System.out.println("first error: " + failure.get());
    }
    if (total == 0) {
      throw new IllegalStateException("no request succeeded", failure.get());
    }
    double jvmCores = processCpu / 1e9 / elapsed;
    return new Cell(total, errorCount, elapsed, all[total / 2], all[(int) (total * 0.99)], all[total - 1],
        server.length == 0 ? -1 : server[server.length / 2], server.length == 0 ? -1 : server[(int) (server.length * 0.99)],
        jvmCores, clientCpu / 1e9 / elapsed, machineCores - jvmCores, connections);
  }

  /** CPU time of this JVM's client-side threads: the bench's clients and the JDK HTTP client's threads. */
  private Map<Long, Long> clientCpu() {
    Map<Long, Long> cpu = new HashMap<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      String name = thread.getName();
      if (name.startsWith("bench-client-") || name.startsWith("HttpClient-")) {
        long nanos = threads.getThreadCpuTime(thread.threadId());
        if (nanos >= 0) {
          cpu.put(thread.threadId(), nanos);
        }
      }
    }
    return cpu;
  }

  /** The machine's busy CPU time in jiffies, from /proc/stat; null where there is none. */
  private static long[] machineCpu() {
    try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/stat"))) {
      String[] f = reader.readLine().trim().split("\\s+"); // cpu user nice system idle iowait irq softirq steal ...
      long busy = 0;
      for (int i = 1; i < Math.min(f.length, 9); i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(f[i]);
        }
      }
      return new long[] {busy};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static float[][] digits(Path csv) throws IOException {
    List<float[]> rows = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(csv)),
        StandardCharsets.US_ASCII))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        String[] values = line.split(",");
        if (values.length < 64) {
          continue;
        }
        float[] row = new float[64];
        for (int i = 0; i < 64; i++) {
          row[i] = Float.parseFloat(values[i]);
        }
        rows.add(row);
      }
    }
    return rows.toArray(float[][]::new);
  }

  private static float[][] fixedRows(int count) {
    float[] flat = TestModels.digitsInput(count);
    float[][] rows = new float[count][];
    for (int r = 0; r < count; r++) {
      rows[r] = Arrays.copyOfRange(flat, r * 64, r * 64 + 64);
    }
    return rows;
  }

  private static void report(Map<String, List<Cell>> results, List<Integer> levels, List<String> ways, int rounds) {
    System.out.printf(Locale.ROOT, "%n| way | clients | req/s (median [min .. max] of %d) | p50 µs | p99 µs | in server p50 / p99 µs | JVM cores (client) | other cores | connections | errors |%n",
        rounds);
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (int level : levels) {
      for (String way : ways) {
        List<Cell> cells = results.get(way + "@" + level);
        double[] thr = cells.stream().mapToDouble(Cell::throughput).sorted().toArray();
        double serverP50 = median(cells.stream().mapToDouble(c -> c.serverP50() / 1e3).toArray());
        System.out.printf(Locale.ROOT, "| %s | %d | %,.0f [%,.0f .. %,.0f] | %.1f | %.1f | %s | %.2f (%.2f) | %.2f | %d | %d |%n",
            way, level, median(thr), thr[0], thr[thr.length - 1],
            median(cells.stream().mapToDouble(c -> c.p50() / 1e3).toArray()),
            median(cells.stream().mapToDouble(c -> c.p99() / 1e3).toArray()),
            serverP50 < 0 ? "" : String.format(Locale.ROOT, "%.1f / %.1f", serverP50,
                median(cells.stream().mapToDouble(c -> c.serverP99() / 1e3).toArray())),
            median(cells.stream().mapToDouble(Cell::jvmCores).toArray()),
            median(cells.stream().mapToDouble(Cell::clientCores).toArray()),
            median(cells.stream().mapToDouble(Cell::otherCores).toArray()),
            cells.stream().mapToInt(Cell::connections).max().orElse(0),
            cells.stream().mapToLong(Cell::errors).sum());
      }
    }
    int first = levels.get(0);
    int last = levels.get(levels.size() - 1);
    for (String http : List.of("http", "http-raw")) {
      if (!ways.contains("ort") || !ways.contains(http)) {
        continue;
      }
      double ortP50 = median(results.get("ort@" + first).stream().mapToDouble(Cell::p50).toArray());
      double httpP50 = median(results.get(http + "@" + first).stream().mapToDouble(Cell::p50).toArray());
      double ortThr = median(results.get("ort@" + last).stream().mapToDouble(Cell::throughput).toArray());
      double httpThr = median(results.get(http + "@" + last).stream().mapToDouble(Cell::throughput).toArray());
      System.out.printf(Locale.ROOT, "%s: p50 overhead at %d client(s) %.1f us (target <= 300 us: %s); "
              + "throughput %s/ort at %d clients %.3f (target >= 0.8: %s)%n",
          http, first, (httpP50 - ortP50) / 1e3, httpP50 - ortP50 <= 300_000 ? "met" : "missed", http, last,
          httpThr / ortThr, httpThr / ortThr >= 0.8 ? "met" : "missed");
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  }
}
