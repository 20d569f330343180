package dev.incline.deployments.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.deployments.deployment.Deployment;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReplicaSpecsTest {

  private static final DeploymentsProperties.ModelServer SERVER =
      new DeploymentsProperties.ModelServer(List.of("/usr/bin/java", "-jar", "/opt/ms.jar"), "registry/ms:1", null, 8080);

  /** A deployment of {@code digits:3} (the entity's setters are package-private: built as the service builds it). */
  static Deployment model() throws Exception {
    Deployment d = newDeployment();
    var serve = Deployment.class.getDeclaredMethod("serveModel", String.class, String.class, String.class, String.class,
        int.class, String.class);
    serve.setAccessible(true);
    serve.invoke(d, "digits:production", "mdl_1", "digits", "mdv_3", 3, "/v2/health/ready");
    return d;
  }

  static Deployment custom() throws Exception {
    Deployment d = newDeployment();
    var serve = Deployment.class.getDeclaredMethod("serveImage", String.class, String.class, int.class, String.class);
    serve.setAccessible(true);
    serve.invoke(d, "team/app:2", "serve --port $PORT", 9000, "/healthz");
    return d;
  }

  private static Deployment newDeployment() throws Exception {
    Constructor<Deployment> c = Deployment.class.getDeclaredConstructor(UUID.class, String.class, String.class, String.class,
        String.class, String.class, Instant.class);
    c.setAccessible(true);
    return c.newInstance(UUID.fromString("0190c8a0-0000-7000-8000-000000000001"), "team-a", "prj_1", "digits", "C3", "usr_1",
        Instant.EPOCH);
  }

  @Test
  void aProcessReplicaRunsTheModelServerOnItsHostPortWithTheCachedFile() throws Exception {
    WorkloadSpec s = ReplicaSpecs.spec("process", model(), "rep_1", 41234, Path.of("/cache/team-a/mdv_3"), "model.onnx",
        WorkloadSpec.Resources.none(), SERVER, List.of());
    assertThat(s.ref()).isEqualTo(new WorkloadRef("team-a", WorkloadRef.Kind.DEPLOYMENT, "rep_1"));
    assertThat(s.command()).containsExactly("/usr/bin/java", "-jar", "/opt/ms.jar", "--server.address=127.0.0.1",
        "--server.port=41234", "--incline.model-server.models[0].name=digits",
        "--incline.model-server.models[0].path=/cache/team-a/mdv_3/model.onnx");
    assertThat(s.ports()).containsExactly(41234);
    assertThat(s.env()).containsEntry("PORT", "41234").containsKey("INCLINE_DEPLOYMENT_ID");
    assertThat(s.labels()).containsEntry("incline.dev/revision", "1");
    assertThat(s.datasets()).isEmpty();
  }

  @Test
  void aDockerReplicaMountsTheVersionReadOnlyAndRunsTheImage() throws Exception {
    WorkloadSpec s = ReplicaSpecs.spec("docker", model(), "rep_2", null, Path.of("/cache/team-a/mdv_3"), "model.onnx",
        WorkloadSpec.Resources.none(), SERVER, List.of());
    assertThat(s.image()).isEqualTo("registry/ms:1");
    assertThat(s.ports()).containsExactly(8080);
    assertThat(s.command()).endsWith("--server.port=8080", "--incline.model-server.models[0].name=digits",
        "--incline.model-server.models[0].path=/datasets/model/model.onnx");
    assertThat(s.command().getFirst()).isEqualTo("java");
    assertThat(s.datasets()).containsExactly(new WorkloadSpec.DatasetMount("model", "mdv_3", Path.of("/cache/team-a/mdv_3")));
  }

  @Test
  void aCustomImageGetsItsCommandAndPort() throws Exception {
    WorkloadSpec s = ReplicaSpecs.spec("docker", custom(), "rep_3", null, null, null, WorkloadSpec.Resources.none(), SERVER,
        List.of("/bin/sh", "-c", "serve --port $PORT"));
    assertThat(s.image()).isEqualTo("team/app:2");
    assertThat(s.command()).containsExactly("/bin/sh", "-c", "serve --port $PORT");
    assertThat(s.ports()).containsExactly(9000);
    assertThat(s.env()).containsEntry("PORT", "9000");
  }

  @Test
  void theProcessRuntimeNeedsTheModelServerCommand() throws Exception {
    var none = new DeploymentsProperties.ModelServer(List.of(), "x", null, 8080);
    assertThatThrownBy(() -> ReplicaSpecs.spec("process", model(), "rep_4", 1, Path.of("/c"), "model.onnx",
        WorkloadSpec.Resources.none(), none, List.of()))
        .hasMessageContaining("incline.deployments.model-server.command");
  }
}
