import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Dataset transfer benchmark for Incline's storage-service.
 *
 * <p>Single-file program; needs the AWS SDK v2 on the class path (the direct S3 baseline):
 *
 * <pre>
 * ./mvnw -q -o dependency:build-classpath -pl platform/platform-core -Dmdep.outputFile=/tmp/bench/s3-classpath.txt
 * java -cp $(cat /tmp/bench/s3-classpath.txt) bench/DatasetTransferBench.java --url http://127.0.0.1:18080 --key KEY \
 *      --home $INCLINE_HOME --server-pid PID [--mode both|transfer|memory] [--size 1GiB] [--part-size 64MiB]
 *      [--concurrency 4] [--reps 3] [--memory-size 2GiB] [--client urlconnection|jdk] [--sdk-http urlconnection|apache]
 * </pre>
 *
 * or {@code bench/dataset-transfer.sh}, which starts a standalone on a fresh home for it. The S3
 * endpoint is the one the presigned URLs name; the secret is the first 40 characters of
 * {@code secret} in {@code INCLINE_HOME/secrets} (as {@code Standalone} sets up the embedded S3).
 *
 * <b>transfer</b>: one file of random bytes on disk (read by position per part, never held in memory),
 * then per repetition, in alternating order: (a) presigned: {@code POST .../uploads} with the file's
 * size, SHA-256 and part size, each part's bytes PUT to its presigned URL from {@code --concurrency}
 * threads, {@code POST .../complete}; the version's commit (which reads the object back to check the
 * SHA-256) is timed apart; download: {@code GET .../files/{path}?redirect=false} and ranged GETs of
 * the presigned URL with the same part size and concurrency, written by position into one download
 * file (allocated once, overwritten in place; see {@code prepareOut}); (b)
 * direct: the same with the AWS SDK v2 {@link S3Client} against the S3 endpoint the presigned URLs
 * name (the standalone's embedded S3Proxy), authenticated with the installation's credentials: create
 * multipart upload, upload parts, complete; ranged GetObjects. Every download's SHA-256 is checked
 * (outside the timing). Before each timed transfer {@code sync} flushes the previous one's dirty
 * pages. Reports MB/s (10^6 bytes/s) per run with the CPU of the platform JVM, the client and anything
 * else, medians, and presigned/direct ratios. By default presigned URLs are used with
 * HttpURLConnection, the HTTP stack under the SDK's UrlConnectionHttpClient (the platform's choice),
 * so that both paths differ only in how requests are authorised; {@code --client jdk} uses
 * java.net.http.HttpClient instead, which on 2 cores is the bottleneck of downloads.
 *
 * <p><b>memory</b>: a streamed {@code PUT .../files/{path}} of {@code --memory-size} random bytes
 * through the gateway (JDK HttpClient, {@code BodyPublishers.ofFile}), while the platform JVM's VmRSS
 * / VmHWM ({@code /proc/PID/status}) and heap ({@code jstat -gc PID 200}, from the JVM's perf data,
 * without running code in the JVM) are sampled every 200 ms: before, during and after. Then the file
 * is downloaded through its presigned URL and its SHA-256 compared with the local one.
 */
public class DatasetTransferBench {

  static String url = "http://127.0.0.1:8080";
  static String key;
  static String mode = "both";
  static long size = 1L << 30;
  static long partSize = 64L << 20;
  static int concurrency = 4;
  static int reps = 3;
  static long warmupSize = 128L << 20;
  static long memorySize = 2L << 30;
  static long memoryWarmupSize = 256L << 20;
  static String client = "urlconnection";
  static String sdkHttp = "urlconnection";
  static String download = "ranged";
  static Path home;
  static String s3Endpoint;
  static String s3AccessKey = "incline";
  static String s3SecretKey;
  static String s3Bucket = "incline";
  static long serverPid = -1;
  static Path tmp = Path.of("/tmp/bench");
  static boolean keep;
  static int sampleMillis = 200;
  static boolean sync = true;
  static boolean keepDatasets;
  static boolean sdkChunked = true;
  static String quietCommand;
  static boolean freshFile;
  static double maxOther = 0.25;

  static final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .followRedirects(HttpClient.Redirect.NEVER)
      .build();

  static final int IO_BUFFER = 256 * 1024;

