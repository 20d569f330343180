package dev.incline.standalone;

import dev.incline.compute.docker.DockerRuntime;
import dev.incline.compute.docker.DockerRuntimeSettings;
import dev.incline.embedded.EmbeddedPostgresServer;
import dev.incline.embedded.EmbeddedS3Server;
import dev.incline.gateway.GatewayApplication;
import dev.incline.jobs.JobServiceApplication;
import dev.incline.deployments.DeploymentServiceApplication;
import dev.incline.notebooks.NotebookServiceApplication;
import dev.incline.registry.ModelRegistryApplication;
import dev.incline.storage.StorageServiceApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The whole platform in one JVM: embedded PostgreSQL and S3 under {@code INCLINE_HOME}, then each
 * service as its own Spring application on its own port, the gateway last on :8080. Stopping closes
 * them in reverse order. Workloads of the process runtime run in their own sessions, so they
 * outlive a stop and are re-adopted on the next start.
 */
public final class Standalone implements AutoCloseable {

  private final StandaloneSettings settings;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private int gatewayPort;
  private int jobServicePort;
  private int storageServicePort;
  private int deploymentServicePort;
  private int notebookServicePort;
  private Map<String, Object> jobServiceProperties;
  private ConfigurableApplicationContext jobService;

  public Standalone(StandaloneSettings settings) {
    this.settings = settings;
  }

  public static void main(String[] args) {
    Standalone standalone = new Standalone(StandaloneSettings.from(System.getenv()));
    Runtime.getRuntime().addShutdownHook(new Thread(standalone::close, "incline-shutdown"));
    try {
      standalone.start();
    } catch (RuntimeException e) {
      System.err.println("Incline could not start: " + rootMessage(e));
      standalone.close();
      System.exit(1);
    }
    standalone.printWelcome();
  }

