package dev.incline.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The sidecar: uploads the artifacts directory while the workload runs, and everything left once
 * more when it is told to stop (the kubelet sends SIGTERM to sidecars after the main container ends).
 */
@Command(name = "upload", mixinStandardHelpOptions = true,
    description = "Watches --dir and uploads each file to the job's artifacts once it has settled; a final pass on SIGTERM.")
final class UploadCommand implements Callable<Integer> {

  @Option(names = "--dir", required = true, description = "directory to watch, e.g. /artifacts")
  Path dir;

  @Option(names = "--api", required = true, description = "job-service URL as seen from the workload")
  URI api;

  @Option(names = "--job", required = true, description = "the job id")
  String job;

  @Option(names = "--token-file", required = true, description = "file holding the job token")
  Path tokenFile;

  @Option(names = "--settle", defaultValue = "2s", converter = DurationConverter.class,
      description = "how long a file must stay unchanged before it is uploaded (default: ${DEFAULT-VALUE})")
  Duration settle;

  @Option(names = "--interval", defaultValue = "1s", converter = DurationConverter.class,
      description = "time between polls (default: ${DEFAULT-VALUE})")
  Duration interval;

  @Option(names = "--output", description = "<dataset>=<directory>: sent as the job's output in the final pass (repeatable)")
  List<String> outputs = new java.util.ArrayList<>();

  private volatile boolean stopping;
  private final CountDownLatch loopDone = new CountDownLatch(1);
  private volatile List<OutputUploader.Output> outputDirs = List.of();

  @Override
  public Integer call() throws IOException {
    if (!Files.isReadable(tokenFile)) {
      System.err.println("incline-agent: cannot read the token file " + tokenFile);
      return Agent.REJECTED;
    }
    PrintStream log = System.out;
    List<OutputUploader.Output> outputDirs;
    try {
      outputDirs = outputs.stream().map(OutputUploader.Output::parse).toList();
    } catch (IllegalArgumentException e) {
      System.err.println("incline-agent: " + e.getMessage());
      return Agent.REJECTED;
    }
    this.outputDirs = outputDirs;
    UploadClient client = new UploadClient(api, job, tokenFile, UploadClient.Backoff.standard(() -> stopping));
    ArtifactWatcher watcher = new ArtifactWatcher(dir, settle, client::upload, Clock.systemUTC(), log);
    Thread loop = Thread.currentThread();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(watcher, loop, log), "incline-agent-final-pass"));
    log.println("incline-agent: watching " + dir + " for job " + job + " (settle " + settle.toMillis() + " ms)");
    try {
      while (!stopping) {
        watcher.pass();
        Thread.sleep(interval);
      }
    } catch (InterruptedException e) {
      // shutting down
    } finally {
      loopDone.countDown();
    }
    return Agent.OK;
  }

  private void shutdown(ArtifactWatcher watcher, Thread loop, PrintStream log) {
    stopping = true;
    loop.interrupt(); // an upload in flight is abandoned; the final pass sends that file again
    try {
      loopDone.await(5, TimeUnit.SECONDS);
      Thread.interrupted();
      stopping = false; // the final pass may retry again, within the pod's grace period
      int n = watcher.finalPass();
      log.println("incline-agent: final pass uploaded " + n + " file(s)");
      if (!outputDirs.isEmpty()) {
        new OutputUploader(api, job, tokenFile, log).uploadAll(outputDirs);
      }
      log.println("incline-agent: exiting");
    } catch (InterruptedException e) {
      log.println("incline-agent: final pass interrupted");
    }
    log.flush();
    // A JVM ended by SIGTERM exits 143; the agent did its job, so it says so.
    Runtime.getRuntime().halt(Agent.OK);
  }

  /** {@code 2s}, {@code 500ms}, {@code 1m}, or an ISO-8601 duration. */
  static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.strip().toLowerCase(java.util.Locale.ROOT);
      if (v.startsWith("p")) {
        return Duration.parse(value.strip().toUpperCase(java.util.Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new IllegalArgumentException("not a duration: " + value + " (use e.g. 2s, 500ms, 1m)");
      };
    }
  }
}
