package dev.incline.deployments.serving.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.kubernetes.KubernetesRuntimeSettings;
import dev.incline.compute.kubernetes.serving.ServingManifests;
import dev.incline.compute.kubernetes.serving.ServingSpec;
import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.deployments.deployment.Deployment;
import io.fabric8.kubernetes.api.model.Container;
import java.lang.reflect.Constructor;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ServingSpecsTest {

  private static final DeploymentsProperties.ModelServer SERVER =
      new DeploymentsProperties.ModelServer(List.of(), "registry/incline-model-server:1", null, 8080);
  private static final URI AGENT = URI.create("http://incline-deployment-service.incline.svc:8084/");
  private static final WorkloadSpec.Resources C3 = new WorkloadSpec.Resources("C3", 2, 4L << 30, 0, null, Map.of());
  private static final UUID ID = UUID.fromString("0190c8a0-0000-7000-8000-000000000001");

  /** A deployment as the service builds it (the entity's setters are package-private). */
  static Deployment deployment(boolean model, int min, int max) throws Exception {
    Constructor<Deployment> c = Deployment.class.getDeclaredConstructor(UUID.class, String.class, String.class, String.class,
        String.class, String.class, Instant.class);
    c.setAccessible(true);
    Deployment d = c.newInstance(ID, "team-a", "prj_1", "digits", "C3", "usr_1", Instant.EPOCH);
    if (model) {
      var serve = Deployment.class.getDeclaredMethod("serveModel", String.class, String.class, String.class, String.class,
          int.class, String.class);
      serve.setAccessible(true);
      serve.invoke(d, "digits:production", "mdl_1", "digits", "mdv_3", 3, "/v2/health/ready");
    } else {
      var serve = Deployment.class.getDeclaredMethod("serveImage", String.class, String.class, int.class, String.class);
      serve.setAccessible(true);
      serve.invoke(d, "team/app:2", "serve --port $PORT", 9000, "/healthz");
    }
    var scale = Deployment.class.getDeclaredMethod("scale", String.class, int.class, int.class, int.class);
    scale.setAccessible(true);
    scale.invoke(d, "C3", min, max, 4);
    return d;
  }

  @Test
  void aModelRunsTheModelServersEntrypointAndFetchesItsModelWithTheDeploymentsToken() throws Exception {
    ServingSpec s = ServingSpecs.spec(deployment(true, 1, 3), C3, SERVER, AGENT);
    String id = s.deploymentId();
    assertThat(id).startsWith("dep_");
    assertThat(s.team()).isEqualTo("team-a");
    assertThat(s.revision()).isEqualTo(1);
    assertThat(s.image()).isEqualTo("registry/incline-model-server:1");
    assertThat(s.command()).isEmpty();
    assertThat(s.containerPort()).isEqualTo(8080);
    assertThat(s.env()).containsEntry("INCLINE_DEPLOYMENT_ID", id).containsEntry("PORT", "8080");
    assertThat(s.resources()).isEqualTo(C3);
    assertThat(List.of(s.minReplicas(), s.maxReplicas(), s.targetConcurrency())).containsExactly(1, 3, 4);
    assertThat(s.healthPath()).isEqualTo("/v2/health/ready");
    assertThat(s.model()).isEqualTo(new ServingSpec.Model("digits", "mdv_3",
        URI.create("http://incline-deployment-service.incline.svc:8084/internal/v1/deployments/" + id + "/model-manifest"),
        "deployment-" + id.replace('_', '-') + "-token"));

    // the image's own entrypoint: no command in the pod
    Container main = ServingManifests.deployment(KubernetesRuntimeSettings.defaults(), s).getSpec().getTemplate().getSpec()
        .getContainers().getFirst();
    assertThat(main.getCommand()).isNullOrEmpty();
    assertThat(main.getArgs()).isNullOrEmpty();
  }

  @Test
  void aCustomImageRunsItsCommandInAShellOnItsPort() throws Exception {
    ServingSpec s = ServingSpecs.spec(deployment(false, 2, 2), C3, SERVER, null);
    assertThat(s.image()).isEqualTo("team/app:2");
    assertThat(s.command()).containsExactly("/bin/sh", "-c", "serve --port $PORT");
    assertThat(s.containerPort()).isEqualTo(9000);
    assertThat(s.env()).containsEntry("PORT", "9000");
    assertThat(s.healthPath()).isEqualTo("/healthz");
    assertThat(s.model()).isNull();
    assertThat(s.autoscaled()).isFalse();
  }

  @Test
  void aModelNeedsTheAgentUrl() {
    assertThatThrownBy(() -> ServingSpecs.spec(deployment(true, 1, 1), C3, SERVER, null))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("incline.deployments.agent-url");
  }
}