  public static void main(String[] args) throws Exception {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--url" -> url = args[++i].replaceAll("/+$", "");
        case "--key" -> key = args[++i];
        case "--mode" -> mode = args[++i];
        case "--size" -> size = bytes(args[++i]);
        case "--part-size" -> partSize = bytes(args[++i]);
        case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--warmup-size" -> warmupSize = bytes(args[++i]);
        case "--memory-size" -> memorySize = bytes(args[++i]);
        case "--memory-warmup-size" -> memoryWarmupSize = bytes(args[++i]);
        case "--client" -> client = args[++i];
        case "--sdk-http" -> sdkHttp = args[++i];
        case "--download" -> download = args[++i];
        case "--home" -> home = Path.of(args[++i]);
        case "--s3-endpoint" -> s3Endpoint = args[++i].replaceAll("/+$", "");
        case "--s3-access-key" -> s3AccessKey = args[++i];
        case "--s3-secret-key" -> s3SecretKey = args[++i];
        case "--s3-bucket" -> s3Bucket = args[++i];
        case "--server-pid" -> serverPid = Long.parseLong(args[++i]);
        case "--tmp" -> tmp = Path.of(args[++i]);
        case "--keep" -> keep = true;
        case "--no-sync" -> sync = false;
        case "--fresh-file" -> freshFile = true;
        case "--max-other" -> maxOther = Double.parseDouble(args[++i]);
        case "--quiet" -> quietCommand = args[++i];
        case "--keep-datasets" -> keepDatasets = true;
        case "--sdk-chunked" -> sdkChunked = Boolean.parseBoolean(args[++i]);
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
    if (!List.of("jdk", "urlconnection").contains(client) || !List.of("urlconnection", "apache").contains(sdkHttp)
        || !List.of("ranged", "whole").contains(download)) {
      usage();
      System.exit(2);
    }
    System.out.printf(Locale.ROOT, "DatasetTransferBench url=%s mode=%s cores=%d java=%s%n", url, mode,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    Path work = Files.createDirectories(tmp).resolve("dataset-transfer-" + System.currentTimeMillis());
    Files.createDirectories(work);
    String project = createProject("transfer-bench-" + System.currentTimeMillis());
    try {
      if (mode.equals("both") || mode.equals("memory")) {
        memory(project, work);
      }
      if (mode.equals("both") || mode.equals("transfer")) {
        transfer(project, work);
      }
    } finally {
      if (!keep) {
        try (var files = Files.list(work)) {
          for (Path p : files.toList()) {
            Files.deleteIfExists(p);
          }
        }
        Files.deleteIfExists(work);
      }
    }
  }

  static void usage() {
    System.err.println("""
        usage: java -cp <AWS SDK v2 class path> bench/DatasetTransferBench.java --url http://127.0.0.1:8080 --key KEY
          --mode both|transfer|memory   (default both: memory first, then transfer)
          --home DIR           the standalone's INCLINE_HOME: S3 secret from DIR/secrets (or --s3-secret-key)
          --s3-endpoint URL    default: taken from the presigned URLs; --s3-access-key (incline), --s3-bucket (incline)
          --server-pid P       the platform JVM: CPU per transfer; required for --mode memory
          --size N             transfer file size (default 1GiB; suffixes KiB MiB GiB)
          --part-size N        multipart part size and download range size (default 64MiB)
          --concurrency C      parallel part PUTs / ranged GETs (default 4)
          --reps R             measured repetitions (default 3); one unmeasured warm-up of --warmup-size (128MiB, 0: none)
          --client urlconnection|jdk       HTTP client for presigned URLs (default urlconnection: HttpURLConnection,
                                           the HTTP stack of the SDK's UrlConnectionHttpClient; jdk: java.net.http.HttpClient)
          --sdk-http urlconnection|apache  the SDK's HTTP client (default urlconnection, as the platform's S3Clients)
          --download ranged|whole          ranged GETs in parallel (default), or one whole GET for both paths
          --memory-size N      streamed PUT size of the memory run (default 2GiB), after a --memory-warmup-size PUT (256MiB)
          --sdk-chunked B      the SDK's aws-chunked (streaming-signed) uploads over http (default true, the SDK's default)
          --quiet SCRIPT       run SCRIPT (bench/quiet.sh) before each repetition: waits until no build runs
          --max-other C        a repetition during which anything else used more than C cores (default 0.25) is run
                               again, up to 2 x --reps attempts in all
          --fresh-file         download into a new file each time (default: one file, allocated once, overwritten in place)
          --no-sync            do not run sync(1) before each timed transfer (it flushes the previous one's dirty pages)
          --keep-datasets      do not delete the datasets at the end (on the embedded S3 a delete can take minutes)
          --tmp DIR            where the random files go (default /tmp/bench); --keep keeps them""");
  }

  static long bytes(String s) {
    String t = s.trim().replace("_", "");
    long mult = 1;
    for (String[] suffix : new String[][] {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}, {"K", "1024"},
        {"M", "1048576"}, {"G", "1073741824"}}) {
      if (t.endsWith(suffix[0])) {
        mult = Long.parseLong(suffix[1]);
        t = t.substring(0, t.length() - suffix[0].length());
        break;
      }
    }
    return Math.round(Double.parseDouble(t) * mult);
  }

  static String human(long b) {
    if (b >= 1L << 30 && b % (1L << 30) == 0) {
      return (b >> 30) + " GiB";
    }
    if (b >= 1L << 20 && b % (1L << 20) == 0) {
      return (b >> 20) + " MiB";
    }
    return String.format(Locale.ROOT, "%,d B", b);
  }

  // ---------------------------------------------------------------- transfer

  record Run(String what, int rep, long bytes, double seconds, double partsSeconds, double beforeParts, Cpu cpu) {
    Run(String what, int rep, long bytes, double seconds, double partsSeconds, Cpu cpu) {
      this(what, rep, bytes, seconds, partsSeconds, 0, cpu);
    }

    double mbps() {
      return bytes / seconds / 1e6;
    }

    Run print() {
      System.out.printf(Locale.ROOT, "  %-24s %s in %6.2f s => %7.1f MB/s%s; %s%n", what, human(bytes), seconds, mbps(),
          partsSeconds > 0 && partsSeconds != seconds
              ? String.format(Locale.ROOT, " (start %.2f s + parts %.2f s (%.1f MB/s) + finish %.2f s)", beforeParts, partsSeconds,
                  bytes / partsSeconds / 1e6, seconds - beforeParts - partsSeconds)
              : "", cpu == null ? "" : cpu.shortText());
      return this;
    }
  }

