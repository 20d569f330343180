package dev.incline.standalone;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the standalone reads from the environment; every setting has a default that works on a
 * laptop with nothing installed but a JDK.
 *
 * @param home data directory ({@code INCLINE_HOME}, default {@code ~/.incline})
 * @param bind address the gateway listens on ({@code INCLINE_BIND}, default loopback)
 * @param port gateway port ({@code INCLINE_PORT}, default 8080)
 * @param runtime {@code process}, {@code docker} or {@code kubernetes} ({@code INCLINE_RUNTIME}); the
 *     last uses the current kubeconfig, for developing against a cluster (workspaces and artifacts
 *     then need an S3 endpoint the cluster can reach: see docs/operations/kubernetes.md)
 * @param bootstrapApiKey fixed admin key ({@code INCLINE_BOOTSTRAP_API_KEY}), or null for a random one
 * @param modelServerJar the model server's executable jar that process replicas of deployments run
 *     ({@code INCLINE_MODEL_SERVER_JAR}; by default {@code model-server/target/model-server-*-exec.jar}
 *     of this checkout), or null when there is none
 */
record StandaloneSettings(Path home, String bind, int port, String runtime, String bootstrapApiKey, Path modelServerJar) {

  static StandaloneSettings from(Map<String, String> env) {
    String home = env.getOrDefault("INCLINE_HOME", System.getProperty("user.home") + "/.incline");
    String runtime = env.getOrDefault("INCLINE_RUNTIME", "process").toLowerCase(Locale.ROOT);
    if (!runtime.equals("process") && !runtime.equals("docker") && !runtime.equals("kubernetes")) {
      throw new IllegalArgumentException("INCLINE_RUNTIME must be process, docker or kubernetes, not " + runtime);
    }
    int port;
    try {
      port = Integer.parseInt(env.getOrDefault("INCLINE_PORT", "8080"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("INCLINE_PORT must be a port number");
    }
    String key = env.get("INCLINE_BOOTSTRAP_API_KEY");
    String jar = env.get("INCLINE_MODEL_SERVER_JAR");
    Path modelServer = jar != null && !jar.isBlank() ? Path.of(jar).toAbsolutePath() : builtModelServer();
    if (modelServer != null && !Files.isRegularFile(modelServer)) {
      throw new IllegalArgumentException("INCLINE_MODEL_SERVER_JAR names no file: " + modelServer);
    }
    return new StandaloneSettings(Path.of(home).toAbsolutePath(), env.getOrDefault("INCLINE_BIND", "127.0.0.1"), port,
        runtime, key == null || key.isBlank() ? null : key, modelServer);
  }

  /** The jar {@code ./incline up} builds, from the checkout's root or from a module directory (tests). */
  private static Path builtModelServer() {
    for (String dir : List.of("model-server/target", "../model-server/target")) {
      Path target = Path.of(dir);
      if (Files.isDirectory(target)) {
        try (var files = Files.list(target)) {
          var found = files.filter(f -> f.getFileName().toString().matches("model-server-.*-exec\\.jar")).findFirst();
          if (found.isPresent()) {
            return found.get().toAbsolutePath().normalize();
          }
        } catch (java.io.IOException e) {
          return null;
        }
      }
    }
    return null;
  }
}
