package dev.incline.agent;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Asks job-service for a presigned URL for one artifact, then PUTs the bytes straight to S3, so S3
 * credentials never enter a workload. Connection errors and 5xx are retried with backoff; any other
 * answer is final for this version of the file.
 */
final class UploadClient {

  /** Where to send one file's bytes. */
  record Grant(URI url, String method) {}

  /** The upload did not happen; {@code retryable} says whether trying again later may help. */
  static final class UploadException extends IOException {
    final boolean retryable;

    UploadException(String message, boolean retryable) {
      super(message);
      this.retryable = retryable;
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final URI api;
  private final String job;
  private final Path tokenFile;
  private final Backoff backoff;

  UploadClient(URI api, String job, Path tokenFile, Backoff backoff) {
    this.api = api;
    this.job = job;
    this.tokenFile = tokenFile;
    this.backoff = backoff;
  }

  /**
   * How many attempts and how long between them; {@code giveUp} ends the waiting early (shutdown).
   */
  record Backoff(int attempts, Duration first, Duration max, BooleanSupplier giveUp) {
    static Backoff standard(BooleanSupplier giveUp) {
      return new Backoff(6, Duration.ofMillis(500), Duration.ofSeconds(15), giveUp);
    }
  }

  /** Uploads {@code size} bytes of {@code file} as artifact {@code path}. */
  void upload(String path, Path file, long size) throws IOException, InterruptedException {
    Grant grant = retrying("presign " + path, () -> presign(path, size));
    retrying("upload " + path, () -> {
      put(grant, file, size);
      return null;
    });
  }

  private Grant presign(String path, long size) throws IOException, InterruptedException {
    URI uri = URI.create(stripSlash(api.toString()) + "/internal/v1/jobs/" + job + "/artifact-uploads");
    String body = "{\"path\":" + Json.quote(path) + ",\"size\":" + size + "}";
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
            .header("Authorization", "Bearer " + token())
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    check(response.statusCode(), "job-service", response.body());
    String url = Json.stringField(response.body(), "url");
    String method = Json.stringField(response.body(), "method");
    if (url == null) {
      throw new UploadException("job-service answered without a url: " + response.body(), false);
    }
    return new Grant(URI.create(url), method == null ? "PUT" : method);
  }

  private void put(Grant grant, Path file, long size) throws IOException, InterruptedException {
    // Exactly the announced size, streamed: a file that grows meanwhile is uploaded again once it settles.
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofInputStream(() -> open(file, size)), size);
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(grant.url())
            .timeout(Duration.ofHours(6))
            .method(grant.method(), body).build(),
        HttpResponse.BodyHandlers.ofString());
    check(response.statusCode(), "the object store", response.body());
  }

  private static InputStream open(Path file, long size) {
    try {
      return new Bounded(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS), size);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private String token() throws IOException {
    // Read each time: a rotated Secret is picked up without a restart.
    return Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
  }

  private static void check(int status, String who, String body) throws UploadException {
    if (status / 100 == 2) {
      return;
    }
    String detail = body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "..." : body;
    throw new UploadException(who + " answered HTTP " + status + " " + detail.strip(), status >= 500 || status == 429);
  }

  private interface Step<T> {
    T run() throws IOException, InterruptedException;
  }

  private <T> T retrying(String what, Step<T> step) throws IOException, InterruptedException {
    Duration wait = backoff.first();
    for (int attempt = 1; ; attempt++) {
      try {
        return step.run();
      } catch (UploadException e) {
        if (!e.retryable || attempt >= backoff.attempts() || backoff.giveUp().getAsBoolean()) {
          throw e;
        }
        System.err.println("incline-agent: " + what + " failed (" + e.getMessage() + "); retrying in " + wait.toMillis() + " ms");
      } catch (IOException | java.io.UncheckedIOException e) {
        if (attempt >= backoff.attempts() || backoff.giveUp().getAsBoolean()) {
          throw e instanceof IOException io ? io : ((java.io.UncheckedIOException) e).getCause();
        }
        System.err.println("incline-agent: " + what + " failed (" + e + "); retrying in " + wait.toMillis() + " ms");
      }
      Thread.sleep(wait);
      wait = wait.multipliedBy(2).compareTo(backoff.max()) > 0 ? backoff.max() : wait.multipliedBy(2);
    }
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** At most {@code remaining} bytes of a stream. */
  private static final class Bounded extends FilterInputStream {
    private long remaining;

    Bounded(InputStream in, long limit) {
      super(in);
      this.remaining = limit;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }
  }
}
