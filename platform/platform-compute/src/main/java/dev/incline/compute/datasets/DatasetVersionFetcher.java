package dev.incline.compute.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Puts one immutable set of files (a dataset version, a model version) into a directory: each file
 * downloaded by its presigned URL and checked against its SHA-256, the tree made read-only (files
 * 0444, directories 0555), then renamed into place. The set is immutable, so a complete directory
 * never goes stale and is never fetched again; a crash or a concurrent fetcher leaves at most a
 * {@code .partial-*} directory beside it, never a half set under the real name. Used by job-service
 * for the local runtimes, by the agent for dataset versions on the team's volume in Kubernetes
 * ({@link #fetch}, {@code <cache>/<versionId>/}), and by the agent for a deployment's model version
 * ({@link #fetchInto}).
 */
public final class DatasetVersionFetcher {

  /** One file of a version. */
  public record File(String path, long size, String sha256, URI url) {}

  /** What a fetch did: {@code downloaded} false when the cache already held the version. */
  public record Result(Path dir, boolean downloaded, long files, long bytes) {}

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
      .followRedirects(HttpClient.Redirect.NEVER).build();

  /** The version into {@code <cache>/<versionId>/}, unless it is there already. */
  public Result fetch(Path cache, String versionId, List<File> files) throws IOException {
    if (!versionId.matches("[A-Za-z0-9_-]{1,100}")) {
      throw new IOException("not a version id: " + versionId);
    }
    return fetchInto(cache.resolve(versionId), files);
  }

  /**
   * The files into {@code dir} (made with its parent's {@code .partial-<name>-*} sibling, then renamed),
   * unless {@code dir} is there already: a directory under that name is always complete.
   */
  public Result fetchInto(Path dir, List<File> files) throws IOException {
    Path absolute = dir.toAbsolutePath().normalize();
    if (absolute.getParent() == null || absolute.getFileName() == null) {
      throw new IOException("not a directory to fetch into: " + dir);
    }
    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return new Result(dir, false, 0, 0);
    }
    Path parent = absolute.getParent();
    Files.createDirectories(parent);
    Path partial = parent.resolve(".partial-" + absolute.getFileName() + "-" + UUID.randomUUID());
    long bytes = 0;
    try {
      Files.createDirectories(partial);
      for (File f : files) {
        download(f, partial);
        bytes += f.size();
      }
      readOnly(partial);
      try {
        Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, dir);
      }
      return new Result(dir, true, files.size(), bytes);
    } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
      // another fetcher (a second pod of the team) finished the same version first: same bytes
      deleteQuietly(partial);
      return new Result(dir, false, 0, 0);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(partial);
      throw e;
    }
  }

  private void download(File f, Path into) throws IOException {
    // paths were normalised by storage-service; checked again because they become file names here
    Path target = into.resolve(f.path()).normalize();
    if (f.path().startsWith("/") || !target.startsWith(into) || target.equals(into)) {
      throw new IOException("refusing a file outside its version: " + f.path());
    }
    Files.createDirectories(target.getParent());
    HttpResponse<InputStream> r;
    try {
      r = http.send(HttpRequest.newBuilder(f.url()).timeout(Duration.ofHours(1)).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while downloading " + f.path());
    }
    MessageDigest sha = sha256();
    long written;
    try (InputStream in = r.body()) {
      if (r.statusCode() != 200) {
        throw new IOException("download of " + f.path() + " answered " + r.statusCode());
      }
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(target), sha)) {
        written = in.transferTo(out);
      }
    }
    if (written != f.size()) {
      throw new IOException(f.path() + " arrived with " + written + " bytes, not " + f.size());
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (f.sha256() != null && !f.sha256().equals(actual)) {
      throw new IOException(f.path() + " arrived with SHA-256 " + actual + ", not " + f.sha256());
    }
  }

  private static void readOnly(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "r-xr-xr-x" : "r--r--r--"));
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.filter(Files::isDirectory).toList()) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
      }
      dev.incline.compute.host.HostRunDirectory.deleteTree(dir);
    } catch (IOException | UncheckedIOException ignored) {
      // best effort: a .partial directory is never read
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
