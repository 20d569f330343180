package dev.incline.platform.project;

import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Projects belong to job-service; this asks it, as the caller, whether a project is the caller's
 * team's. Another team's project is a 404 here as it is there.
 */
public class ProjectDirectory {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI jobs;
  private final InternalTokens tokens;

  /** @param jobs job-service base URL */
  public ProjectDirectory(URI jobs, InternalTokens tokens) {
    this.jobs = jobs;
    this.tokens = tokens;
  }

  /**
   * A project id as stored here: ids are decoded case-insensitively, so {@code PRJ_…} and {@code
   * prj_…} name one project and must be kept as one string.
   */
  public static String canonical(String projectId) {
    return dev.incline.platform.id.PublicId.decode("prj", projectId)
        .map(id -> dev.incline.platform.id.PublicId.encode("prj", id)).orElse(projectId);
  }

  /** Throws a 404 problem unless the project exists in the caller's team; its canonical id otherwise. */
  public String requireProject(Caller caller, String projectId) {
    HttpRequest request = HttpRequest.newBuilder(jobs.resolve("/api/v1/projects/" + URLEncoder.encode(projectId, StandardCharsets.UTF_8)))
        .header(InternalTokens.HEADER, tokens.issue(caller))
        .timeout(Duration.ofSeconds(10))
        .GET().build();
    int status;
    try {
      status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      throw ApiExceptions.unavailable("projects cannot be checked now (job-service does not answer); try again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiExceptions.unavailable("interrupted");
    }
    if (status == 404 || status == 400) {
      throw new NotFoundException("project", projectId);
    }
    if (status != 200) {
      throw ApiExceptions.unavailable("projects cannot be checked now (job-service answered " + status + "); try again");
    }
    return canonical(projectId);
  }
}
