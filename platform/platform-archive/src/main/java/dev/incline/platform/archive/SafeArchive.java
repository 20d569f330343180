package dev.incline.platform.archive;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Unpacks user-supplied zip and tar.gz archives without trusting them: no entry may land outside the
 * target (absolute paths, {@code ..}, links that point out of the tree), and the unpacked size and
 * entry count are bounded by bytes actually written, so a compression bomb stops at the limit.
 */
public final class SafeArchive {

  /** Bounds for one archive. */
  public record Limits(long maxBytes, int maxEntries) {
    public static Limits defaults() {
      return new Limits(2L * 1024 * 1024 * 1024, 100_000);
    }
  }

  /** The archive is not acceptable; the message says why and is safe to show to the user. */
  public static final class RejectedException extends IOException {
    public RejectedException(String message) {
      super(message);
    }
  }

  public enum Format { ZIP, TAR_GZ, TAR }

  private SafeArchive() {}

  /** Detects the format from the first bytes; null when it is none we accept. */
  public static Format detect(Path archive) throws IOException {
    byte[] head = new byte[512];
    int n;
    try (InputStream in = Files.newInputStream(archive)) {
      n = in.readNBytes(head, 0, head.length);
    }
    if (n >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5) && (head[3] == 4 || head[3] == 6)) {
      return Format.ZIP;
    }
    if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return Format.TAR_GZ;
    }
    if (n >= 262 && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar")) {
      return Format.TAR;
    }
    return null;
  }

  /** Unpacks the archive into {@code target} (created when missing); returns the bytes written. */
  public static long extract(Path archive, Path target, Limits limits) throws IOException {
    Format format = detect(archive);
    if (format == null) {
      throw new RejectedException("not a zip, tar or tar.gz archive");
    }
    Files.createDirectories(target);
    Path root = target.toRealPath();
    try {
      if (format == Format.ZIP) {
        // The zip's central directory, not the stream of local headers: only it has the unix mode
        // (exec bits, and which entries are symbolic links). Count entries before it is parsed into memory.
        long declared = ZipDirectory.entryCount(archive);
        if (declared > limits.maxEntries()) {
          throw new RejectedException("archive has more than " + limits.maxEntries() + " entries");
        }
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
          Enumeration<ZipArchiveEntry> entries = zip.getEntriesInPhysicalOrder();
          return unpack(() -> entries.hasMoreElements() ? entries.nextElement() : null,
              entry -> zip.getInputStream((ZipArchiveEntry) entry), root, limits);
        }
      }
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
          TarArchiveInputStream tar = new TarArchiveInputStream(format == Format.TAR_GZ ? new GzipCompressorInputStream(raw, true) : raw)) {
        InputStream shielded = new FilterInputStream(tar) {
          @Override
          public void close() {
            // the entry ends, not the archive
          }
        };
        return unpack(tar::getNextEntry, entry -> shielded, root, limits);
      }
    } catch (RejectedException e) {
      throw e;
    } catch (IOException | IllegalArgumentException e) {
      throw new RejectedException("archive is corrupt: " + e.getMessage());
    }
  }

  /** The entries of one archive, whatever its format. */
  private interface Entries {
    ArchiveEntry next() throws IOException;
  }

  private interface Content {
    InputStream open(ArchiveEntry entry) throws IOException;
  }

  private static long unpack(Entries entries, Content content, Path root, Limits limits) throws IOException {
    long written = 0;
    int count = 0;
    byte[] buffer = new byte[64 * 1024];
    ArchiveEntry entry;
    while ((entry = entries.next()) != null) {
      if (++count > limits.maxEntries()) {
        throw new RejectedException("archive has more than " + limits.maxEntries() + " entries");
      }
      Path dest = resolveInside(root, entry.getName());
      if (dest == null) {
        continue; // the entry names the root itself ("./")
      }
      if (entry.isDirectory()) {
        ensureNoLinkOnPath(root, dest, entry.getName());
        Files.createDirectories(dest);
        continue;
      }
      if (entry instanceof TarArchiveEntry tar && (tar.isSymbolicLink() || tar.isLink())) {
        written += link(root, dest, tar, limits.maxBytes() - written, limits);
        continue;
      }
      if (entry instanceof ZipArchiveEntry zip && zip.isUnixSymlink()) {
        throw new RejectedException("entry '" + entry.getName() + "': symbolic links in zip archives are not accepted");
      }
      if (entry instanceof TarArchiveEntry tar && !tar.isFile()) {
        throw new RejectedException("entry '" + entry.getName() + "': devices, fifos and other special files are not accepted");
      }
      // Checked before any directory is made: making one would already follow a link.
      ensureNoLinkOnPath(root, dest.getParent(), entry.getName());
      Files.createDirectories(dest.getParent());
      try (InputStream in = content.open(entry);
          OutputStream out = Files.newOutputStream(dest, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        int n;
        while ((n = in.read(buffer)) > 0) {
          written += n;
          if (written > limits.maxBytes()) {
            throw new RejectedException("archive unpacks to more than " + limits.maxBytes() + " bytes");
          }
          out.write(buffer, 0, n);
        }
      }
      if (entry instanceof TarArchiveEntry tar && (tar.getMode() & 0100) != 0) {
        dest.toFile().setExecutable(true, false);
      } else if (entry instanceof ZipArchiveEntry zip && (zip.getUnixMode() & 0100) != 0) {
        dest.toFile().setExecutable(true, false);
      }
    }
    return written;
  }

  /** The normalized destination of an entry name, or an exception when it would leave the root. */
  static Path resolveInside(Path root, String name) throws RejectedException {
    if (name.isEmpty() || name.indexOf('\0') >= 0) {
      throw new RejectedException("an entry has an empty or invalid name");
    }
    String unixName = name.replace('\\', '/');
    if (unixName.startsWith("/") || unixName.matches("^[A-Za-z]:.*")) {
      throw new RejectedException("entry '" + name + "' has an absolute path");
    }
    Path dest = root.resolve(unixName).normalize();
    if (!dest.startsWith(root)) {
      throw new RejectedException("entry '" + name + "' points outside the archive root");
    }
    return dest.equals(root) ? null : dest;
  }

  /**
   * Makes a link entry; returns the bytes it wrote. A hard link is a copy, so it counts against the
   * size bound like any file: a thousand hard links to one large entry are a bomb too.
   */
  private static long link(Path root, Path dest, TarArchiveEntry tar, long budget, Limits limits) throws IOException {
    String target = tar.getLinkName();
    ensureNoLinkOnPath(root, dest.getParent(), tar.getName());
    if (tar.isLink()) {
      // Hard link: the target is another entry's name, relative to the archive root; it is copied.
      Path existing = resolveInside(root, target);
      if (existing != null) {
        ensureNoLinkOnPath(root, existing.getParent(), tar.getName());
      }
      if (existing == null || !Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)) {
        throw new RejectedException("entry '" + tar.getName() + "' is a hard link to a missing file");
      }
      long size = Files.size(existing);
      if (size > budget) {
        throw new RejectedException("archive unpacks to more than " + limits.maxBytes() + " bytes");
      }
      Files.createDirectories(dest.getParent());
      Files.copy(existing, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return size;
    }
    checkSymlinkTarget(root, dest, tar.getName(), target);
    Files.createDirectories(dest.getParent());
    Files.deleteIfExists(dest);
    Files.createSymbolicLink(dest, java.nio.file.Paths.get(target));
    return 0;
  }

  /**
   * A link's target may climb ({@code ..}) only before it descends: {@code ../../lib/x}, not
   * {@code x/..}. Reading {@code x/..} as text drops {@code x}, but the kernel resolves {@code x}
   * first, and when {@code x} is itself a link ({@code x -> .}) that lands outside the tree. Climbing
   * from the link's own directory, which has no link on its path, the text and the kernel agree.
   */
  private static void checkSymlinkTarget(Path root, Path dest, String name, String target) throws RejectedException {
    if (target.isEmpty() || target.indexOf('\0') >= 0) {
      throw new RejectedException("entry '" + name + "' is a link with an empty or invalid target");
    }
    if (target.startsWith("/") || target.matches("^[A-Za-z]:.*")) {
      throw new RejectedException("entry '" + name + "' is a link to an absolute path");
    }
    Path at = dest.getParent();
    boolean descending = false;
    for (String part : target.replace('\\', '/').split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (descending) {
          throw new RejectedException("entry '" + name + "' is a link whose target climbs after it descends");
        }
        at = at.getParent();
        if (at == null || !at.startsWith(root)) {
          throw new RejectedException("entry '" + name + "' is a link that points outside the archive root");
        }
      } else {
        descending = true;
        at = at.resolve(part);
      }
    }
  }

  /**
   * A symlink created by an earlier entry must not be used as a directory by a later one: even an
   * inward link could be swapped for an outward one later in a crafted archive.
   */
  private static void ensureNoLinkOnPath(Path root, Path dir, String name) throws RejectedException {
    for (Path p = dir; p != null && !p.equals(root); p = p.getParent()) {
      if (Files.isSymbolicLink(p)) {
        throw new RejectedException("entry '" + name + "' is written through a symbolic link");
      }
    }
  }
}
