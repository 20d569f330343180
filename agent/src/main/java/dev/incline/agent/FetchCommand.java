package dev.incline.agent;

import dev.incline.compute.WorkloadSpec.Workspace;
import dev.incline.platform.archive.SafeArchive;
import dev.incline.compute.workspace.WorkspaceFetcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The init container: the workspace archive or git ref into {@code --dest}. */
@Command(name = "fetch", mixinStandardHelpOptions = true,
    description = "Downloads and safely unpacks a workspace archive, or clones a git ref, into --dest.")
final class FetchCommand implements Callable<Integer> {

  static final class Source {
    @Option(names = "--url", required = true, description = "presigned URL of a zip, tar or tar.gz archive")
    URI url;

    @Option(names = "--git-url", required = true, description = "git repository to clone")
    String gitUrl;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = "--git-ref", description = "branch or tag to clone (default: the repository's default branch)")
  String gitRef;

  @Option(names = "--dest", required = true, description = "directory to fill, e.g. /workspace")
  Path dest;

  @Option(names = "--max-bytes", defaultValue = "2147483648", description = "largest size an archive may unpack to (default: ${DEFAULT-VALUE})")
  long maxBytes;

  @Option(names = "--max-entries", defaultValue = "100000", description = "most entries in one archive (default: ${DEFAULT-VALUE})")
  int maxEntries;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Workspace workspace = source.url != null
        ? new Workspace.Archive(source.url, null)
        : new Workspace.Git(source.gitUrl, gitRef);
    String what = source.url != null ? "archive from " + redact(source.url) : "git " + source.gitUrl + (gitRef == null ? "" : " at " + gitRef);
    try {
      new WorkspaceFetcher(new SafeArchive.Limits(maxBytes, maxEntries)).fetch(workspace, dest.toAbsolutePath());
    } catch (SafeArchive.RejectedException e) {
      err.println("incline-agent: rejected the workspace " + what + ": " + e.getMessage());
      return Agent.REJECTED;
    } catch (IOException e) {
      err.println("incline-agent: could not fetch the workspace " + what + ": " + e.getMessage());
      return Agent.FAILED;
    }
    Size size = size(dest);
    out.println("incline-agent: fetched " + what + " into " + dest + ": " + size.files() + " files, " + size.bytes() + " bytes");
    return Agent.OK;
  }

  /** A presigned URL's query is its credential: never print it. */
  static String redact(URI url) {
    return url.getScheme() + "://" + url.getAuthority() + url.getPath();
  }

  record Size(long files, long bytes) {}

  static Size size(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      long[] totals = new long[2];
      paths.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).forEach(p -> {
        totals[0]++;
        try {
          totals[1] += Files.size(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      return new Size(totals[0], totals[1]);
    } catch (IOException | UncheckedIOException e) {
      return new Size(-1, -1);
    }
  }
}
