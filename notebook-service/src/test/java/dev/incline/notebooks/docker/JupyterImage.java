package dev.incline.notebooks.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notebook image of the docker tests: no registry can be reached here (nor on CI), so the image is
 * imported ({@code docker import}) from a root filesystem made of this machine's own Debian files: the
 * files of the installed packages that Debian's {@code jupyter-notebook} and {@code python3-ipykernel}
 * depend on (Depends and Pre-Depends, recursively, the first installed alternative of each), plus
 * {@code dash} and {@code coreutils} for the notebook script, with their symlinks, modes and owners, and
 * the merged-/usr links ({@code /bin → usr/bin}, ...) as the machine has them. Everything comes from
 * {@code dpkg-query}: on CI it is what {@code .ci/run}'s {@code apt-get install jupyter-notebook} put there.
 *
 * <p>Left out, to keep it lean (about 170 MB): documentation, man pages and translations, and the
 * packages Jupyter does not need to run: {@code dpkg}, {@code debconf} and the other packaging tools
 * (and the perl they bring), {@code gdb} (debugpy's, for attaching a native debugger) and MathJax (45 MB;
 * the tree page and kernels work without it, formulas are not rendered). Python's byte code is not in the
 * packages (Debian compiles it on installation) and is compiled on the container's first imports.
 *
 * <p>The image runs as root (no user in it), as a {@code docker import}ed image does: the notebook
 * script adds {@code --allow-root}.
 */
public final class JupyterImage {

  private static final Logger log = LoggerFactory.getLogger(JupyterImage.class);

  static final String REPOSITORY = "incline-test/jupyter";
  static final String TAG = "6.4";
  public static final String NAME = REPOSITORY + ":" + TAG;

  /** What the image must run: Jupyter, its kernel, and the shell and tools of the notebook script. */
  static final List<String> ROOTS = List.of("jupyter-notebook", "python3-ipykernel", "dash", "coreutils", "libc6");

  /** Dependencies Jupyter does not need at run time; neither they nor what only they need go in. */
  static final Set<String> LEFT_OUT = Set.of("dpkg", "debconf", "tar", "ucf", "init-system-helpers", "usrmerge", "usr-is-merged",
      "perl", "perl-base", "gdb", "gdb-minimal", "libjs-mathjax", "fonts-mathjax");

  /** Nothing under these is needed to run anything. */
  static final List<String> LEFT_OUT_DIRS = List.of("/usr/share/doc/", "/usr/share/man/", "/usr/share/info/",
      "/usr/share/locale/", "/usr/share/lintian/", "/usr/share/bug/");

  /** The top-level links of Debian's merged /usr, included as the machine has them. */
  private static final List<String> MERGED_USR = List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32");

  private JupyterImage() {}

