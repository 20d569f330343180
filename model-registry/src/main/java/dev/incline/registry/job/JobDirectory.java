package dev.incline.registry.job;

import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.error.NotFoundException;
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
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Jobs belong to job-service; this reads one, as the caller, for a version's lineage. Another team's
 * job is a 404 here as it is there.
 */
@Component
public class JobDirectory {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI jobs;
  private final InternalTokens tokens;
  private final JsonMapper json;

  JobDirectory(RegistryProperties properties, InternalTokens tokens, JsonMapper json) {
    this.jobs = properties.services().jobs();
    this.tokens = tokens;
    this.json = json;
  }

  /** The job as job-service shows it ({@code id, projectId, image, command, inputs[]...}); a 404 problem when it is not the caller's. */
  public JsonNode requireJob(Caller caller, String jobId) {
    HttpRequest request = HttpRequest.newBuilder(jobs.resolve("/api/v1/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8)))
        .header(InternalTokens.HEADER, tokens.issue(caller))
        .timeout(Duration.ofSeconds(10))
        .GET().build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw ApiExceptions.unavailable("jobs cannot be read now (job-service does not answer); try again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiExceptions.unavailable("interrupted");
    }
    int status = response.statusCode();
    if (status == 404 || status == 400) {
      throw new NotFoundException("job", jobId);
    }
    if (status != 200) {
      throw ApiExceptions.unavailable("jobs cannot be read now (job-service answered " + status + "); try again");
    }
    return json.readTree(response.body());
  }
}
