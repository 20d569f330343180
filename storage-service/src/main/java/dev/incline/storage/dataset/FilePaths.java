package dev.incline.storage.dataset;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A file's path inside a dataset version, as every client will see it and as a job will find it
 * under {@code /datasets/<mountAs>/}. Normalised ({@code a//b} and {@code ./a} become {@code a/b}
 * and {@code a}, Unicode to NFC) or rejected: nothing that could leave the version's directory when
 * materialised, no control characters, and lengths every filesystem and S3 accept.
 */
public final class FilePaths {

  public static final int MAX_BYTES = 1024 - 200; // S3 keys are at most 1,024 bytes; the version's prefix takes the rest
  public static final int MAX_SEGMENT_BYTES = 255; // NAME_MAX of Linux filesystems

  private FilePaths() {}

  /** The normalised path; throws {@link IllegalArgumentException} with the reason otherwise. */
  public static String normalise(String raw) {
    if (raw == null || raw.isEmpty()) {
      throw new IllegalArgumentException("is empty");
    }
    String path = Normalizer.normalize(raw, Normalizer.Form.NFC);
    if (path.startsWith("/")) {
      throw new IllegalArgumentException("must be relative (no leading '/')");
    }
    if (path.endsWith("/")) {
      throw new IllegalArgumentException("names a directory (ends with '/'); name a file");
    }
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        throw new IllegalArgumentException("must not contain '..'");
      }
      if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
        throw new IllegalArgumentException("has a name longer than " + MAX_SEGMENT_BYTES + " bytes");
      }
      for (int i = 0; i < segment.length(); i++) {
        char c = segment.charAt(i);
        if (c < 0x20 || c == 0x7f || c == '\\') {
          throw new IllegalArgumentException("must not contain control characters or '\\'");
        }
      }
      segments.add(segment);
    }
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("is empty");
    }
    String normal = String.join("/", segments);
    if (normal.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new IllegalArgumentException("is longer than " + MAX_BYTES + " bytes");
    }
    return normal;
  }

  /** A listing prefix: normalised the same way, but may be empty or end at a directory. */
  public static String prefix(String raw) {
    if (raw == null || raw.isEmpty()) {
      return "";
    }
    boolean directory = raw.endsWith("/");
    String trimmed = directory ? raw.replaceAll("/+$", "") : raw;
    if (trimmed.isEmpty()) {
      return "";
    }
    String normal = normalise(trimmed);
    return directory ? normal + "/" : normal;
  }
}
