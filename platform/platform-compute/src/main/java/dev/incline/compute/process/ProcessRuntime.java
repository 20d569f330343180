package dev.incline.compute.process;

import dev.incline.compute.ArtifactFile;
import dev.incline.compute.ExitCodes;
import dev.incline.compute.LogStream;
import dev.incline.compute.Phase;
import dev.incline.compute.WorkloadEnvironment;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.WorkloadStatus;
import dev.incline.compute.host.HostRunDirectory;
import dev.incline.compute.workspace.WorkspaceFetcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs workloads as local child processes, for one machine with no container engine. Each workload
 * gets a directory; a small shell wrapper started in its own session runs the command with output
 * redirected to files and writes the exit code when it ends. Everything the runtime knows is in
 * those files, so a restarted service re-adopts running processes from disk, and processes outlive
 * the service like containers outlive a Docker client.
 */
public final class ProcessRuntime implements WorkloadRuntime {

  private static final Logger log = LoggerFactory.getLogger(ProcessRuntime.class);

  private final ProcessRuntimeSettings settings;
  private final WorkspaceFetcher fetcher;

  public ProcessRuntime(ProcessRuntimeSettings settings) {
    this.settings = settings;
    this.fetcher = new WorkspaceFetcher(settings.archiveLimits());
  }

  @Override
  public String name() {
    return "process";
  }

  /** The files of one workload. */
  record RunDir(Path root) {
    Path workspace() { return root.resolve("workspace"); }
    Path artifacts() { return root.resolve("artifacts"); }
    Path datasets() { return root.resolve("datasets"); }
    Path home() { return root.resolve("home"); }
    Path stdout() { return root.resolve("stdout.log"); }
    Path stderr() { return root.resolve("stderr.log"); }
    Path pid() { return root.resolve("pid"); }
    Path exitCode() { return root.resolve("exit_code"); }
    Path stopRequested() { return root.resolve("stop_requested"); }
    Path command() { return root.resolve("command.sh"); }
    Path wrapper() { return root.resolve("run.sh"); }
    /** The exposed ports, one a line: observe() needs them after a restart, when the spec is gone. */
    Path ports() { return root.resolve("ports"); }
  }

  RunDir dir(WorkloadRef ref) {
    return new RunDir(settings.workRoot().resolve(ref.team()).resolve(ref.kind().label()).resolve(ref.id()));
  }

  @Override
  public ApplyResult apply(WorkloadSpec spec) {
    RunDir run = dir(spec.ref());
    if (Files.exists(run.pid())) {
      return ApplyResult.UNCHANGED;
    }
    try {
      // A directory without a pid file is what an interrupted apply left: start over.
      deleteTree(run.root());
      Files.createDirectories(run.root());
      Files.createDirectories(run.artifacts());
      Files.createDirectories(run.datasets());
      for (WorkloadSpec.DatasetMount d : spec.datasets()) {
        java.util.Objects.requireNonNull(d.hostPath(), "local runtimes mount dataset versions from this machine");
        // the cached version is read-only on disk; a link keeps one copy for every job that reads it
        Files.createSymbolicLink(run.datasets().resolve(d.mountAs()), d.hostPath().toAbsolutePath());
      }
      Files.createDirectories(run.home());
      Path storage = settings.storageRoot().resolve(spec.ref().team());
      Files.createDirectories(storage);
      if (spec.workspace() != null) {
        fetcher.fetch(spec.workspace(), run.workspace());
      }
      Files.createDirectories(run.workspace());
      Files.writeString(run.command(), commandScript(spec.command()));
      Files.writeString(run.wrapper(), WRAPPER);
      Files.writeString(run.ports(), spec.ports().stream().map(p -> p + "\n").collect(Collectors.joining()));

      ProcessBuilder pb = new ProcessBuilder("setsid", "/bin/sh", run.wrapper().toString(), run.root().toString())
          .directory(run.workspace().toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD);
      Map<String, String> env = pb.environment();
      env.clear();
      env.putAll(environment(spec, run, storage));
      Process process = pb.start();
      // Not process.info().startInstant(): Linux derives it from whole-second boot time, so it can
      // be up to a second early, even before the job was created.
      Instant started = Instant.now();
      Path tmp = run.root().resolve("pid.tmp");
      Files.writeString(tmp, process.pid() + " " + started.toEpochMilli());
      Files.move(tmp, run.pid(), StandardCopyOption.ATOMIC_MOVE);
      log.info("started {} {} of team {} as pid {}", spec.ref().kind().label(), spec.ref().id(), spec.ref().team(), process.pid());
      return ApplyResult.CREATED;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing the workspace", e);
    }
  }

