package dev.incline.compute.workspace;

import dev.incline.compute.WorkloadSpec.Workspace;
import dev.incline.platform.archive.SafeArchive;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Puts a workload's code into its workspace directory: downloads and safely unpacks an archive, or
 * clones a git ref. Used by the local runtimes before start, and by the agent inside containers.
 */
public final class WorkspaceFetcher {

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(10))
      .followRedirects(HttpClient.Redirect.NORMAL)
      .build();
  private final SafeArchive.Limits limits;

  public WorkspaceFetcher(SafeArchive.Limits limits) {
    this.limits = limits;
  }

  public void fetch(Workspace workspace, Path target) throws IOException, InterruptedException {
    Files.createDirectories(target);
    switch (workspace) {
      case Workspace.Archive archive -> fetchArchive(archive, target);
      case Workspace.Git git -> clone(git, target);
    }
  }

  private void fetchArchive(Workspace.Archive archive, Path target) throws IOException, InterruptedException {
    // Next to the target when possible (a local run directory, same disk), else the temp directory:
    // inside a container the target is a volume such as /workspace, whose parent is read-only to a non-root agent.
    Path parent = target.toAbsolutePath().getParent();
    Path tmp = parent != null && Files.isWritable(parent)
        ? Files.createTempFile(parent, "workspace-", ".archive")
        : Files.createTempFile("workspace-", ".archive");
    try {
      HttpResponse<Path> response = http.send(HttpRequest.newBuilder(archive.url()).GET().build(),
          HttpResponse.BodyHandlers.ofFile(tmp));
      if (response.statusCode() != 200) {
        throw new IOException("workspace download failed with HTTP " + response.statusCode());
      }
      SafeArchive.extract(tmp, target, limits);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void clone(Workspace.Git git, Path target) throws IOException, InterruptedException {
    List<String> cmd = git.ref() == null || git.ref().isBlank()
        ? List.of("git", "clone", "--depth", "1", "--", git.url(), target.toString())
        : List.of("git", "clone", "--depth", "1", "--branch", git.ref(), "--", git.url(), target.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("git clone of " + git.url() + " failed: " + out.strip());
    }
  }
}