  public void start() {
    long t0 = System.nanoTime();
    Path home = settings.home();
    try {
      Files.createDirectories(home);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create INCLINE_HOME " + home, e);
    }
    if (settings.runtime().equals("docker")) {
      // Asked for containers: a missing engine is a clear error now, not failed jobs later.
      try {
        DockerRuntime.ping(DockerRuntimeSettings.of(home.resolve("runs"), home.resolve("storage")));
      } catch (RuntimeException e) {
        throw new IllegalStateException("INCLINE_RUNTIME=docker, but no Docker engine answers at "
            + DockerRuntimeSettings.DEFAULT_HOST + ": " + rootMessage(e), e);
      }
    }
    Properties keys = secrets(home);
    String secrets = keys.getProperty("secret");
    EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(home.resolve("postgres"), 0);
    started.push(postgres);
    EmbeddedS3Server s3 = EmbeddedS3Server.start(home.resolve("s3"), 0, "incline", secrets.substring(0, 40));
    started.push(s3);
    String internalSecret = secrets.substring(40);

    Map<String, Object> jobs = common(postgres, s3, "jobs", internalSecret);
    jobs.put("server.port", "0");
    jobs.put("server.address", "127.0.0.1");
    jobs.put("incline.compute.runtime", settings.runtime());
    jobs.put("incline.compute.work-root", home.resolve("runs").toString());
    jobs.put("incline.compute.storage-root", home.resolve("storage").toString());
    jobs.put("incline.jobs.replica-id", "standalone");
    jobs.put("incline.jobs.dataset-cache", home.resolve("datasets").toString());
    // job-service and storage-service call each other: storage's port is chosen before either starts
    storageServicePort = freePort();
    jobs.put("incline.jobs.storage-url", "http://127.0.0.1:" + storageServicePort);
    jobServiceProperties = jobs;
    jobService = run(JobServiceApplication.application(), jobs);
    started.push(jobService);
    jobServicePort = ((WebServerApplicationContext) jobService).getWebServer().getPort();

    Map<String, Object> storage = common(postgres, s3, "storage", internalSecret);
    storage.put("server.port", Integer.toString(storageServicePort));
    storage.put("server.address", "127.0.0.1");
    storage.put("incline.storage.services.jobs", "http://127.0.0.1:" + jobServicePort);
    storage.put("incline.storage.encryption.keys.standalone", keys.getProperty("storage-key"));
    storage.put("incline.storage.encryption.active-key", "standalone");
    // one machine, one user: a MinIO on localhost is a fair storage provider here
    storage.put("incline.storage.providers.allow-private-endpoints", "true");
    ConfigurableApplicationContext storageContext = run(StorageServiceApplication.application(), storage);
    started.push(storageContext);

    Map<String, Object> registry = common(postgres, s3, "registry", internalSecret);
    registry.put("server.port", "0");
    registry.put("server.address", "127.0.0.1");
    registry.put("incline.registry.services.jobs", "http://127.0.0.1:" + jobServicePort);
    // a version registered from a job marks the job's input dataset versions used there
    registry.put("incline.registry.services.storage", "http://127.0.0.1:" + storageServicePort);
    ConfigurableApplicationContext registryContext = run(ModelRegistryApplication.application(), registry);
    started.push(registryContext);
    int registryPort = ((WebServerApplicationContext) registryContext).getWebServer().getPort();

    Map<String, Object> deploy = common(postgres, s3, "deployments", internalSecret);
    deploy.put("server.port", "0");
    deploy.put("server.address", "127.0.0.1");
    deploy.put("incline.compute.runtime", settings.runtime());
    deploy.put("incline.compute.work-root", home.resolve("runs").toString());
    deploy.put("incline.compute.storage-root", home.resolve("storage").toString());
    deploy.put("incline.deployments.services.jobs", "http://127.0.0.1:" + jobServicePort);
    deploy.put("incline.deployments.services.models", "http://127.0.0.1:" + registryPort);
    deploy.put("incline.deployments.model-cache", home.resolve("models").toString());
    List<String> modelServer = modelServerCommand(settings);
    for (int i = 0; i < modelServer.size(); i++) {
      deploy.put("incline.deployments.model-server.command[" + i + "]", modelServer.get(i));
    }
    ConfigurableApplicationContext deployContext = run(DeploymentServiceApplication.application(), deploy);
    started.push(deployContext);
    int deploymentsPort = ((WebServerApplicationContext) deployContext).getWebServer().getPort();
    deploymentServicePort = deploymentsPort;

    Map<String, Object> notebook = common(postgres, s3, "notebooks", internalSecret);
    notebook.put("server.port", "0");
    notebook.put("server.address", "127.0.0.1");
    notebook.put("incline.compute.runtime", settings.runtime());
    notebook.put("incline.compute.work-root", home.resolve("runs").toString());
    notebook.put("incline.compute.storage-root", home.resolve("storage").toString());
    notebook.put("incline.notebooks.services.jobs", "http://127.0.0.1:" + jobServicePort);
    notebook.put("incline.notebooks.services.storage", "http://127.0.0.1:" + storageServicePort);
    // the cache job-service fills: a dataset version is on this machine once for jobs and notebooks
    notebook.put("incline.notebooks.dataset-cache", home.resolve("datasets").toString());
    ConfigurableApplicationContext notebookContext = run(NotebookServiceApplication.application(), notebook);
    started.push(notebookContext);
    notebookServicePort = ((WebServerApplicationContext) notebookContext).getWebServer().getPort();

    Map<String, Object> gateway = common(postgres, s3, "gateway", internalSecret);
    gateway.put("server.port", Integer.toString(settings.port()));
    gateway.put("server.address", settings.bind());
    gateway.put("incline.gateway.services.jobs", "http://127.0.0.1:" + jobServicePort);
    gateway.put("incline.gateway.services.storage", "http://127.0.0.1:" + storageServicePort);
    gateway.put("incline.gateway.services.models", "http://127.0.0.1:" + registryPort);
    gateway.put("incline.gateway.services.deployments", "http://127.0.0.1:" + deploymentsPort);
    gateway.put("incline.gateway.services.notebooks", "http://127.0.0.1:" + notebookServicePort);
    gateway.put("incline.gateway.bootstrap.key-file", home.resolve("admin-api-key").toString());
    if (settings.bootstrapApiKey() != null) {
      gateway.put("incline.gateway.bootstrap.api-key", settings.bootstrapApiKey());
    }
    ConfigurableApplicationContext gatewayContext = run(GatewayApplication.application(), gateway);
    started.push(gatewayContext);
    gatewayPort = ((WebServerApplicationContext) gatewayContext).getWebServer().getPort();
    System.out.printf("Incline started in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  /**
   * How process replicas of deployments start the model server: this JVM's java on the model server's
   * executable jar ({@code INCLINE_MODEL_SERVER_JAR}, else the one {@code ./incline up} builds next to
   * this checkout). Without it the platform still runs; model deployments then fail with a reason
   * that says what to set.
   */
  static List<String> modelServerCommand(StandaloneSettings settings) {
    Path jar = settings.modelServerJar();
    if (jar == null) {
      return List.of();
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    return List.of(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "--spring.main.banner-mode=off");
  }

  private static int freePort() {
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free local port", e);
    }
  }

  /**
   * Runs a service with the standalone's settings above its own configuration file: a service's
   * {@code server.port: 8081} must not win over the port the standalone chose.
   */
  private static ConfigurableApplicationContext run(SpringApplicationBuilder application, Map<String, Object> properties) {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("incline-standalone", properties));
    return application.environment(environment).run();
  }

  private Map<String, Object> common(EmbeddedPostgresServer postgres, EmbeddedS3Server s3, String schema, String secret) {
    postgres.createSchema(schema);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("spring.main.banner-mode", "off");
    // One shutdown hook (ours) closes everything in order; the contexts must not race it.
    p.put("spring.main.register-shutdown-hook", "false");
    p.put("spring.datasource.url", postgres.jdbcUrl() + "&currentSchema=" + schema);
    p.put("spring.datasource.username", postgres.username());
    p.put("spring.datasource.password", postgres.password());
    p.put("spring.datasource.hikari.maximum-pool-size", "20");
    p.put("spring.flyway.schemas", schema);
    p.put("spring.flyway.default-schema", schema);
    p.put("incline.s3.endpoint", s3.endpoint().toString());
    p.put("incline.s3.access-key", s3.accessKey());
    p.put("incline.s3.secret-key", s3.secretKey());
    p.put("incline.s3.bucket", "incline");
    p.put("incline.internal-token.secret", secret);
    return p;
  }

  /**
   * The S3 secret, the internal token key and the key that seals stored secrets, made on first start
   * and kept in {@code INCLINE_HOME/secrets} (mode 600): the S3 store must accept the same
   * credentials next time, and sealed secrets must open. A key missing from an older file is added.
   */
  private static Properties secrets(Path home) {
    Path file = home.resolve("secrets");
    try {
      Properties p = new Properties();
      if (Files.exists(file)) {
        try (var in = Files.newInputStream(file)) {
          p.load(in);
        }
      } else {
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      }
      SecureRandom random = new SecureRandom();
      boolean changed = false;
      if (p.getProperty("secret") == null) {
        byte[] bytes = new byte[48];
        random.nextBytes(bytes);
        p.setProperty("secret", HexFormat.of().formatHex(bytes));
        changed = true;
      }
      if (p.getProperty("storage-key") == null) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        p.setProperty("storage-key", java.util.Base64.getEncoder().encodeToString(key));
        changed = true;
      }
      if (changed) {
        Files.writeString(file, "secret=" + p.getProperty("secret") + "\nstorage-key=" + p.getProperty("storage-key") + "\n");
      }
      return p;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read or write " + file, e);
    }
  }

