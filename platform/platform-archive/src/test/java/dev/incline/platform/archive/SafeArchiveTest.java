package dev.incline.platform.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeArchiveTest {

  private static final SafeArchive.Limits LIMITS = new SafeArchive.Limits(10L * 1024 * 1024, 1000);

  @TempDir Path base;

  private Path target() {
    return base.resolve("out");
  }

  // ---- building archives ----

  /** Writes a tar.gz entry by entry. */
  private final class Tar implements AutoCloseable {
    final Path file;
    final TarArchiveOutputStream out;

    Tar(String name) throws IOException {
      file = base.resolve(name);
      out = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(file)));
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    Tar dir(String name) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
      out.putArchiveEntry(e);
      out.closeArchiveEntry();
      return this;
    }

    Tar file(String name, String content, int mode) throws IOException {
      byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(name, true); // keep a leading '/' as written
      e.setSize(bytes.length);
      e.setMode(mode);
      out.putArchiveEntry(e);
      out.write(bytes);
      out.closeArchiveEntry();
      return this;
    }

    Tar zeros(String name, long size) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setSize(size);
      out.putArchiveEntry(e);
      byte[] chunk = new byte[64 * 1024];
      for (long left = size; left > 0; left -= chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
      out.closeArchiveEntry();
      return this;
    }

    Tar symlink(String name, String target) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK, true);
      e.setLinkName(target);
      out.putArchiveEntry(e);
      out.closeArchiveEntry();
      return this;
    }

    Tar hardlink(String name, String target) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK, true);
      e.setLinkName(target);
      out.putArchiveEntry(e);
      out.closeArchiveEntry();
      return this;
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  private final class Zip implements AutoCloseable {
    final Path file;
    final ZipArchiveOutputStream out;

    Zip(String name) throws IOException {
      file = base.resolve(name);
      out = new ZipArchiveOutputStream(file);
      out.setLevel(Deflater.BEST_COMPRESSION);
    }

    Zip file(String name, byte[] content, int unixMode) throws IOException {
      ZipArchiveEntry e = new ZipArchiveEntry(name);
      e.setUnixMode(unixMode);
      out.putArchiveEntry(e);
      out.write(content);
      out.closeArchiveEntry();
      return this;
    }

    Zip file(String name, String content, int unixMode) throws IOException {
      return file(name, content.getBytes(StandardCharsets.UTF_8), unixMode);
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  private static long bytesUnder(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  // ---- accepted ----

  @Test
  void unpacksAZipWithNestedDirectoriesAndKeepsTheExecBit() throws Exception {
    Path zip;
    try (Zip z = new Zip("ok.zip")) {
      z.file("src/pkg/model.py", "print('hi')\n", 0100644);
      z.file("bin/run.sh", "#!/bin/sh\necho run\n", 0100755);
      zip = z.file;
    }
    assertThat(SafeArchive.detect(zip)).isEqualTo(SafeArchive.Format.ZIP);
    long written = SafeArchive.extract(zip, target(), LIMITS);

    assertThat(Files.readString(target().resolve("src/pkg/model.py"))).isEqualTo("print('hi')\n");
    assertThat(Files.isExecutable(target().resolve("bin/run.sh"))).isTrue();
    assertThat(Files.isExecutable(target().resolve("src/pkg/model.py"))).isFalse();
    assertThat(written).isEqualTo("print('hi')\n".length() + "#!/bin/sh\necho run\n".length());
  }

  @Test
  void unpacksATarGzWithNestedDirectoriesLinksInsideAndTheExecBit() throws Exception {
    Path tgz;
    try (Tar t = new Tar("ok.tar.gz")) {
      t.dir("./").dir("src/").dir("src/deep/er/");
      t.file("src/deep/er/data.txt", "data", 0644);
      t.file("train.sh", "echo train", 0755);
      t.symlink("src/latest", "deep/er/data.txt");
      t.symlink("shortcut", "src/deep");
      t.hardlink("copy.txt", "src/deep/er/data.txt");
      tgz = t.file;
    }
    assertThat(SafeArchive.detect(tgz)).isEqualTo(SafeArchive.Format.TAR_GZ);
    SafeArchive.extract(tgz, target(), LIMITS);

    assertThat(Files.readString(target().resolve("src/deep/er/data.txt"))).isEqualTo("data");
    assertThat(Files.isExecutable(target().resolve("train.sh"))).isTrue();
    assertThat(Files.isExecutable(target().resolve("src/deep/er/data.txt"))).isFalse();
    assertThat(Files.isSymbolicLink(target().resolve("src/latest"))).isTrue();
    assertThat(Files.readString(target().resolve("src/latest"))).isEqualTo("data");
    assertThat(Files.readString(target().resolve("copy.txt"))).isEqualTo("data");
  }

  @Test
  void acceptsLinksThatClimbToASiblingInsideTheTree() throws Exception {
    Path tgz;
    try (Tar t = new Tar("sibling.tar.gz")) {
      t.file("pkg/lib/cli.js", "cli", 0755);
      t.symlink("node_modules/.bin/cli", "../../pkg/lib/cli.js");
      tgz = t.file;
    }
    SafeArchive.extract(tgz, target(), LIMITS);
    assertThat(Files.readString(target().resolve("node_modules/.bin/cli"))).isEqualTo("cli");
  }

  // ---- rejected ----

  @Test
  void rejectsDotDotInAZip() throws Exception {
    Path zip;
    try (Zip z = new Zip("evil.zip")) {
      zip = z.file("../evil", "x", 0100644).file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(zip, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("outside");
    assertThat(base.resolve("evil")).doesNotExist();
  }

  @Test
  void rejectsDotDotInATar() throws Exception {
    Path tgz;
    try (Tar t = new Tar("evil.tar.gz")) {
      tgz = t.file("a/../../evil", "x", 0644).file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("outside");
    assertThat(base.resolve("evil")).doesNotExist();
  }

  @Test
  void rejectsAbsolutePaths() throws Exception {
    Path tgz;
    try (Tar t = new Tar("abs.tar.gz")) {
      tgz = t.file("/etc/x", "x", 0644).file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("absolute");
    Path zip;
    try (Zip z = new Zip("abs.zip")) {
      zip = z.file("/etc/x", "x", 0100644).file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(zip, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("absolute");
  }

  @Test
  void rejectsASymlinkPointingOutside() throws Exception {
    Path tgz;
    try (Tar t = new Tar("link.tar.gz")) {
      tgz = t.symlink("link", "../../etc").file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("outside");
    assertThat(target().resolve("link")).doesNotExist();
  }

  @Test
  void rejectsASymlinkToAnAbsolutePath() throws Exception {
    Path tgz;
    try (Tar t = new Tar("abslink.tar.gz")) {
      tgz = t.symlink("passwd", "/etc/passwd").file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("absolute");
  }

  @Test
  void rejectsAFileWrittenThroughASymlink() throws Exception {
    Path tgz;
    try (Tar t = new Tar("through.tar.gz")) {
      t.dir("sub/");
      t.symlink("link", "sub"); // harmless alone...
      t.file("link/evil.txt", "x", 0644); // ...but a later entry may not write through it
      tgz = t.file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("symbolic link");
    assertThat(target().resolve("sub/evil.txt")).doesNotExist();
  }

  @Test
  void rejectsADirectoryCreatedThroughASymlink() throws Exception {
    Path tgz;
    try (Tar t = new Tar("dirthrough.tar.gz")) {
      t.dir("sub/");
      t.symlink("link", "sub");
      t.dir("link/made/");
      tgz = t.file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("symbolic link");
    assertThat(target().resolve("sub/made")).doesNotExist();
  }

  @Test
  void rejectsLinksThatEscapeThroughAnotherLink() throws Exception {
    // "x -> ." is inside, and "x/.." is the root when read as text; but the kernel resolves x first,
    // so y would point at the root's parent, and the hard link would copy a file from out there.
    Files.writeString(base.resolve("secret.txt"), "host secret");
    Path tgz;
    try (Tar t = new Tar("chain.tar.gz")) {
      t.symlink("x", ".");
      t.symlink("y", "x/..");
      t.hardlink("stolen", "y/secret.txt");
      tgz = t.file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class);
    assertThat(target().resolve("stolen")).doesNotExist();
  }

  @Test
  void rejectsAHardLinkThroughASymlink() throws Exception {
    Path tgz;
    try (Tar t = new Tar("hardthrough.tar.gz")) {
      t.file("sub/data.txt", "data", 0644);
      t.symlink("link", "sub");
      t.hardlink("copy", "link/data.txt");
      tgz = t.file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("symbolic link");
  }

  @Test
  void rejectsAHardLinkToAMissingFile() throws Exception {
    Path tgz;
    try (Tar t = new Tar("hard.tar.gz")) {
      tgz = t.hardlink("passwd", "etc/passwd").file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("missing file");
  }

  @Test
  void rejectsSymlinksInAZip() throws Exception {
    Path zip;
    try (Zip z = new Zip("link.zip")) {
      zip = z.file("link", "../../etc", 0120777).file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(zip, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("symbolic link");
    assertThat(target().resolve("link")).doesNotExist();
  }

  @Test
  void stopsATarGzCompressionBombAtTheLimit() throws Exception {
    Path tgz;
    try (Tar t = new Tar("bomb.tar.gz")) {
      tgz = t.zeros("zeros.bin", 50L * 1024 * 1024).file;
    }
    assertThat(Files.size(tgz)).isLessThan(1024 * 1024); // it is a bomb: small packed, huge unpacked
    SafeArchive.Limits oneMegabyte = new SafeArchive.Limits(1024 * 1024, 1000);
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), oneMegabyte))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("more than 1048576 bytes");
    assertThat(bytesUnder(target())).isLessThanOrEqualTo(1024 * 1024);
  }

  @Test
  void stopsAZipCompressionBombAtTheLimit() throws Exception {
    Path zip;
    try (Zip z = new Zip("bomb.zip")) {
      ZipArchiveEntry e = new ZipArchiveEntry("zeros.bin");
      z.out.putArchiveEntry(e);
      byte[] chunk = new byte[64 * 1024];
      for (int i = 0; i < 800; i++) {
        z.out.write(chunk);
      }
      z.out.closeArchiveEntry();
      zip = z.file;
    }
    SafeArchive.Limits oneMegabyte = new SafeArchive.Limits(1024 * 1024, 1000);
    assertThatThrownBy(() -> SafeArchive.extract(zip, target(), oneMegabyte))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("more than");
    assertThat(bytesUnder(target())).isLessThanOrEqualTo(1024 * 1024);
  }

  @Test
  void countsHardLinkCopiesAgainstTheSizeLimit() throws Exception {
    // each hard link is unpacked as a copy: 20 links to a 100 KiB file are 2 MiB on disk
    Path tgz;
    try (Tar t = new Tar("hardbomb.tar.gz")) {
      t.zeros("big.bin", 100 * 1024);
      for (int i = 0; i < 20; i++) {
        t.hardlink("copy" + i, "big.bin");
      }
      tgz = t.file;
    }
    SafeArchive.Limits oneMegabyte = new SafeArchive.Limits(1024 * 1024, 1000);
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), oneMegabyte))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("more than 1048576 bytes");
    assertThat(bytesUnder(target())).isLessThanOrEqualTo(1024 * 1024);
  }

  @Test
  void rejectsTooManyEntries() throws Exception {
    Path tgz;
    try (Tar t = new Tar("many.tar.gz")) {
      for (int i = 0; i < 11; i++) {
        t.file("f" + i, "x", 0644);
      }
      tgz = t.file;
    }
    assertThatThrownBy(() -> SafeArchive.extract(tgz, target(), new SafeArchive.Limits(1024 * 1024, 10)))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("more than 10 entries");
    assertThat(target().resolve("f10")).doesNotExist();
  }

  @Test
  void rejectsAZipThatDeclaresTooManyEntriesBeforeReadingThem() throws Exception {
    Path zip;
    try (Zip z = new Zip("manyzip.zip")) {
      for (int i = 0; i < 11; i++) {
        z.file("f" + i, "x", 0100644);
      }
      zip = z.file;
    }
    assertThat(ZipDirectory.entryCount(zip)).isEqualTo(11);
    assertThatThrownBy(() -> SafeArchive.extract(zip, target(), new SafeArchive.Limits(1024 * 1024, 10)))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("more than 10 entries");
    assertThat(target().resolve("f0")).doesNotExist();
  }

  @Test
  void rejectsAFileThatIsNoArchive() throws Exception {
    Path text = Files.writeString(base.resolve("notes.txt"), "just some text, not an archive\n");
    assertThat(SafeArchive.detect(text)).isNull();
    assertThatThrownBy(() -> SafeArchive.extract(text, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class).hasMessageContaining("not a zip");
  }

  @Test
  void rejectsATruncatedArchiveAsCorrupt() throws Exception {
    Path tgz;
    try (Tar t = new Tar("whole.tar.gz")) {
      tgz = t.zeros("data.bin", 1024 * 1024).file;
    }
    byte[] bytes = Files.readAllBytes(tgz);
    Path cut = Files.write(base.resolve("cut.tar.gz"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> SafeArchive.extract(cut, target(), LIMITS))
        .isInstanceOf(SafeArchive.RejectedException.class);
  }
}
