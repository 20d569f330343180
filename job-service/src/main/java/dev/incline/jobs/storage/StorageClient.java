package dev.incline.jobs.storage;

import dev.incline.jobs.config.JobsProperties;
import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.InvalidRequestException.FieldError;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import dev.incline.platform.security.Role;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * job-service's side of storage-service: datasets a job reads and writes, and the secrets it gets.
 * Calls carry an internal token for the job's team, so storage-service scopes them as it scopes a
 * user's request.
 */
@Component
public class StorageClient {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;
  private final InternalTokens tokens;
  private final JsonMapper json;

  StorageClient(JobsProperties properties, InternalTokens tokens, JsonMapper json) {
    this.base = properties.storageUrl();
    this.tokens = tokens;
    this.json = json;
  }

  /** Who job-service is when it acts for a job of a team outside any request. */
  public static Caller service(String teamId) {
    return new Caller(teamId, teamId, "service:job-service", Role.MEMBER, false);
  }

  /** A resolved dataset version. */
  public record Version(String id, String datasetId, String dataset, int version, String status, long totalBytes) {
    public String ref() {
      return dataset + ":" + version;
    }
  }

  public record ManifestFile(String path, long size, String sha256, String url) {}

  public record Manifest(String versionId, String ref, long totalBytes, List<ManifestFile> files) {}

  /**
   * Resolves dataset references to committed versions and records {@code usedBy} as their user.
   * Errors come back on {@code fieldOf.apply("refs[i]")}.
   */
  public List<Version> use(Caller caller, List<String> refs, String usedBy, UnaryOperator<String> fieldOf) {
    JsonNode r = call(caller, "POST", "/internal/v1/dataset-refs/use", Map.of("refs", refs, "usedBy", usedBy), fieldOf);
    List<Version> out = new ArrayList<>();
    r.get("versions").forEach(v -> out.add(version(v)));
    return out;
  }

  public void release(String teamId, String usedBy) {
    call(service(teamId), "DELETE", "/internal/v1/dataset-usages/" + enc(usedBy), null, f -> f);
  }

  /** Checks that the secrets exist for the project (values stay where they are). */
  public void checkSecrets(Caller caller, String projectId, List<String> names) {
    call(caller, "POST", "/internal/v1/secrets/resolve", Map.of("projectId", projectId, "names", names, "reveal", false), f -> f);
  }

  public Map<String, String> secretValues(String teamId, String projectId, List<String> names) {
    JsonNode r = call(service(teamId), "POST", "/internal/v1/secrets/resolve",
        Map.of("projectId", projectId, "names", names, "reveal", true), f -> f);
    Map<String, String> values = new java.util.LinkedHashMap<>();
    r.get("values").properties().forEach(e -> values.put(e.getKey(), e.getValue().asString()));
    return values;
  }

  public Manifest manifest(String teamId, String versionId) {
    return json.treeToValue(call(service(teamId), "GET", "/internal/v1/dataset-versions/" + enc(versionId) + "/manifest", null, f -> f),
        Manifest.class);
  }

  /** The draft version a job's output goes to; the same one on every call for the job. */
  public Version outputVersion(String teamId, String projectId, String dataset, String jobId, String message) {
    return version(call(service(teamId), "POST", "/internal/v1/dataset-outputs",
        Map.of("projectId", projectId, "dataset", dataset, "jobId", jobId, "message", message), f -> f));
  }

  /** Streams one file into a draft version. */
  public void putFile(String teamId, Version v, String path, InputStream body, long size) {
    String encoded = String.join("/", java.util.Arrays.stream(path.split("/")).map(StorageClient::enc).toList());
    HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/v1/datasets/" + v.datasetId() + "/versions/" + v.version()
            + "/files/" + encoded))
        .header(InternalTokens.HEADER, tokens.issue(service(teamId)))
        .timeout(Duration.ofHours(1))
        .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body), size))
        .build();
    check(send(request), f -> f);
  }

  public Version commit(String teamId, Version v) {
    return version(call(service(teamId), "POST", "/api/v1/datasets/" + v.datasetId() + "/versions/" + v.version() + "/commit",
        null, f -> f));
  }

  private static Version version(JsonNode v) {
    return new Version(v.get("id").asString(), v.get("datasetId").asString(), v.get("dataset").asString(), v.get("version").asInt(),
        v.get("status").asString(), v.get("totalBytes").asLong());
  }

  private JsonNode call(Caller caller, String method, String path, Object body, UnaryOperator<String> fieldOf) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
        .header(InternalTokens.HEADER, tokens.issue(caller))
        .timeout(Duration.ofMinutes(10));
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
    }
    return check(send(b.build()), fieldOf);
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw ApiExceptions.unavailable("storage-service does not answer at " + base + "; try again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiExceptions.unavailable("interrupted while calling storage-service");
    }
  }

  /** Passes storage-service's field errors on under our own field names; other failures are 503s. */
  private JsonNode check(HttpResponse<String> r, UnaryOperator<String> fieldOf) {
    int s = r.statusCode();
    if (s >= 200 && s < 300) {
      return r.body().isEmpty() ? json.createObjectNode() : json.readTree(r.body());
    }
    JsonNode problem = null;
    try {
      problem = json.readTree(r.body());
    } catch (RuntimeException notJson) {
      // fall through
    }
    if (s >= 400 && s < 500 && s != 401 && s != 408 && s != 429) {
      List<FieldError> errors = new ArrayList<>();
      if (problem != null && problem.has("errors")) {
        problem.get("errors").forEach(e -> errors.add(new FieldError(fieldOf.apply(e.get("field").asString()), e.get("message").asString())));
      }
      if (errors.isEmpty()) {
        throw new StorageException(s, problem == null ? "refused with " + s : problem.path("detail").asString("refused with " + s));
      }
      throw new InvalidRequestException(errors);
    }
    throw ApiExceptions.unavailable("storage-service answered " + s + ": " + (problem == null ? "" : problem.path("detail").asString("")));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A refusal of storage-service without field errors (a 404 or 409), with its detail. */
  public static final class StorageException extends RuntimeException {
    private final int status;

    StorageException(int status, String detail) {
      super(detail);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }
}
