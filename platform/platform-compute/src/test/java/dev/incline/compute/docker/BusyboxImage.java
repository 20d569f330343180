package dev.incline.compute.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The test image: no registry can be reached here, so it is imported from a root filesystem made of
 * Debian's static busybox (package busybox-static) and one symlink per applet, like {@code docker import}.
 */
public final class BusyboxImage {

  static final String REPOSITORY = "incline-test/busybox";
  static final String TAG = "1";
  public static final String NAME = REPOSITORY + ":" + TAG;

  private BusyboxImage() {}

  /** The same, for tests of other modules: with a client of its own. */
  public static void ensure(URI dockerHost) throws IOException, InterruptedException {
    try (DockerClient docker = DockerRuntime.client(dockerHost, java.time.Duration.ofMinutes(2))) {
      ensure(docker, dockerHost);
    }
  }

  /** Imports the image unless the engine has it already. */
  public static void ensure(DockerClient docker, URI dockerHost) throws IOException, InterruptedException {
    try {
      docker.inspectImageCmd(NAME).exec();
      return;
    } catch (NotFoundException missing) {
      // build it below
    }
    Path busybox = List.of(Path.of("/usr/bin/busybox"), Path.of("/bin/busybox")).stream()
        .filter(Files::isExecutable).findFirst()
        .orElseThrow(() -> new IllegalStateException("the docker tests need busybox: apt-get install busybox-static"));
    importImage(dockerHost, rootfs(busybox, applets(busybox)));
  }

  /**
   * {@code POST /images/create?fromSrc=-}, sent through the transport itself: docker-java 3.7.1's
   * {@code createImageCmd(repo, InputStream)} JSON-encodes the stream instead of sending its bytes
   * (DefaultInvocationBuilder.post(TypeReference, InputStream) calls post(Object)), and the engine
   * answers "Error processing tar file(exit status 1): unexpected EOF".
   */
  private static void importImage(URI dockerHost, byte[] tar) throws IOException {
    String path = "/images/create?fromSrc=-&repo=" + URLEncoder.encode(REPOSITORY, StandardCharsets.UTF_8) + "&tag=" + TAG;
    DockerHttpClient.Request request = DockerHttpClient.Request.builder()
        .method(DockerHttpClient.Request.Method.POST)
        .path(path)
        .putHeader("Content-Type", "application/x-tar")
        .body(new ByteArrayInputStream(tar))
        .build();
    try (DockerHttpClient http = new ZerodepDockerHttpClient.Builder().dockerHost(dockerHost).build();
        DockerHttpClient.Response response = http.execute(request)) {
      // The engine streams JSON progress and reports a failure inside a 200 answer.
      String body = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
      if (response.getStatusCode() != 200 || body.contains("\"error\"")) {
        throw new IllegalStateException("docker import of " + NAME + " failed: HTTP " + response.getStatusCode() + " " + body);
      }
    }
  }

  static List<String> applets(Path busybox) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(busybox.toString(), "--list").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(busybox + " --list failed: " + out);
    }
    return out.lines().map(String::strip).filter(a -> !a.isEmpty() && !a.equals("busybox") && !a.contains("/")).toList();
  }

  /** A tar of / with /bin/busybox, its applet links, and the few files a shell expects. */
  static byte[] rootfs(Path busybox, List<String> applets) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (String dir : List.of("bin", "etc", "root", "proc", "sys", "dev", "var", "usr", "usr/bin")) {
        directory(tar, dir, 0755);
      }
      directory(tar, "tmp", 01777);
      TarArchiveEntry bin = new TarArchiveEntry("bin/busybox");
      bin.setSize(Files.size(busybox));
      bin.setMode(0755);
      tar.putArchiveEntry(bin);
      Files.copy(busybox, tar);
      tar.closeArchiveEntry();
      for (String applet : applets) {
        TarArchiveEntry link = new TarArchiveEntry("bin/" + applet, TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("busybox");
        tar.putArchiveEntry(link);
        tar.closeArchiveEntry();
      }
      file(tar, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
      file(tar, "etc/group", "root:x:0:\nnogroup:x:65534:\n");
    }
    return bytes.toByteArray();
  }

  private static void directory(TarArchiveOutputStream tar, String name, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name + "/");
    e.setMode(mode);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
    byte[] b = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(b.length);
    e.setMode(0644);
    tar.putArchiveEntry(e);
    tar.write(b);
    tar.closeArchiveEntry();
  }
}
