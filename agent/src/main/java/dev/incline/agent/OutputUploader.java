package dev.incline.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Sends a job's output directories to job-service once the main container has ended: each regular
 * file streamed to {@code PUT /internal/v1/jobs/<job>/outputs/<dataset>/files/<path>}, then
 * {@code POST .../outputs/<dataset>/uploaded}. job-service puts them into the job's draft version and
 * commits it only if the job succeeded. A directory that is missing or empty is left out: job-service
 * fails the job with that reason. Links are not followed.
 */
final class OutputUploader {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final URI api;
  private final String job;
  private final Path tokenFile;
  private final PrintStream log;

  OutputUploader(URI api, String job, Path tokenFile, PrintStream log) {
    this.api = URI.create(api.toString().replaceAll("/+$", "") + "/");
    this.job = job;
    this.tokenFile = tokenFile;
    this.log = log;
  }

  /** {@code dataset=dir} as given on the command line. */
  record Output(String dataset, Path dir) {
    static Output parse(String arg) {
      int eq = arg.indexOf('=');
      if (eq <= 0 || eq == arg.length() - 1) {
        throw new IllegalArgumentException("--output takes <dataset>=<directory>, not " + arg);
      }
      return new Output(arg.substring(0, eq), Path.of(arg.substring(eq + 1)));
    }
  }

  /** Uploads every output; false when one could not be sent (job-service then fails the job). */
  boolean uploadAll(List<Output> outputs) {
    boolean ok = true;
    for (Output o : outputs) {
      try {
        int n = upload(o);
        log.println("incline-agent: output " + o.dataset() + ": " + n + " file(s) from " + o.dir());
      } catch (IOException e) {
        ok = false;
        log.println("incline-agent: output " + o.dataset() + " could not be sent: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return ok;
  }

  private int upload(Output o) throws IOException, InterruptedException {
    if (!Files.isDirectory(o.dir(), LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(o.dir())) {
      files = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
    }
    if (files.isEmpty()) {
      return 0;
    }
    String base = "internal/v1/jobs/" + enc(job) + "/outputs/" + enc(o.dataset());
    for (Path f : files) {
      String rel = o.dir().relativize(f).toString().replace('\\', '/');
      String encoded = String.join("/", java.util.Arrays.stream(rel.split("/")).map(OutputUploader::enc).toList());
      send(HttpRequest.newBuilder(api.resolve(base + "/files/" + encoded)).PUT(HttpRequest.BodyPublishers.ofFile(f)), rel);
    }
    send(HttpRequest.newBuilder(api.resolve(base + "/uploaded")).POST(HttpRequest.BodyPublishers.noBody()), "(done)");
    return files.size();
  }

  /** Three tries for what may pass next time (5xx, I/O); a 4xx is final. */
  private void send(HttpRequest.Builder request, String what) throws IOException, InterruptedException {
    String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    HttpRequest r = request.header("Authorization", "Bearer " + token).timeout(Duration.ofHours(1)).build();
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        HttpResponse<String> response = http.send(r, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() < 300) {
          return;
        }
        last = new IOException(what + ": job-service answered " + response.statusCode() + " " + response.body());
        if (response.statusCode() < 500) {
          throw last;
        }
      } catch (IOException e) {
        if (e == last) {
          throw e;
        }
        last = e;
      }
      Thread.sleep(500L << attempt);
    }
    throw last;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
