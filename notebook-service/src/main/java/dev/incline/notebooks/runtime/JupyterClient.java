package dev.incline.notebooks.runtime;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Jupyter's own REST API, with the run's token: whether the server answers, and its activity for idle
 * culling. Kernels are listed with {@code no_track_activity}, so that asking does not count as activity.
 */
@Component
public class JupyterClient {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
  private final JsonMapper json;

  JupyterClient(JsonMapper json) {
    this.json = json;
  }

  /**
   * What Jupyter reports.
   *
   * @param lastActivity its {@code last_activity}: the last API request, kernel message or terminal use
   * @param busyKernels kernels whose {@code execution_state} is {@code busy}: running code is activity
   *     even when nobody looks
   */
  public record Activity(Instant lastActivity, int kernels, int busyKernels) {
    /** When the notebook was last active, as of {@code now}: a busy kernel is active now. */
    public Instant lastActiveAsOf(Instant now) {
      return busyKernels > 0 ? now : lastActivity;
    }
  }

  /** Jupyter's status, or empty when it does not answer (yet) with this token. */
  public Optional<Activity> activity(URI endpoint, String basePath, String token) {
    Optional<JsonNode> status = get(endpoint, basePath + "api/status", token);
    if (status.isEmpty()) {
      return Optional.empty();
    }
    Instant last = instant(status.get().path("last_activity").asString(null));
    int kernels = 0;
    int busy = 0;
    Optional<JsonNode> list = get(endpoint, basePath + "api/kernels?no_track_activity=1", token);
    if (list.isPresent() && list.get().isArray()) {
      for (JsonNode k : list.get()) {
        kernels++;
        if ("busy".equals(k.path("execution_state").asString(""))) {
          busy++;
        }
        Instant kernelLast = instant(k.path("last_activity").asString(null));
        if (kernelLast != null && (last == null || kernelLast.isAfter(last))) {
          last = kernelLast;
        }
      }
    }
    return Optional.of(new Activity(last, kernels, busy));
  }

  private Optional<JsonNode> get(URI endpoint, String path, String token) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint.toString().replaceAll("/+$", "") + path))
        .header("Authorization", "token " + token)
        .timeout(Duration.ofSeconds(5))
        .GET().build();
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return Optional.empty();
      }
      return Optional.of(json.readTree(r.body()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  static Instant instant(String iso) {
    if (iso == null || iso.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(iso);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(iso).toInstant();
      } catch (DateTimeParseException again) {
        return null;
      }
    }
  }
}
