package dev.incline.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Polls a directory tree and uploads each regular file once its size and modification time have
 * stood still for the settle time, and again whenever it changes later. Polling, not inotify: it
 * works the same on every volume type, and a pass over an artifacts directory is cheap.
 * Symbolic links are never followed: a workload must not be able to ship the sidecar's own files.
 */
final class ArtifactWatcher {

  /** What a file looked like when seen. */
  record Version(long size, long modifiedMillis) {}

  /** Uploads one file's bytes under a relative artifact path. */
  interface Uploader {
    void upload(String path, Path file, long size) throws IOException, InterruptedException;
  }

  private static final class Tracked {
    Version seen;
    Instant stableSince;
    Version uploaded;
    /** A version the server refused for good (a 4xx): not retried until the file changes. */
    Version refused;
  }

  private final Path root;
  private final Duration settle;
  private final Uploader uploader;
  private final Clock clock;
  private final PrintStream log;
  private final Map<String, Tracked> files = new HashMap<>();

  ArtifactWatcher(Path root, Duration settle, Uploader uploader, Clock clock, PrintStream log) throws IOException {
    Files.createDirectories(root);
    this.root = root.toRealPath();
    this.settle = settle;
    this.uploader = uploader;
    this.clock = clock;
    this.log = log;
  }

  /** One poll: notes what changed and uploads what has settled. Returns how many files it uploaded. */
  synchronized int pass() throws InterruptedException {
    Instant now = clock.instant();
    int uploaded = 0;
    Map<String, Version> found = scan();
    files.keySet().retainAll(found.keySet()); // deleted files: a file that comes back is new again
    for (Map.Entry<String, Version> e : found.entrySet()) {
      Tracked t = files.computeIfAbsent(e.getKey(), k -> new Tracked());
      if (!e.getValue().equals(t.seen)) {
        t.seen = e.getValue();
        t.stableSince = now;
        continue;
      }
      boolean settled = !now.isBefore(t.stableSince.plus(settle));
      if (settled && pending(t) && upload(e.getKey(), t)) {
        uploaded++;
      }
    }
    return uploaded;
  }

  /**
   * The last pass, on shutdown: the workload has ended, so nothing changes any more and nothing needs
   * to settle. Uploads every file whose current version is not uploaded yet.
   */
  synchronized int finalPass() throws InterruptedException {
    int uploaded = 0;
    for (Map.Entry<String, Version> e : scan().entrySet()) {
      Tracked t = files.computeIfAbsent(e.getKey(), k -> new Tracked());
      t.seen = e.getValue();
      if (pending(t) && upload(e.getKey(), t)) {
        uploaded++;
      }
    }
    return uploaded;
  }

  private static boolean pending(Tracked t) {
    return !t.seen.equals(t.uploaded) && !t.seen.equals(t.refused);
  }

  private boolean upload(String path, Tracked t) throws InterruptedException {
    Version version = t.seen;
    Path file = root.resolve(path);
    try {
      // Checked again right before reading: a directory on the way may have become a link since the scan.
      if (!file.toRealPath().startsWith(root) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      long started = System.nanoTime();
      uploader.upload(path, file, version.size());
      t.uploaded = version;
      log.println("incline-agent: uploaded " + path + " (" + version.size() + " bytes, "
          + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms)");
      return true;
    } catch (UploadClient.UploadException e) {
      if (!e.retryable) {
        t.refused = version;
      }
      log.println("incline-agent: could not upload " + path + ": " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      log.println("incline-agent: could not upload " + path + ": " + e);
    }
    return false;
  }

  /** Every regular file under the root, by relative path with {@code /} separators. */
  Map<String, Version> scan() {
    Map<String, Version> found = new TreeMap<>();
    try {
      // No FOLLOW_LINKS: links to directories are not entered, links to files are reported as links.
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile()) {
            found.put(relative(file), new Version(attrs.size(), attrs.lastModifiedTime().toMillis()));
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE; // deleted while we looked, or unreadable: next pass
        }
      });
    } catch (IOException e) {
      log.println("incline-agent: could not scan " + root + ": " + e.getMessage());
    }
    return found;
  }

  private String relative(Path file) {
    List<String> parts = new ArrayList<>();
    root.relativize(file).forEach(p -> parts.add(p.toString()));
    return String.join("/", parts);
  }
}