  /** A client of the engine at {@code dockerHost}, for the tests' own look at containers. */
  public static DockerClient client(URI dockerHost) {
    var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost.toString()).build();
    return DockerClientImpl.getInstance(config, new ZerodepDockerHttpClient.Builder().dockerHost(dockerHost)
        .connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofMinutes(2)).build());
  }

  /** Imports the image unless the engine has it already. */
  public static synchronized void ensure(URI dockerHost) throws IOException, InterruptedException {
    try (DockerClient docker = client(dockerHost)) {
      try {
        docker.inspectImageCmd(NAME).exec();
        return;
      } catch (NotFoundException missing) {
        // build it below
      }
      long started = System.nanoTime();
      List<String> packages = packages();
      Path tar = Files.createTempFile("incline-jupyter-rootfs-", ".tar");
      try {
        int entries = rootfs(packages, tar);
        long built = System.nanoTime();
        importImage(dockerHost, tar);
        long size = docker.inspectImageCmd(NAME).exec().getSize();
        log.info("imported {}: {} packages, {} tar entries, {} MiB of tar, {} MiB as an image; built in {} ms, imported in {} ms",
            NAME, packages.size(), entries, Files.size(tar) >> 20, size >> 20, (built - started) / 1_000_000,
            (System.nanoTime() - built) / 1_000_000);
      } finally {
        Files.deleteIfExists(tar);
      }
    }
  }

  /** The installed packages the image is made of: {@link #ROOTS} and their dependencies, less {@link #LEFT_OUT}. */
  static List<String> packages() throws IOException, InterruptedException {
    String nativeArch = run(List.of("dpkg", "--print-architecture")).strip();
    Map<String, Installed> installed = new HashMap<>();
    Map<String, String> providers = new HashMap<>();
    String format = "${binary:Package}\\t${Package}\\t${Architecture}\\t${db:Status-Abbrev}\\t${Provides}\\t${Pre-Depends}\\t${Depends}\\n";
    for (String line : run(List.of("dpkg-query", "-W", "-f=" + format)).split("\n")) {
      String[] f = line.split("\t", -1);
      if (f.length < 7 || !f[3].startsWith("ii") || !(f[2].equals(nativeArch) || f[2].equals("all"))) {
        continue; // not installed (removed, config files only), or another architecture's
      }
      installed.put(f[1], new Installed(f[0], f[5] + "," + f[6]));
      for (String provided : f[4].split(",")) {
        String name = bareName(provided);
        if (!name.isEmpty()) {
          providers.putIfAbsent(name, f[1]);
        }
      }
    }
    Set<String> closure = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>();
    for (String root : ROOTS) {
      if (!installed.containsKey(root)) {
        throw new IllegalStateException("the docker notebook tests make their image from this machine's Debian packages, and "
            + root + " is not installed: apt-get install --no-install-recommends jupyter-notebook");
      }
      todo.add(root);
    }
    while (!todo.isEmpty()) {
      String p = todo.poll();
      if (!closure.add(p)) {
        continue;
      }
      for (String dependency : installed.get(p).depends().split(",")) {
        if (dependency.isBlank()) {
          continue;
        }
        String chosen = null;
        for (String alternative : dependency.split("\\|")) {
          String name = bareName(alternative);
          chosen = installed.containsKey(name) ? name : providers.get(name);
          if (chosen != null) {
            break;
          }
        }
        if (chosen == null) {
          throw new IllegalStateException(p + " depends on " + dependency.strip() + ", and none of it is installed");
        }
        if (!LEFT_OUT.contains(chosen)) {
          todo.add(chosen);
        }
      }
    }
    return closure.stream().map(p -> installed.get(p).qualified()).sorted().toList();
  }

  /** {@code "python3:any (>= 3.11~)"} → {@code python3} */
  private static String bareName(String dependency) {
    String s = dependency.strip();
    int cut = s.indexOf(' ');
    s = cut < 0 ? s : s.substring(0, cut);
    cut = s.indexOf(':');
    return cut < 0 ? s : s.substring(0, cut);
  }

  private record Installed(String qualified, String depends) {}

  /**
   * Writes the root filesystem of {@code packages} to {@code tar}; answers how many entries it has.
   * Each listed path is taken at its place with its parent's links resolved ({@code /bin/ls} is
   * {@code usr/bin/ls} under the merged-/usr link {@code bin}), so no entry goes through a link.
   */
  static int rootfs(List<String> packages, Path tar) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("dpkg-query", "-L"));
    command.addAll(packages);
    Set<Path> paths = new TreeSet<>(); // sorted: every directory before what is in it
    for (String line : run(command).split("\n")) {
      if (!line.startsWith("/") || line.equals("/.") || LEFT_OUT_DIRS.stream().anyMatch(d -> (line + "/").startsWith(d))) {
        continue; // "diverted by ..." notes, the root itself, documentation
      }
      Path listed = Path.of(line);
      Path parent;
      try {
        parent = listed.getParent().toRealPath();
      } catch (IOException gone) {
        continue; // a directory dpkg lists but the machine has not (excluded by a dpkg path-exclude)
      }
      Path file = parent.resolve(listed.getFileName());
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        continue; // likewise
      }
      for (Path p = file; p.getParent() != null; p = p.getParent()) {
        paths.add(p);
      }
    }
    for (String link : MERGED_USR) {
      if (Files.isSymbolicLink(Path.of("/", link))) {
        paths.add(Path.of("/", link));
      }
    }
    int entries = 0;
    try (OutputStream out = Files.newOutputStream(tar); TarArchiveOutputStream archive = new TarArchiveOutputStream(out)) {
      archive.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      archive.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      Set<String> written = new HashSet<>();
      for (Path p : paths) {
        String name = p.toString().substring(1);
        written.add(name);
        entries++;
        if (Files.isSymbolicLink(p)) {
          TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
          e.setLinkName(Files.readSymbolicLink(p).toString());
          attributes(e, p);
          archive.putArchiveEntry(e);
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          TarArchiveEntry e = new TarArchiveEntry(name + "/");
          attributes(e, p);
          archive.putArchiveEntry(e);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          TarArchiveEntry e = new TarArchiveEntry(name);
          attributes(e, p);
          e.setSize(Files.size(p));
          archive.putArchiveEntry(e);
          try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            in.transferTo(archive);
          }
        } else {
          entries--;
          continue; // no packaged sockets or devices
        }
        archive.closeArchiveEntry();
      }
      // What a root filesystem needs beyond the packages' files: a user database for root, the usual directories.
      for (String[] dir : new String[][] {{"root", "700"}, {"tmp", "1777"}, {"var/tmp", "1777"}, {"home", "755"},
          {"proc", "555"}, {"sys", "555"}, {"dev", "755"}, {"run", "755"}, {"etc", "755"}, {"var", "755"}}) {
        if (written.add(dir[0])) {
          TarArchiveEntry e = new TarArchiveEntry(dir[0] + "/");
          e.setMode(Integer.parseInt(dir[1], 8));
          archive.putArchiveEntry(e);
          archive.closeArchiveEntry();
          entries++;
        }
      }
      file(archive, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
      file(archive, "etc/group", "root:x:0:\nnogroup:x:65534:\n");
      entries += 2;
    }
    return entries;
  }

  private static void attributes(TarArchiveEntry e, Path p) throws IOException {
    Map<String, Object> unix = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    e.setMode((Integer) unix.get("mode") & 07777);
    e.setUserId((Integer) unix.get("uid"));
    e.setGroupId((Integer) unix.get("gid"));
    e.setModTime((FileTime) unix.get("lastModifiedTime"));
  }

  private static void file(TarArchiveOutputStream archive, String name, String content) throws IOException {
    byte[] b = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(b.length);
    e.setMode(0644);
    archive.putArchiveEntry(e);
    archive.write(b);
    archive.closeArchiveEntry();
  }

  /**
   * {@code POST /images/create?fromSrc=-} through the transport itself: docker-java 3.7.1's
   * {@code createImageCmd(repo, InputStream)} JSON-encodes the stream instead of sending its bytes
   * (see platform-compute's BusyboxImage).
   */
  private static void importImage(URI dockerHost, Path tar) throws IOException {
    String path = "/images/create?fromSrc=-&repo=" + URLEncoder.encode(REPOSITORY, StandardCharsets.UTF_8) + "&tag=" + TAG;
    try (InputStream body = Files.newInputStream(tar);
        DockerHttpClient http = new ZerodepDockerHttpClient.Builder().dockerHost(dockerHost)
            .connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofMinutes(5)).build();
        DockerHttpClient.Response response = http.execute(DockerHttpClient.Request.builder()
            .method(DockerHttpClient.Request.Method.POST)
            .path(path)
            .putHeader("Content-Type", "application/x-tar")
            .body(body)
            .build())) {
      // The engine streams JSON progress and reports a failure inside a 200 answer.
      String answer = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
      if (response.getStatusCode() != 200 || answer.contains("\"error\"")) {
        throw new IllegalStateException("docker import of " + NAME + " failed: HTTP " + response.getStatusCode() + " " + answer);
      }
    }
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(command.get(0) + " did not finish within 60 s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command.subList(0, Math.min(3, command.size()))) + " failed (exit "
          + p.exitValue() + "): the docker notebook tests need a Debian machine with jupyter-notebook installed");
    }
    return out;
  }
}
