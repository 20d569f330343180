package dev.incline.compute.host;

import dev.incline.compute.ArtifactFile;
import dev.incline.compute.WorkloadRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A workload's directory on the machine that runs it, {@code <workRoot>/<team>/<kind>/<id>}: the
 * layout the process runtime runs in and the docker runtime bind-mounts from, so both list, read
 * artifacts and clean up the same way.
 */
public record HostRunDirectory(Path root) {

  public static HostRunDirectory of(Path workRoot, WorkloadRef ref) {
    return new HostRunDirectory(workRoot.resolve(ref.team()).resolve(ref.kind().label()).resolve(ref.id()));
  }

  /** The team's persistent storage, shared by all its workloads. */
  public static Path storage(Path storageRoot, WorkloadRef ref) {
    return storageRoot.resolve(ref.team());
  }

  public Path workspace() {
    return root.resolve("workspace");
  }

  public Path artifacts() {
    return root.resolve("artifacts");
  }

  public Path datasets() {
    return root.resolve("datasets");
  }

  public boolean exists() {
    return Files.exists(root, LinkOption.NOFOLLOW_LINKS);
  }

  /** Regular files under the artifacts directory, by path relative to it; links are not followed. */
  public List<ArtifactFile> artifactFiles() {
    return filesUnder(artifacts());
  }

  /**
   * Regular files under a directory of the workspace, by path relative to it; empty when it does not
   * exist. A path that leaves the workspace, or a directory that is a link, gives nothing.
   */
  public List<ArtifactFile> workspaceFiles(String relative) {
    Path ws = workspace().normalize();
    Path dir = ws.resolve(relative).normalize();
    if (!dir.startsWith(ws) || Files.isSymbolicLink(dir)) {
      return List.of();
    }
    try {
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && !dir.toRealPath().startsWith(ws.toRealPath())) {
        return List.of();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return filesUnder(dir);
  }

  private static List<ArtifactFile> filesUnder(Path dir) {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      Path realDir = dir.toRealPath();
      List<ArtifactFile> out = new ArrayList<>();
      for (Path p : files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
        String rel = dir.relativize(p).toString().replace('\\', '/');
        out.add(new ArtifactFile(rel, Files.size(p), () -> open(realDir, p)));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A workload may still write its directory (a container's root can) and swap a listed file or
   * directory for a link to a host file between listing and upload: such a file is refused.
   */
  private static InputStream open(Path realDir, Path file) throws IOException {
    if (!file.toRealPath().startsWith(realDir)) {
      throw new IOException("artifact " + file + " now points outside the artifacts directory");
    }
    return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
  }

  public void delete() {
    deleteTree(root);
  }

  /** Every workload directory under the work root; names that are not valid refs are someone else's files. */
  public static List<WorkloadRef> list(Path workRoot) {
    List<WorkloadRef> refs = new ArrayList<>();
    if (!Files.isDirectory(workRoot)) {
      return refs;
    }
    try (Stream<Path> teams = Files.list(workRoot)) {
      for (Path team : teams.filter(Files::isDirectory).toList()) {
        for (WorkloadRef.Kind kind : WorkloadRef.Kind.values()) {
          Path kindDir = team.resolve(kind.label());
          if (!Files.isDirectory(kindDir)) {
            continue;
          }
          try (Stream<Path> ids = Files.list(kindDir)) {
            for (Path id : ids.toList()) {
              try {
                refs.add(new WorkloadRef(team.getFileName().toString(), kind, id.getFileName().toString()));
              } catch (IllegalArgumentException notOurs) {
                // a stray file, not a workload
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return refs;
  }

  /** Deletes a tree without following links out of it. */
  public static void deleteTree(Path root) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    // Files.walk does not follow links by default, so a link in a workspace is removed, not its target.
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
