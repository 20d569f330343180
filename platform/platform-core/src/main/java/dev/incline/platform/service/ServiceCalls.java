package dev.incline.platform.service;

import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import dev.incline.platform.security.Role;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calls from one service to another with an internal token for a team: what a service does for a team
 * outside any request (its reconciler recording events, reading the machine types, resolving datasets),
 * or on behalf of the caller of a request.
 */
public class ServiceCalls {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final InternalTokens tokens;
  private final JsonMapper json;
  private final String service;

  /** @param service this service's name: its calls are made as {@code service:<name>} */
  public ServiceCalls(InternalTokens tokens, JsonMapper json, String service) {
    this.tokens = tokens;
    this.json = json;
    this.service = service;
  }

  /** Who this service is when it acts for a team outside any request. */
  public Caller caller(String teamId) {
    return new Caller(teamId, teamId, "service:" + service, Role.MEMBER, false);
  }

  /** The answer: its status and JSON body (null when empty). */
  public record Answer(int status, JsonNode body) {
    public boolean ok() {
      return status / 100 == 2;
    }
  }

  /**
   * @param what the service, for the 503 a caller sees when it does not answer
   */
  public Answer call(String what, Caller caller, String method, URI uri, Object body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri)
        .header(InternalTokens.HEADER, tokens.issue(caller))
        .timeout(Duration.ofSeconds(30));
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
    }
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw ApiExceptions.unavailable(what + " does not answer at " + uri.resolve("/") + "; try again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiExceptions.unavailable("interrupted");
    }
    JsonNode node = null;
    String text = r.body();
    if (text != null && !text.isBlank()) {
      try {
        node = json.readTree(text);
      } catch (RuntimeException e) {
        node = null;
      }
    }
    return new Answer(r.statusCode(), node);
  }

  public HttpClient http() {
    return http;
  }
}
