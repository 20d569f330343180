package dev.incline.jobs.agent;

import dev.incline.platform.error.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * Artifact paths as the agent sends them: relative, {@code /}-separated, never climbing. The path
 * becomes part of an S3 key and of download URLs, so it is checked here once and stored normalized.
 */
final class ArtifactPaths {

  static final int MAX_LENGTH = 1024;

  private ArtifactPaths() {}

  /** The normalized path ({@code a//./b} is {@code a/b}), or a 422 naming the field. */
  static String normalize(String path) {
    if (path == null || path.isBlank()) {
      throw invalid("is required");
    }
    if (path.length() > MAX_LENGTH) {
      throw invalid("is longer than " + MAX_LENGTH + " characters");
    }
    if (path.startsWith("/") || path.indexOf('\\') >= 0 || path.matches("^[A-Za-z]:.*")) {
      throw invalid("must be relative, with / as separator");
    }
    if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw invalid("must not contain control characters");
    }
    List<String> parts = new ArrayList<>();
    for (String part : path.split("/")) {
      if (part.equals("..")) {
        throw invalid("must not contain '..'");
      }
      if (!part.isEmpty() && !part.equals(".")) {
        parts.add(part);
      }
    }
    if (parts.isEmpty()) {
      throw invalid("names no file");
    }
    return String.join("/", parts);
  }

  private static InvalidRequestException invalid(String message) {
    return new InvalidRequestException("path", message);
  }
}
