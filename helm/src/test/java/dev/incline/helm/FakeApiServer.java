package dev.incline.helm;

import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The API server helm-java talks to while it renders the chart: unlike the helm CLI's {@code template},
 * helm-java resolves the chart's {@code lookup} calls against a cluster, and fails without one. It
 * answers discovery for core/v1 and, where a test asks, an existing Secret; every other lookup is a 404,
 * as on a cluster without the release.
 */
final class FakeApiServer {

  // kept referenced: java.util.logging holds loggers weakly, and a collected one forgets its level
  private static final Logger MOCK_LOG = quiet(Logger.getLogger("io.fabric8.mockwebserver"));
  private static final KubernetesMockServer SERVER = start();

  private FakeApiServer() {}

  /** Starts the server once per test JVM and points {@code $KUBECONFIG} (set by the pom) at it. */
  static void ensureStarted() {
    // the static initializer did the work
  }

  /** The next render sees {@code secret} in the cluster, as on an upgrade. */
  static void existsOnce(Secret secret) {
    SERVER.expect().get()
        .withPath("/api/v1/namespaces/" + secret.getMetadata().getNamespace() + "/secrets/" + secret.getMetadata().getName())
        .andReturn(200, secret)
        .once();
  }

  private static Logger quiet(Logger logger) {
    logger.setLevel(Level.WARNING);
    return logger;
  }

  private static KubernetesMockServer start() {
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig == null || kubeconfig.isBlank()) {
      throw new IllegalStateException("KUBECONFIG must name a writable file (the pom sets it for surefire)");
    }
    KubernetesMockServer server = new KubernetesMockServer(false);
    server.start();
    server.expect().get().withPath("/api/v1?timeout=32s")
        .andReturn(200, new APIResourceListBuilder()
            .withGroupVersion("v1")
            .addToResources(new APIResourceBuilder().withName("secrets").withKind("Secret").withNamespaced(true)
                .withVerbs("get", "list").build())
            .build())
        .always();
    String url = server.url("/").replaceAll("/$", "");
    try {
      Path file = Path.of(kubeconfig);
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, """
          apiVersion: v1
          kind: Config
          clusters:
            - name: fake
              cluster:
                server: %s
          users:
            - name: fake
              user:
                token: fake
          contexts:
            - name: fake
              context:
                cluster: fake
                user: fake
                namespace: %s
          current-context: fake
          """.formatted(url, Chart.NAMESPACE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
    return server;
  }
}