  public int gatewayPort() {
    return gatewayPort;
  }

  public int jobServicePort() {
    return jobServicePort;
  }

  public int storageServicePort() {
    return storageServicePort;
  }

  public int deploymentServicePort() {
    return deploymentServicePort;
  }

  public int notebookServicePort() {
    return notebookServicePort;
  }

  /** Stops job-service and starts it again on the same port, as a crash and restart would. */
  public synchronized void restartJobService() {
    started.remove(jobService);
    jobService.close();
    Map<String, Object> again = new LinkedHashMap<>(jobServiceProperties);
    again.put("server.port", Integer.toString(jobServicePort));
    jobService = run(JobServiceApplication.application(), again);
    started.push(jobService);
  }

  void printWelcome() {
    String host = settings.bind().equals("0.0.0.0") ? "localhost" : settings.bind();
    Path keyFile = settings.home().resolve("admin-api-key");
    System.out.printf("""

        Incline is running.
          API:            http://%s:%d/api/v1
          Admin API key:  %s
          Data:           %s
          Runtime:        %s
        Try:
          curl -H "Authorization: Bearer $(cat %s)" http://%s:%d/api/v1/me
        Press Ctrl-C to stop; data and running jobs are kept.
        %n""", host, gatewayPort, keyFile, settings.home(), settings.runtime(), keyFile, host, gatewayPort);
  }

  @Override
  public synchronized void close() {
    while (!started.isEmpty()) {
      AutoCloseable c = started.pop();
      try {
        c.close();
      } catch (Exception e) {
        System.err.println("while stopping: " + rootMessage(e));
      }
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
