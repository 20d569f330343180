package dev.incline.registry.model;

import dev.incline.platform.archive.SafeArchive;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.registry.model.ModelService.Local;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.springframework.http.MediaType;

/**
 * A model directory uploaded as one archive: unpacked on local disk with {@link SafeArchive}'s rules
 * and bounds (no entry outside the tree, no more than so many entries and bytes), then read back as
 * the version's files. A version holds plain files only, so symbolic links are refused; a tar's hard
 * link to an earlier entry is a copy of that file. When every file lies in one top-level directory
 * ({@code tar -czf m.tgz my_model/}), that directory is the version's root, as a job's artifact
 * directory is: the version's files are the directory's, whether or not the archive names it.
 */
final class ModelArchive {

  /** The media types an archive upload may be sent as, and the format each announces. */
  static final Map<String, SafeArchive.Format> MEDIA_TYPES = Map.of(
      "application/gzip", SafeArchive.Format.TAR_GZ,
      "application/x-gzip", SafeArchive.Format.TAR_GZ,
      "application/zip", SafeArchive.Format.ZIP,
      "application/x-tar", SafeArchive.Format.TAR);

  /** The longest path (in UTF-8 bytes) a file of a version may have: S3 keys end at 1024. */
  static final int MAX_PATH_BYTES = 512;

  private ModelArchive() {}

  /** The format a Content-Type announces; null when it is not an archive type. */
  static SafeArchive.Format format(MediaType type) {
    return type == null ? null : MEDIA_TYPES.get(type.getType() + "/" + type.getSubtype());
  }

  /**
   * Unpacks {@code archive} into {@code root} (which must not exist yet) and returns its files, sorted
   * by path, each with its size and SHA-256; a 422 on {@code body} with the reason when it is refused.
   */
  static List<Local> unpack(Path archive, SafeArchive.Format declared, Path root, SafeArchive.Limits limits) {
    try {
      SafeArchive.Format actual = SafeArchive.detect(archive);
      if (actual != declared) {
        throw new InvalidRequestException("body", actual == null
            ? "is not a " + name(declared) + " archive"
            : "is a " + name(actual) + " archive, but its Content-Type announces a " + name(declared));
      }
      try {
        SafeArchive.extract(archive, root, limits);
      } catch (SafeArchive.RejectedException e) {
        throw new InvalidRequestException("body", e.getMessage());
      }
      List<Path> files = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(root)) { // does not follow links
        for (Path p : (Iterable<Path>) walk::iterator) {
          if (Files.isSymbolicLink(p)) {
            throw new InvalidRequestException("body", "entry '" + relative(root, p)
                + "' is a symbolic link; a model version holds plain files only (archive the file it points to)");
          }
          if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            files.add(p);
          }
        }
      }
      if (files.isEmpty()) {
        throw new InvalidRequestException("body", "the archive holds no files");
      }
      Path base = topDirectory(root, files);
      List<Local> out = new ArrayList<>();
      for (Path file : files) {
        String path = relative(base, file);
        checkPath(path);
        out.add(hash(path, file));
      }
      out.sort(Comparator.comparing(Local::path));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The single top-level directory every file lies in, or the root when there is none. */
  private static Path topDirectory(Path root, List<Path> files) {
    Path top = null;
    for (Path file : files) {
      Path rel = root.relativize(file);
      if (rel.getNameCount() < 2 || (top != null && !top.equals(rel.getName(0)))) {
        return root;
      }
      top = rel.getName(0);
    }
    return root.resolve(top);
  }

  private static void checkPath(String path) {
    if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new InvalidRequestException("body", "entry '" + path.replaceAll("\\p{Cntrl}", "?")
          + "' has a control character in its name");
    }
    if (path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      throw new InvalidRequestException("body", "entry '" + path.substring(0, 64) + "…' has a path longer than "
          + MAX_PATH_BYTES + " bytes");
    }
  }

  private static Local hash(String path, Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long size;
    try (InputStream in = new DigestInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS), digest)) {
      size = in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return new Local(path, file, size, HexFormat.of().formatHex(digest.digest()), null);
  }

  private static String relative(Path base, Path file) {
    return base.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
  }

  static String name(SafeArchive.Format format) {
    return switch (format) {
      case TAR_GZ -> "tar.gz";
      case ZIP -> "zip";
      case TAR -> "tar";
    };
  }
}