  static void transfer(String project, Path work) throws Exception {
    System.out.printf(Locale.ROOT, "%n=== transfer: %s, parts of %s, %d in parallel, %d reps; presigned client %s, SDK http %s, "
        + "download %s ===%n", human(size), human(partSize), concurrency, reps, client, sdkHttp, download);
    String dataset = createDataset(project, "transfer-" + System.currentTimeMillis());
    Path file = work.resolve("data.bin");
    String sha = randomFile(file, size);
    Path out = work.resolve("download.bin");

    // the first presigned upload (the warm-up's) names the S3 endpoint that the direct path then uses
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Transfer t = new Transfer(dataset, ch, file, sha, out);
      if (warmupSize > 0) {
        Path wfile = work.resolve("warmup.bin");
        String wsha = randomFile(wfile, warmupSize);
        try (FileChannel wch = FileChannel.open(wfile, StandardOpenOption.READ)) {
          Transfer warm = new Transfer(dataset, wch, wfile, wsha, out);
          System.out.printf("%n--- warm-up (%s, not counted) ---%n", human(warmupSize));
          warm.presignedUpload(0, false).print();
          warm.directUpload(0).print();
          warm.presignedDownload(0).print();
          warm.directDownload(0).print();
          warm.close();
        }
        Files.deleteIfExists(wfile);
      } else {
        t.presignedUpload(0, false); // learns the endpoint; counted nowhere
      }
      List<Run> runs = new ArrayList<>();
      int attempts = 0;
      for (int r = 1; r <= reps; r++) {
        quiet();
        attempts++;
        System.out.printf("%n--- repetition %d/%d ---%n", r, reps);
        List<Run> rep = new ArrayList<>();
        boolean presignedFirst = r % 2 == 1;
        for (int k = 0; k < 2; k++) {
          boolean presigned = (k == 0) == presignedFirst;
          Run up = presigned ? t.presignedUpload(r, true) : t.directUpload(r);
          rep.add(up.print());
          if (presigned) {
            rep.add(t.pendingCommit.print());
          }
        }
        for (int k = 0; k < 2; k++) {
          boolean presigned = (k == 0) == presignedFirst;
          Run down = presigned ? t.presignedDownload(r) : t.directDownload(r);
          rep.add(down.print());
        }
        double other = rep.stream().mapToDouble(x -> x.cpu().other()).max().orElse(0);
        if (other > maxOther && attempts < 2 * reps) {
          System.out.printf(Locale.ROOT, "(repetition %d disturbed: something else used up to %.2f cores during it; not counted, "
              + "run again)%n", r, other);
          r--;
          continue;
        }
        runs.addAll(rep);
      }
      t.close();
      summarize(runs);
    } finally {
      if (s3 != null) {
        s3.close();
        s3 = null;
      }
      Files.deleteIfExists(file);
      Files.deleteIfExists(out);
      deleteDataset(dataset);
    }
  }

  static void summarize(List<Run> runs) {
    System.out.printf("%n=== summary: median [min .. max] over %d reps, MB/s = 10^6 bytes/s ===%n", reps);
    String[] kinds = {"presigned upload", "direct upload", "presigned download", "direct download", "commit (SHA-256 check)"};
    double[] med = new double[kinds.length];
    for (int k = 0; k < kinds.length; k++) {
      String kind = kinds[k];
      double[] v = runs.stream().filter(x -> x.what().equals(kind)).mapToDouble(Run::mbps).sorted().toArray();
      double[] p = runs.stream().filter(x -> x.what().equals(kind)).mapToDouble(Run::partsSeconds).sorted().toArray();
      if (v.length == 0) {
        continue;
      }
      med[k] = median(v);
      String cpu = runs.stream().filter(x -> x.what().equals(kind) && x.cpu() != null)
          .map(x -> x.cpu().shortText()).reduce((a, b) -> a + "; " + b).orElse("");
      System.out.printf(Locale.ROOT, "  %-24s %8.1f MB/s [%.1f .. %.1f]%s   cpu: %s%n", kind, med[k], v[0], v[v.length - 1],
          p.length > 0 && p[0] > 0 ? String.format(Locale.ROOT, " (parts alone: %.1f MB/s)", size / median(p) / 1e6) : "", cpu);
    }
    System.out.printf(Locale.ROOT, "  ratio presigned/direct  upload %.3f   download %.3f   (target >= 0.9)%n",
        med[0] / med[1], med[2] / med[3]);
    // per repetition, the pairs ran back to back
    StringBuilder up = new StringBuilder();
    StringBuilder down = new StringBuilder();
    for (int r = 1; r <= reps; r++) {
      final int rr = r;
      double pu = runs.stream().filter(x -> x.rep() == rr && x.what().equals("presigned upload")).mapToDouble(Run::mbps).sum();
      double du = runs.stream().filter(x -> x.rep() == rr && x.what().equals("direct upload")).mapToDouble(Run::mbps).sum();
      double pd = runs.stream().filter(x -> x.rep() == rr && x.what().equals("presigned download")).mapToDouble(Run::mbps).sum();
      double dd = runs.stream().filter(x -> x.rep() == rr && x.what().equals("direct download")).mapToDouble(Run::mbps).sum();
      up.append(String.format(Locale.ROOT, " %.3f", pu / du));
      down.append(String.format(Locale.ROOT, " %.3f", pd / dd));
    }
    System.out.println("  ratio per repetition    upload" + up + "   download" + down);
  }

  static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** One file's transfers, both ways, both paths. */
  static final class Transfer implements AutoCloseable {
    final String dataset;
    final FileChannel source;
    final long length;
    final String sha;
    final Path out;
    final String path;
    int version;
    String directKey;

    Transfer(String dataset, FileChannel source, Path file, String sha, Path out) throws IOException {
      this.dataset = dataset;
      this.source = source;
      this.length = source.size();
      this.sha = sha;
      this.out = out;
      this.path = "data/" + file.getFileName();
    }

    Run presignedUpload(int rep, boolean commit) throws Exception {
      version = createVersion(dataset);
      String base = url + "/api/v1/datasets/" + dataset + "/versions/" + version;
      settle();
      Cpu.Snap c0 = Cpu.take();
      long t0 = System.nanoTime();
      String body = String.format(Locale.ROOT, "{\"path\":\"%s\",\"size\":%d,\"sha256\":\"%s\",\"partSize\":%d}", path, length,
          sha, partSize);
      HttpResponse<String> r = send(json("POST", base + "/uploads", body));
      expect(r, 201);
      String upload = field(r.body(), "id");
      List<long[]> parts = new ArrayList<>(); // number, offset, size
      List<String> urls = new ArrayList<>();
      Matcher m = Pattern.compile("\"partNumber\":(\\d+),\"size\":(\\d+),\"url\":\"([^\"]+)\"").matcher(r.body());
      long offset = 0;
      while (m.find()) {
        long n = Long.parseLong(m.group(2));
        parts.add(new long[] {Long.parseLong(m.group(1)), offset, n});
        urls.add(m.group(3).replace("\\u0026", "&").replace("\\/", "/"));
        offset += n;
      }
      if (offset != length) {
        throw new IllegalStateException("parts cover " + offset + " of " + length + " bytes: " + r.body());
      }
      learnEndpoint(urls.get(0));
      long p0 = System.nanoTime();
      parallel(parts.size(), i -> putPart(URI.create(urls.get(i)), parts.get(i)[1], parts.get(i)[2]));
      long p1 = System.nanoTime();
      HttpResponse<String> done = send(json("POST", base + "/uploads/" + upload + "/complete", "{}"));
      expect(done, 200);
      long t1 = System.nanoTime();
      Cpu cpu = Cpu.since(c0, (t1 - t0) / 1e9);
      if (commit) {
        settle();
        Cpu.Snap k0 = Cpu.take();
        long c = System.nanoTime();
        HttpResponse<String> committed = send(json("POST", base + "/commit", "{}"));
        expect(committed, 200);
        long c1 = System.nanoTime();
        Run cr = new Run("commit (SHA-256 check)", rep, length, (c1 - c) / 1e9, 0, Cpu.since(k0, (c1 - c) / 1e9));
        pendingCommit = cr;
      }
      return new Run("presigned upload", rep, length, (t1 - t0) / 1e9, (p1 - p0) / 1e9, (p0 - t0) / 1e9, cpu);
    }

    Run pendingCommit;

    void putPart(URI target, long offset, long n) throws Exception {
      if (client.equals("jdk")) {
        HttpRequest req = HttpRequest.newBuilder(target).timeout(Duration.ofMinutes(10))
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.fromPublisher(new FileSlicePublisher(source, offset, n), n)).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          throw new IllegalStateException("part PUT " + r.statusCode() + ": " + r.body());
        }
      } else {
        HttpURLConnection c = (HttpURLConnection) target.toURL().openConnection();
        c.setRequestMethod("PUT");
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(n);
        c.setRequestProperty("Content-Type", "application/octet-stream");
        try (OutputStream o = c.getOutputStream(); InputStream in = new SliceInputStream(source, offset, n)) {
          in.transferTo(o);
        }
        int code = c.getResponseCode();
        try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
          String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
          if (code != 200) {
            throw new IllegalStateException("part PUT " + code + ": " + text);
          }
        }
      }
    }

    S3Client s3() {
      return s3client();
    }

    Run directUpload(int rep) throws Exception {
      S3Client s3 = s3();
      if (directKey != null) {
        String old = directKey;
        s3.deleteObject(b -> b.bucket(s3Bucket).key(old));
      }
      directKey = "bench/direct/" + UUID.randomUUID();
      String k = directKey;
      int count = (int) Math.max(1, (length + partSize - 1) / partSize);
      settle();
      Cpu.Snap c0 = Cpu.take();
      long t0 = System.nanoTime();
      String uploadId = s3.createMultipartUpload(b -> b.bucket(s3Bucket).key(k)).uploadId();
      CompletedPart[] done = new CompletedPart[count];
      long p0 = System.nanoTime();
      parallel(count, i -> {
        long offset = i * partSize;
        long n = Math.min(partSize, length - offset);
        int number = i + 1;
        RequestBody body = RequestBody.fromContentProvider(() -> new SliceInputStream(source, offset, n), n,
            "application/octet-stream");
        String etag = s3.uploadPart(b -> b.bucket(s3Bucket).key(k).uploadId(uploadId).partNumber(number).contentLength(n), body)
            .eTag();
        done[i] = CompletedPart.builder().partNumber(number).eTag(etag).build();
      });
      long p1 = System.nanoTime();
      s3.completeMultipartUpload(b -> b.bucket(s3Bucket).key(k).uploadId(uploadId).multipartUpload(m -> m.parts(done)));
      long t1 = System.nanoTime();
      return new Run("direct upload", rep, length, (t1 - t0) / 1e9, (p1 - p0) / 1e9, (p0 - t0) / 1e9, Cpu.since(c0, (t1 - t0) / 1e9));
    }

    Run presignedDownload(int rep) throws Exception {
      prepareOut();
      settle();
      Cpu.Snap c0 = Cpu.take();
      long t0 = System.nanoTime();
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + "/api/v1/datasets/" + dataset + "/versions/"
          + version + "/files/" + path + "?redirect=false")).header("Authorization", "Bearer " + key).GET().build());
      expect(r, 200);
      URI target = URI.create(field(r.body(), "url"));
      long p0 = System.nanoTime();
      try (FileChannel w = FileChannel.open(out, StandardOpenOption.WRITE)) {
        if (download.equals("whole")) {
          getRange(target, w, 0, length, false);
        } else {
          int count = (int) Math.max(1, (length + partSize - 1) / partSize);
          parallel(count, i -> getRange(target, w, i * partSize, Math.min(partSize, length - i * partSize), true));
        }
      }
      long t1 = System.nanoTime();
      Cpu cpu = Cpu.since(c0, (t1 - t0) / 1e9);
      verify(out, "presigned download");
      return new Run("presigned download", rep, length, (t1 - t0) / 1e9, (t1 - p0) / 1e9, (p0 - t0) / 1e9, cpu);
    }

    void getRange(URI target, FileChannel w, long offset, long n, boolean ranged) throws Exception {
      String range = "bytes=" + offset + "-" + (offset + n - 1);
      if (client.equals("jdk")) {
        HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(Duration.ofMinutes(10)).GET();
        if (ranged) {
          b.header("Range", range);
        }
        HttpResponse<Long> r = http.send(b.build(), info -> info.statusCode() / 100 == 2
            ? new ChannelSubscriber(w, offset)
            : HttpResponse.BodySubscribers.replacing(-1L));
        if (r.statusCode() != (ranged ? 206 : 200) || r.body() != n) {
          throw new IllegalStateException("GET " + range + ": " + r.statusCode() + ", " + r.body() + " bytes");
        }
      } else {
        HttpURLConnection c = (HttpURLConnection) target.toURL().openConnection();
        if (ranged) {
          c.setRequestProperty("Range", range);
        }
        int code = c.getResponseCode();
        if (code != (ranged ? 206 : 200)) {
          throw new IllegalStateException("GET " + range + ": " + code);
        }
        try (InputStream in = c.getInputStream()) {
          long got = copyToChannel(in, w, offset);
          if (got != n) {
            throw new IllegalStateException("GET " + range + ": " + got + " bytes");
          }
        }
      }
    }

    Run directDownload(int rep) throws Exception {
      S3Client s3 = s3();
      String k = directKey;
      prepareOut();
      settle();
      Cpu.Snap c0 = Cpu.take();
      long t0 = System.nanoTime();
      try (FileChannel w = FileChannel.open(out, StandardOpenOption.WRITE)) {
        if (download.equals("whole")) {
          try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(s3Bucket).key(k))) {
            copyToChannel(in, w, 0);
          }
        } else {
          int count = (int) Math.max(1, (length + partSize - 1) / partSize);
          parallel(count, i -> {
            long offset = i * partSize;
            long n = Math.min(partSize, length - offset);
            try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(s3Bucket).key(k)
                .range("bytes=" + offset + "-" + (offset + n - 1)))) {
              long got = copyToChannel(in, w, offset);
              if (got != n) {
                throw new IllegalStateException("range " + offset + ": " + got + " bytes");
              }
            }
          });
        }
      }
      long t1 = System.nanoTime();
      Cpu cpu = Cpu.since(c0, (t1 - t0) / 1e9);
      verify(out, "direct download");
      return new Run("direct download", rep, length, (t1 - t0) / 1e9, (t1 - t0) / 1e9, cpu);
    }

    void verify(Path file, String what) throws IOException {
      String got = sha256(file);
      if (!got.equals(sha)) {
        throw new IllegalStateException(what + ": SHA-256 " + got + " != " + sha);
      }
      if (freshFile) {
        Files.deleteIfExists(file);
      }
    }

    /**
     * The download target. By default one file, allocated once and overwritten in place by every
     * download, so that no download pays for the kernel allocating 1 GiB of new page cache (that cost
     * fell on whichever download came first after the uploads, whatever its path). Before each
     * download the first 8 bytes of every range are set to the complement of the expected bytes, so
     * a range that was not written again fails the SHA-256 check. {@code --fresh-file}: a new file each time.
     */
    void prepareOut() throws IOException {
      if (freshFile) {
        Files.deleteIfExists(out);
        Files.createFile(out);
        return;
      }
      try (FileChannel w = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        if (w.size() != length) {
          w.truncate(0);
          ByteBuffer zeros = ByteBuffer.allocate(IO_BUFFER);
          for (long pos = 0; pos < length; ) {
            zeros.clear().limit((int) Math.min(IO_BUFFER, length - pos));
            pos += w.write(zeros, pos);
          }
        }
        long step = download.equals("whole") ? length : partSize;
        for (long pos = 0; pos < length; pos += step) {
          ByteBuffer b = ByteBuffer.allocate((int) Math.min(8, length - pos));
          source.read(b, pos);
          b.flip();
          for (int i = 0; i < b.limit(); i++) {
            b.put(i, (byte) ~b.get(i));
          }
          w.write(b, pos);
        }
      }
    }

    @Override
    public void close() {
      if (s3 != null && directKey != null) {
        String k = directKey;
        s3.deleteObject(b -> b.bucket(s3Bucket).key(k));
        directKey = null;
      }
    }
  }

  static S3Client s3;

  static S3Client s3client() {
    if (s3 == null) {
      if (s3SecretKey == null) {
        if (home == null) {
          throw new IllegalStateException("--home (the standalone's INCLINE_HOME) or --s3-secret-key is required");
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(home.resolve("secrets"))) {
          p.load(in);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        s3SecretKey = p.getProperty("secret").substring(0, 40); // as Standalone: the first 40 characters
      }
      SdkHttpClient httpClient = sdkHttp.equals("apache")
          ? ApacheHttpClient.builder().maxConnections(Math.max(concurrency * 2, 16)).build()
          : UrlConnectionHttpClient.create();
      // configured as the platform's S3Clients.client()
      s3 = S3Client.builder()
          .region(Region.US_EAST_1)
          .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3AccessKey, s3SecretKey)))
          .httpClient(httpClient)
          .forcePathStyle(true)
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
          .endpointOverride(URI.create(s3Endpoint))
          .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(sdkChunked).build())
          .build();
      System.out.println("direct S3 client: endpoint " + s3Endpoint + ", bucket " + s3Bucket + ", access key " + s3AccessKey
          + ", http " + sdkHttp + ", aws-chunked " + sdkChunked);
    }
    return s3;
  }


  static void quiet() throws IOException, InterruptedException {
    if (quietCommand != null) {
      Process p = new ProcessBuilder(quietCommand).redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
      System.out.println("(" + text + ")");
    }
  }

  /** Flushes dirty pages (the previous transfer's writes) so that they do not slow the next one down. */
  static void settle() {
    if (!sync) {
      return;
    }
    try {
      new ProcessBuilder("sync").inheritIO().start().waitFor();
    } catch (IOException e) {
      sync = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void learnEndpoint(String presigned) {
    if (s3Endpoint == null) {
      URI u = URI.create(presigned);
      s3Endpoint = u.getScheme() + "://" + u.getAuthority();
    }
  }

  interface Part {
    void run(int index) throws Exception;
  }

  /** Runs count tasks on {@code concurrency} platform threads; the first failure fails the whole. */
  static void parallel(int count, Part task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(concurrency, count));
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        final int index = i;
        futures.add(pool.submit(() -> {
          task.run(index);
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Reads a file region by position: many of these share one channel. */
  static final class SliceInputStream extends InputStream {
    final FileChannel ch;
    long pos;
    long remaining;

    SliceInputStream(FileChannel ch, long pos, long n) {
      this.ch = ch;
      this.pos = pos;
      this.remaining = n;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, remaining)), pos);
      if (n < 0) {
        throw new IOException("file shorter than expected");
      }
      pos += n;
      remaining -= n;
      return n;
    }

    @Override
    public long transferTo(OutputStream out) throws IOException {
      byte[] buf = new byte[IO_BUFFER];
      long total = 0;
      for (int n; (n = read(buf, 0, buf.length)) > 0; ) {
        out.write(buf, 0, n);
        total += n;
      }
      return total;
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, remaining);
    }
  }

  /** Publishes a file region in 256 KiB buffers read by position, as demanded. */
  static final class FileSlicePublisher implements Flow.Publisher<ByteBuffer> {
    final FileChannel ch;
    final long offset;
    final long length;

    FileSlicePublisher(FileChannel ch, long offset, long length) {
      this.ch = ch;
      this.offset = offset;
      this.length = length;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
      s.onSubscribe(new Flow.Subscription() {
        final AtomicLong demand = new AtomicLong();
        final AtomicInteger wip = new AtomicInteger();
        final AtomicBoolean done = new AtomicBoolean();
        long pos = offset;

        @Override
        public void request(long n) {
          if (n <= 0) {
            cancel();
            s.onError(new IllegalArgumentException("non-positive request"));
            return;
          }
          demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
          if (wip.getAndIncrement() != 0) {
            return;
          }
          do {
            while (!done.get() && demand.get() > 0) {
              long left = offset + length - pos;
              if (left <= 0) {
                done.set(true);
                s.onComplete();
                break;
              }
              ByteBuffer b = ByteBuffer.allocate((int) Math.min(IO_BUFFER, left));
              try {
                while (b.hasRemaining()) {
                  if (ch.read(b, pos + b.position()) < 0) {
                    throw new IOException("file shorter than expected");
                  }
                }
              } catch (IOException e) {
                done.set(true);
                s.onError(e);
                break;
              }
              b.flip();
              pos += b.remaining();
              demand.decrementAndGet();
              s.onNext(b);
            }
          } while (wip.decrementAndGet() != 0);
        }

        @Override
        public void cancel() {
          done.set(true);
        }
      });
    }
  }

  /** Writes a response body by position into a channel, gathered into 1 MiB writes. */
  static final class ChannelSubscriber implements HttpResponse.BodySubscriber<Long> {
    final FileChannel w;
    long pos;
    long total;
    final ByteBuffer acc = ByteBuffer.allocateDirect(1 << 20);
    final CompletableFuture<Long> result = new CompletableFuture<>();
    Flow.Subscription sub;

    ChannelSubscriber(FileChannel w, long offset) {
      this.w = w;
      this.pos = offset;
    }

    @Override
    public CompletionStage<Long> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      sub = subscription;
      sub.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      try {
        for (ByteBuffer b : items) {
          total += b.remaining();
          while (b.hasRemaining()) {
            if (!acc.hasRemaining()) {
              flush();
            }
            int n = Math.min(acc.remaining(), b.remaining());
            ByteBuffer slice = b.slice(b.position(), n);
            acc.put(slice);
            b.position(b.position() + n);
          }
        }
        sub.request(1);
      } catch (IOException e) {
        sub.cancel();
        result.completeExceptionally(e);
      }
    }

    void flush() throws IOException {
      acc.flip();
      while (acc.hasRemaining()) {
        pos += w.write(acc, pos);
      }
      acc.clear();
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      try {
        flush();
        result.complete(total);
      } catch (IOException e) {
        result.completeExceptionally(e);
      }
    }
  }

  static long copyToChannel(InputStream in, FileChannel w, long offset) throws IOException {
    byte[] buf = new byte[IO_BUFFER];
    long pos = offset;
    for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
      ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
      while (b.hasRemaining()) {
        pos += w.write(b, pos);
      }
    }
    return pos - offset;
  }

  // ---------------------------------------------------------------- memory

  record Sample(double t, String phase, long rssKb, long hwmKb, double heapUsedKb, double heapCommittedKb) {}

  static void memory(String project, Path work) throws Exception {
    if (serverPid <= 0) {
      throw new IllegalStateException("--mode memory needs --server-pid");
    }
    System.out.printf(Locale.ROOT, "%n=== memory: streamed PUT of %s through the gateway (after a %s warm-up PUT), "
        + "sampling pid %d every %d ms ===%n", human(memorySize), human(memoryWarmupSize), serverPid, sampleMillis);
    String dataset = createDataset(project, "memory-" + System.currentTimeMillis());
    Path file = work.resolve("stream.bin");
    try {
      int version = createVersion(dataset);
      String base = url + "/api/v1/datasets/" + dataset + "/versions/" + version + "/files/";
      if (memoryWarmupSize > 0) {
        Path w = work.resolve("stream-warmup.bin");
        String wsha = randomFile(w, memoryWarmupSize);
        long t0 = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "warmup.bin"))
            .header("Authorization", "Bearer " + key).header("X-Content-SHA256", wsha)
            .timeout(Duration.ofMinutes(30)).PUT(HttpRequest.BodyPublishers.ofFile(w)).build(), HttpResponse.BodyHandlers.ofString());
        expect(r, 201);
        System.out.printf(Locale.ROOT, "warm-up PUT %s: %.1f MB/s%n", human(memoryWarmupSize),
            memoryWarmupSize / ((System.nanoTime() - t0) / 1e9) / 1e6);
        Files.deleteIfExists(w);
      }
      String sha = randomFile(file, memorySize);
      quiet();
      settle();
      Sampler sampler = new Sampler(serverPid);
      sampler.start();
      sampler.phase("before");
      Thread.sleep(3000);
      Cpu.Snap c0 = Cpu.take();
      long t0 = System.nanoTime();
      sampler.phase("during");
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "stream.bin"))
          .header("Authorization", "Bearer " + key).header("X-Content-SHA256", sha)
          .timeout(Duration.ofMinutes(30)).PUT(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofString());
      long t1 = System.nanoTime();
      sampler.phase("after");
      Cpu cpu = Cpu.since(c0, (t1 - t0) / 1e9);
      expect(r, 201);
      Thread.sleep(5000);
      sampler.stop();
      double secs = (t1 - t0) / 1e9;
      System.out.printf(Locale.ROOT, "PUT %s: 201 in %.2f s => %.1f MB/s; %s%s%n", human(memorySize), secs, memorySize / secs / 1e6,
          cpu.shortText(), cpu.other() > maxOther ? " (DISTURBED by other load: the throughput reads low)" : "");
      System.out.println("  response: " + r.body());
      String serverSha = field(r.body(), "sha256");
      sampler.report();

      // the bytes that arrived: through the presigned download URL, hashed as they come
      HttpResponse<String> link = send(HttpRequest.newBuilder(URI.create(base + "stream.bin?redirect=false"))
          .header("Authorization", "Bearer " + key).GET().build());
      expect(link, 200);
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      long d0 = System.nanoTime();
      HttpResponse<InputStream> dl = http.send(HttpRequest.newBuilder(URI.create(field(link.body(), "url"))).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
      long got = 0;
      try (InputStream in = dl.body()) {
        byte[] buf = new byte[IO_BUFFER];
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
          got += n;
        }
      }
      double ds = (System.nanoTime() - d0) / 1e9;
      String downloaded = HexFormat.of().formatHex(md.digest());
      boolean ok = dl.statusCode() == 200 && got == memorySize && downloaded.equals(sha) && sha.equals(serverSha);
      System.out.printf(Locale.ROOT, "download check: %d, %,d bytes in %.2f s (%.1f MB/s, hashed on the fly), SHA-256 %s; "
          + "local %s; server %s => %s%n", dl.statusCode(), got, ds, got / ds / 1e6, downloaded, sha, serverSha,
          ok ? "MATCH" : "MISMATCH");
      if (!ok) {
        throw new IllegalStateException("downloaded bytes differ from the uploaded file");
      }
    } finally {
      Files.deleteIfExists(file);
      deleteDataset(dataset);
    }
  }

  /** VmRSS / VmHWM from /proc and heap from a {@code jstat -gc PID 200} child, every 200 ms. */
  static final class Sampler {
    final long pid;
    final List<Sample> samples = new ArrayList<>();
    volatile String phase = "before";
    volatile double heapUsed = Double.NaN;
    volatile double heapCommitted = Double.NaN;
    volatile long youngGcs = -1;
    volatile long concurrentGcs = -1;
    volatile long fullGcs = -1;
    long gcBefore[] = null;
    Process jstat;
    Thread thread;
    Thread reader;
    volatile boolean running = true;
    final long start = System.nanoTime();

    Sampler(long pid) {
      this.pid = pid;
    }

    void start() throws IOException {
      Path jstatBin = Path.of(System.getProperty("java.home"), "bin", "jstat");
      jstat = new ProcessBuilder(jstatBin.toString(), "-gc", Long.toString(pid), Integer.toString(sampleMillis))
          .redirectErrorStream(true).start();
      reader = Thread.ofPlatform().daemon().start(() -> {
        try (var r = jstat.inputReader()) {
          String[] header = null;
          for (String line; (line = r.readLine()) != null; ) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 0 && f[0].equals("S0C")) {
              header = f;
              continue;
            }
            if (header == null || f.length != header.length) {
              continue;
            }
            double used = 0;
            double committed = 0;
            for (int i = 0; i < f.length; i++) {
              switch (header[i]) {
                case "S0U", "S1U", "EU", "OU" -> used += Double.parseDouble(f[i]);
                case "S0C", "S1C", "EC", "OC" -> committed += Double.parseDouble(f[i]);
                case "YGC" -> youngGcs = Long.parseLong(f[i]);
                case "FGC" -> fullGcs = Long.parseLong(f[i]);
                case "CGC" -> concurrentGcs = f[i].equals("-") ? -1 : Long.parseLong(f[i]);
                default -> {
                }
              }
            }
            heapUsed = used;
            heapCommitted = committed;
          }
        } catch (IOException | RuntimeException e) {
          // jstat ended
        }
      });
      // wait for the first jstat line
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (Double.isNaN(heapUsed) && System.nanoTime() < deadline) {
        sleep(50);
      }
      thread = Thread.ofPlatform().daemon().start(() -> {
        while (running) {
          sample();
          sleep(sampleMillis);
        }
      });
    }

    void phase(String p) {
      if (p.equals("during")) {
        gcBefore = new long[] {youngGcs, concurrentGcs, fullGcs};
      }
      if (p.equals("after")) {
        gcDuring = new long[] {youngGcs - gcBefore[0], concurrentGcs - gcBefore[1], fullGcs - gcBefore[2]};
      }
      phase = p;
      sample();
    }

    long[] gcDuring;

    synchronized void sample() {
      long rss = -1;
      long hwm = -1;
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
          if (line.startsWith("VmRSS:")) {
            rss = Long.parseLong(line.replaceAll("\\D", ""));
          } else if (line.startsWith("VmHWM:")) {
            hwm = Long.parseLong(line.replaceAll("\\D", ""));
          }
        }
      } catch (IOException e) {
        return;
      }
      samples.add(new Sample((System.nanoTime() - start) / 1e9, phase, rss, hwm, heapUsed, heapCommitted));
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join();
      sample();
      jstat.destroy();
    }

    static void sleep(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void report() {
      List<Sample> before = samples.stream().filter(s -> s.phase().equals("before")).toList();
      List<Sample> during = samples.stream().filter(s -> s.phase().equals("during")).toList();
      List<Sample> after = samples.stream().filter(s -> s.phase().equals("after")).toList();
      double baseRss = before.stream().mapToLong(Sample::rssKb).average().orElse(0) / 1024;
      double baseHeap = before.stream().mapToDouble(Sample::heapUsedKb).max().orElse(0) / 1024;
      double baseCommitted = before.stream().mapToDouble(Sample::heapCommittedKb).max().orElse(0) / 1024;
      long hwmBefore = before.isEmpty() ? 0 : before.get(before.size() - 1).hwmKb();
      double peakRss = during.stream().mapToLong(Sample::rssKb).max().orElse(0) / 1024.0;
      double peakHeap = during.stream().mapToDouble(Sample::heapUsedKb).max().orElse(0) / 1024;
      double peakCommitted = during.stream().mapToDouble(Sample::heapCommittedKb).max().orElse(0) / 1024;
      Sample last = samples.get(samples.size() - 1);
      double afterRss = after.stream().mapToLong(Sample::rssKb).average().orElse(0) / 1024;
      System.out.printf(Locale.ROOT, "  samples: %d before, %d during, %d after (every %d ms)%n", before.size(), during.size(),
          after.size(), sampleMillis);
      System.out.printf(Locale.ROOT, "  %-22s %10s %10s %10s %10s%n", "MiB", "baseline", "peak", "delta", "after");
      System.out.printf(Locale.ROOT, "  %-22s %10.0f %10.0f %+10.0f %10.0f%n", "VmRSS", baseRss, peakRss, peakRss - baseRss, afterRss);
      System.out.printf(Locale.ROOT, "  %-22s %10.0f %10.0f %+10.0f %10.0f%n", "VmHWM (high-water)", hwmBefore / 1024.0,
          last.hwmKb() / 1024.0, (last.hwmKb() - hwmBefore) / 1024.0, last.hwmKb() / 1024.0);
      System.out.printf(Locale.ROOT, "  %-22s %10.0f %10.0f %+10.0f %10.0f%n", "heap used (max)", baseHeap, peakHeap,
          peakHeap - baseHeap, after.stream().mapToDouble(Sample::heapUsedKb).max().orElse(0) / 1024);
      System.out.printf(Locale.ROOT, "  %-22s %10.0f %10.0f %+10.0f %10.0f%n", "heap committed", baseCommitted, peakCommitted,
          peakCommitted - baseCommitted, last.heapCommittedKb() / 1024);
      if (gcDuring != null) {
        System.out.printf(Locale.ROOT, "  GCs during the PUT: %d young, %d concurrent cycles, %d full%n", gcDuring[0], gcDuring[1],
            gcDuring[2]);
      }
      StringBuilder series = new StringBuilder("  RSS/heap-used series (MiB, during, 1 in 5): ");
      for (int i = 0; i < during.size(); i += 5) {
        series.append(String.format(Locale.ROOT, "%.0f/%.0f ", during.get(i).rssKb() / 1024.0, during.get(i).heapUsedKb() / 1024));
      }
      System.out.println(series);
    }
  }

  // ---------------------------------------------------------------- CPU

  /** CPU seconds of the platform JVM (with its PostgreSQL's children), this client, and the machine. */
  record Cpu(double seconds, double server, double self, double selfSys, double machineBusy) {
    record Snap(long server, long self, long selfSys, long total, long idle) {}

    static Snap take() {
      try {
        String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < cpu.length; i++) {
          total += Long.parseLong(cpu[i]);
        }
        long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
        long me = ProcessHandle.current().pid();
        return new Snap(serverPid > 0 ? ticks(serverPid) : 0, ticks(me), sysTicks(me), total, idle);
      } catch (IOException | RuntimeException e) {
        return new Snap(0, 0, 0, 0, 0);
      }
    }

    static long ticks(long pid) throws IOException {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static long sysTicks(long pid) throws IOException {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[12]);
    }

    static Cpu since(Snap a, double seconds) {
      Snap b = take();
      long total = b.total() - a.total();
      double busy = total == 0 ? 0 : 1.0 - (double) (b.idle() - a.idle()) / total;
      return new Cpu(seconds, (b.server() - a.server()) / 100.0, (b.self() - a.self()) / 100.0, (b.selfSys() - a.selfSys()) / 100.0,
          busy);
    }

    /** Cores used by anything but the platform JVM and this client: someone else's load when well above 0. */
    double other() {
      return Math.max(0, machineBusy * Runtime.getRuntime().availableProcessors() - (server + self) / seconds);
    }

    String shortText() {
      return String.format(Locale.ROOT, "server %.2f + client %.2f (kernel %.2f) + other %.2f cores", server / seconds,
          self / seconds, selfSys / seconds, other());
    }
  }

  // ---------------------------------------------------------------- API helpers

  static String randomFile(Path file, long n) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    SplittableRandom random = new SplittableRandom();
    byte[] buf = new byte[1 << 20];
    ByteBuffer longs = ByteBuffer.wrap(buf);
    long t0 = System.nanoTime();
    try (FileChannel w = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      long left = n;
      while (left > 0) {
        longs.clear();
        while (longs.remaining() >= 8) {
          longs.putLong(random.nextLong());
        }
        int len = (int) Math.min(buf.length, left);
        md.update(buf, 0, len);
        ByteBuffer b = ByteBuffer.wrap(buf, 0, len);
        while (b.hasRemaining()) {
          w.write(b);
        }
        left -= len;
      }
    }
    String sha = HexFormat.of().formatHex(md.digest());
    System.out.printf(Locale.ROOT, "wrote %s of random bytes to %s in %.1f s (SHA-256 %s)%n", human(n), file,
        (System.nanoTime() - t0) / 1e9, sha);
    return sha;
  }

  static String sha256(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
      while (ch.read(b) > 0) {
        b.flip();
        md.update(b);
        b.clear();
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static HttpRequest json(String method, String uri, String body) {
    return HttpRequest.newBuilder(URI.create(uri)).header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build();
  }

  static HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> res = http.send(r, HttpResponse.BodyHandlers.ofString());
      if (res.statusCode() == 429 && attempt < 20) {
        Thread.sleep(500);
        continue;
      }
      return res;
    }
  }

  static void expect(HttpResponse<String> r, int status) {
    if (r.statusCode() != status) {
      throw new IllegalStateException(r.request().method() + " " + r.request().uri() + ": " + r.statusCode() + " " + r.body());
    }
  }

  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    return m.group(1).replace("\\u0026", "&").replace("\\/", "/");
  }

  static String createProject(String name) throws Exception {
    HttpResponse<String> r = send(json("POST", url + "/api/v1/projects", "{\"name\":\"" + name + "\"}"));
    expect(r, 201);
    return field(r.body(), "id");
  }

  static String createDataset(String project, String name) throws Exception {
    HttpResponse<String> r = send(json("POST", url + "/api/v1/datasets", "{\"projectId\":\"" + project + "\",\"name\":\"" + name + "\"}"));
    expect(r, 201);
    return name;
  }

  static int createVersion(String dataset) throws Exception {
    HttpResponse<String> r = send(json("POST", url + "/api/v1/datasets/" + dataset + "/versions", "{}"));
    expect(r, 201);
    Matcher m = Pattern.compile("\"version\"\\s*:\\s*(\\d+)").matcher(r.body());
    if (!m.find()) {
      throw new IllegalStateException("no version in " + r.body());
    }
    return Integer.parseInt(m.group(1));
  }

  static void deleteDataset(String dataset) {
    if (keepDatasets) {
      return;
    }
    long t0 = System.nanoTime();
    try {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + "/api/v1/datasets/" + dataset))
          .header("Authorization", "Bearer " + key).DELETE().build());
      if (r.statusCode() != 204) {
        System.out.println("(could not delete dataset " + dataset + ": " + r.statusCode() + " " + r.body() + ")");
      } else {
        System.out.printf(Locale.ROOT, "(deleted dataset %s in %.1f s)%n", dataset, (System.nanoTime() - t0) / 1e9);
      }
    } catch (Exception e) {
      System.out.println("(could not delete dataset " + dataset + ": " + e + ")");
    }
  }
}