  Map<String, String> environment(WorkloadSpec spec, RunDir run, Path storage) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", settings.path());
    env.put("HOME", run.home().toString());
    env.put("LANG", "C.UTF-8");
    env.putAll(WorkloadEnvironment.of(spec, new WorkloadEnvironment.Paths(
        run.workspace().toString(), run.artifacts().toString(), storage.toString(), run.datasets().toString())));
    return env;
  }

  /** The command as a script, argv quoted for the shell. */
  static String commandScript(List<String> argv) {
    StringBuilder sb = new StringBuilder("exec");
    for (String arg : argv) {
      sb.append(' ').append('\'').append(arg.replace("'", "'\\''")).append('\'');
    }
    return sb.append('\n').toString();
  }

  /*
   * The wrapper runs the command in the background and waits, so that a SIGTERM to the session's
   * process group reaches the command while the wrapper (whose trap only notes it) survives to
   * record the exit code. Children get the default TERM disposition back, as with any trap.
   */
  private static final String WRAPPER = """
      dir="$1"
      trap 'term=1' TERM INT
      /bin/sh "$dir/command.sh" > "$dir/stdout.log" 2> "$dir/stderr.log" < /dev/null &
      child=$!
      wait "$child"
      code=$?
      while kill -0 "$child" 2>/dev/null; do wait "$child"; code=$?; done
      echo "$code" > "$dir/exit_code.tmp" && mv "$dir/exit_code.tmp" "$dir/exit_code"
      """;

  @Override
  public WorkloadStatus observe(WorkloadRef ref) {
    RunDir run = dir(ref);
    if (!Files.exists(run.pid())) {
      return Files.exists(run.root())
          ? new WorkloadStatus(Phase.PENDING, null, "preparing the workspace", null, null, Map.of())
          : WorkloadStatus.notFound();
    }
    try {
      String[] pid = Files.readString(run.pid()).trim().split(" ");
      Instant started = Instant.ofEpochMilli(Long.parseLong(pid[1]));
      Optional<Integer> exit = exitCode(run);
      if (exit.isPresent()) {
        Instant finished = Files.getLastModifiedTime(run.exitCode()).toInstant();
        int code = exit.get();
        return code == 0
            ? new WorkloadStatus(Phase.SUCCEEDED, 0, null, started, finished, Map.of())
            : new WorkloadStatus(Phase.FAILED, code, describeExit(code), started, finished, Map.of());
      }
      if (alive(Long.parseLong(pid[0]), started)) {
        return new WorkloadStatus(Phase.RUNNING, null, null, started, null, endpoints(run));
      }
      // The wrapper itself was killed (SIGKILL, machine reboot): the command's exit code is lost.
      return new WorkloadStatus(Phase.FAILED, null, "the process was killed before it could report an exit code",
          started, Instant.now(), Map.of());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String describeExit(int code) {
    return ExitCodes.describe(code);
  }

  private static Optional<Integer> exitCode(RunDir run) throws IOException {
    if (!Files.exists(run.exitCode())) {
      return Optional.empty();
    }
    return Optional.of(Integer.parseInt(Files.readString(run.exitCode()).trim()));
  }

  /** Each exposed port at 127.0.0.1: a process listens on the host itself, with no port mapping. */
  private static Map<Integer, URI> endpoints(RunDir run) throws IOException {
    if (!Files.exists(run.ports())) {
      return Map.of(); // started before ports were recorded
    }
    Map<Integer, URI> out = new TreeMap<>();
    for (String line : Files.readAllLines(run.ports())) {
      if (!line.isBlank()) {
        int port = Integer.parseInt(line.strip());
        out.put(port, endpoint(port));
      }
    }
    return out;
  }

  /** Alive, and the same process: a pid reused after a reboot has another start time. */
  private static boolean alive(long pid, Instant started) {
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .map(h -> h.info().startInstant().map(s -> Math.abs(s.toEpochMilli() - started.toEpochMilli()) < 2000).orElse(true))
        .orElse(false);
  }

  @Override
  public LogStream logs(WorkloadRef ref, String since) {
    RunDir run = dir(ref);
    return new FileTailLogStream(run.stdout(), run.stderr(), since, () -> {
      Phase phase = observe(ref).phase();
      return phase != Phase.RUNNING && phase != Phase.PENDING;
    });
  }

  @Override
  public void stop(WorkloadRef ref, Duration grace) {
    RunDir run = dir(ref);
    try {
      if (!Files.exists(run.root())) {
        return;
      }
      Files.writeString(run.stopRequested(), Instant.now().toString());
      if (observe(ref).phase() != Phase.RUNNING) {
        return;
      }
      long pid = Long.parseLong(Files.readString(run.pid()).trim().split(" ")[0]);
      signalGroup(pid, "TERM");
      Thread.ofVirtual().name("stop-" + ref.id()).start(() -> {
        try {
          long deadline = System.nanoTime() + grace.toNanos();
          while (System.nanoTime() < deadline && observe(ref).phase() == Phase.RUNNING) {
            Thread.sleep(100);
          }
          if (observe(ref).phase() == Phase.RUNNING) {
            log.info("{} {} did not stop within {}; killing it", ref.kind().label(), ref.id(), grace);
            signalGroup(pid, "KILL");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Signals the whole process group that setsid made: the wrapper, the command and its children. */
  private static void signalGroup(long pid, String signal) {
    try {
      new ProcessBuilder("kill", "-" + signal, "--", "-" + pid).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void delete(WorkloadRef ref) {
    RunDir run = dir(ref);
    if (Files.exists(run.pid()) && observe(ref).phase() == Phase.RUNNING) {
      try {
        signalGroup(Long.parseLong(Files.readString(run.pid()).trim().split(" ")[0]), "KILL");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    deleteTree(run.root());
  }

  @Override
  public List<ArtifactFile> artifacts(WorkloadRef ref) {
    return new HostRunDirectory(dir(ref).root()).artifactFiles();
  }

  @Override
  public List<ArtifactFile> workspaceFiles(WorkloadRef ref, String dir) {
    return new HostRunDirectory(dir(ref).root()).workspaceFiles(dir);
  }

  @Override
  public List<WorkloadRef> list() {
    return HostRunDirectory.list(settings.workRoot());
  }

  /** Endpoints of exposed ports: processes listen on the host itself. */
  public static URI endpoint(int port) {
    return URI.create("http://127.0.0.1:" + port);
  }

  static void deleteTree(Path root) {
    HostRunDirectory.deleteTree(root);
  }

  static String read(Path p) throws IOException {
    return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
  }
}
