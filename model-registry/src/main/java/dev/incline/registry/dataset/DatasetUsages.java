package dev.incline.registry.dataset;

import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.InvalidRequestException.FieldError;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import dev.incline.registry.config.RegistryProperties;
import java.io.IOException;
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
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Dataset versions belong to storage-service; a model version whose lineage names some records
 * itself there as their user, so that they cannot be deleted while it exists (storage-service then
 * answers 409 naming the model version). Calls carry the caller's internal token: storage-service
 * scopes them to the caller's team.
 */
@Component
public class DatasetUsages {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI storage;
  private final InternalTokens tokens;
  private final JsonMapper json;

  DatasetUsages(RegistryProperties properties, InternalTokens tokens, JsonMapper json) {
    this.storage = properties.services().storage();
    this.tokens = tokens;
    this.json = json;
  }

  /**
   * Records {@code usedBy} as a user of the dataset versions {@code refs} name ({@code
   * <dataset>:<version id>}), all or none. A reference storage-service refuses is a 422 on {@code
   * field}; storage-service not answering is a 503 (and nothing was recorded).
   */
  public void use(Caller caller, List<String> refs, String usedBy, String field) {
    if (refs.isEmpty()) {
      return;
    }
    String body = json.writeValueAsString(Map.of("refs", refs, "usedBy", usedBy));
    HttpResponse<String> r = send(HttpRequest.newBuilder(storage.resolve("/internal/v1/dataset-refs/use"))
        .header(InternalTokens.HEADER, tokens.issue(caller))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), "recorded as used");
    int s = r.statusCode();
    if (s >= 200 && s < 300) {
      return;
    }
    if (s == 422) {
      List<FieldError> errors = new ArrayList<>();
      problem(r).path("errors").forEach(e -> {
        String f = e.path("field").asString("");
        String ref = f.startsWith("refs[") ? refAt(refs, f) : null;
        errors.add(new FieldError(field, "input dataset version " + (ref == null ? "" : "'" + ref + "' ")
            + "cannot be recorded as used: " + e.path("message").asString("refused")));
      });
      if (errors.isEmpty()) {
        errors.add(new FieldError(field, "input dataset versions cannot be recorded as used"));
      }
      throw new InvalidRequestException(errors);
    }
    throw ApiExceptions.unavailable("dataset versions cannot be recorded as used now (storage-service answered " + s + "); try again");
  }

  /** Forgets {@code usedBy} as a user of any dataset version; a 503 when storage-service does not take it. */
  public void release(Caller caller, String usedBy) {
    HttpResponse<String> r = send(HttpRequest.newBuilder(storage.resolve("/internal/v1/dataset-usages/"
            + URLEncoder.encode(usedBy, StandardCharsets.UTF_8)))
        .header(InternalTokens.HEADER, tokens.issue(caller))
        .timeout(Duration.ofSeconds(30))
        .DELETE().build(), "released");
    int s = r.statusCode();
    if (s < 200 || s >= 300) {
      throw ApiExceptions.unavailable("dataset versions cannot be released now (storage-service answered " + s + "); try again");
    }
  }

  private HttpResponse<String> send(HttpRequest request, String done) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw ApiExceptions.unavailable("dataset versions cannot be " + done + " now (storage-service does not answer); try again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiExceptions.unavailable("interrupted while calling storage-service");
    }
  }

  private JsonNode problem(HttpResponse<String> r) {
    try {
      return json.readTree(r.body());
    } catch (RuntimeException notJson) {
      return json.createObjectNode();
    }
  }

  private static String refAt(List<String> refs, String field) {
    try {
      int i = Integer.parseInt(field.substring("refs[".length(), field.indexOf(']')));
      return i >= 0 && i < refs.size() ? refs.get(i) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
