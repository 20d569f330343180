package dev.incline.compute.kubernetes.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.kubernetes.FakeKubelet;
import dev.incline.compute.kubernetes.KubernetesRuntimeSettings;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Deployments against fabric8's mock API server (CRUD mode), with the test playing the Deployment controller and kubelet. */
class KubernetesServingTest {

  private static final String TEAM_A = "team_aaa";
  private static final String TEAM_B = "team_bbb";
  private static final WorkloadSpec.Resources C5 = new WorkloadSpec.Resources("C5", 4, 8L << 30, 0, null, Map.of());
  private static final ServingSpec.Model DIGITS = new ServingSpec.Model("digits", "mv_1",
      URI.create("http://incline-deployment-service.incline.svc:8084/internal/v1/deployments/dep_1/model-manifest"),
      "deployment-dep-1-token");

  private FakeKubelet kubelet;
  private KubernetesClient api;
  private KubernetesClient client;
  private KubernetesRuntimeSettings settings;
  private KubernetesServing serving;

  @BeforeEach
  void start() {
    kubelet = FakeKubelet.start();
    api = kubelet.admin();
    client = kubelet.newClient();
    settings = KubernetesRuntimeSettings.defaults();
    serving = new KubernetesServing(client, settings);
  }

  @AfterEach
  void stop() {
    client.close();
    kubelet.close();
  }

  private static ServingSpec model(String team, String id, int revision, int min, int max) {
    return new ServingSpec(team, id, "prj_1", revision, "incline/incline-model-server:0.1.0", List.of(), 8080, Map.of(), C5,
        min, max, 4, "/v2/health/ready", DIGITS);
  }

  private static ServingSpec custom(String team, String id, int revision, int min, int max) {
    return new ServingSpec(team, id, "prj_1", revision, "ghcr.io/acme/ranker:" + revision, List.of("python", "serve.py"),
        9000, Map.of(), C5, min, max, 8, "/healthz", null);
  }

  private String ns(String team) {
    return settings.namespacePrefix() + team.replace('_', '-');
  }

  private Deployment deployment(String team, String id) {
    return api.apps().deployments().inNamespace(ns(team)).withName("deployment-" + id.replace('_', '-')).get();
  }

  private Service service(String team, String id) {
    return api.services().inNamespace(ns(team)).withName("deployment-" + id.replace('_', '-')).get();
  }

  private HorizontalPodAutoscaler hpa(String team, String id) {
    return api.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns(team)).withName("deployment-" + id.replace('_', '-'))
        .get();
  }

  @Test
  void applyMakesTheTeamNamespaceTheDeploymentItsServiceAndItsAutoscaler() {
    assertThat(serving.apply(model(TEAM_A, "dep_1", 1, 1, 3))).isEqualTo(KubernetesServing.Applied.CREATED);

    assertThat(api.namespaces().withName("incline-team-aaa").get().getMetadata().getLabels())
        .containsEntry("incline.dev/team", TEAM_A);
    assertThat(api.resourceQuotas().inNamespace("incline-team-aaa").withName("incline-quota").get()).isNotNull();
    assertThat(api.rbac().roleBindings().inNamespace("incline-team-aaa").withName("incline-controller").get()).isNotNull();

    Deployment d = deployment(TEAM_A, "dep_1");
    assertThat(d.getSpec().getReplicas()).isEqualTo(1);
    assertThat(d.getSpec().getTemplate().getSpec().getInitContainers()).extracting(c -> c.getName()).containsExactly("model");
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("incline.dev/revision", "1");
    assertThat(service(TEAM_A, "dep_1").getSpec().getPorts().getFirst().getPort()).isEqualTo(80);
    HorizontalPodAutoscaler hpa = hpa(TEAM_A, "dep_1");
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(1);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(3);
    assertThat(hpa.getSpec().getMetrics().getFirst().getPods().getMetric().getName()).isEqualTo("incline_inference_in_flight");
    assertThat(serving.endpoint(TEAM_A, "dep_1"))
        .isEqualTo(URI.create("http://deployment-dep-1.incline-team-aaa.svc.cluster.local:80"));
  }

  @Test
  void theSameRevisionAppliedAgainWritesNothing() {
    ServingSpec spec = model(TEAM_A, "dep_1", 1, 1, 3);
    serving.apply(spec);
    String deploymentVersion = deployment(TEAM_A, "dep_1").getMetadata().getResourceVersion();
    String serviceVersion = service(TEAM_A, "dep_1").getMetadata().getResourceVersion();
    String hpaVersion = hpa(TEAM_A, "dep_1").getMetadata().getResourceVersion();

    assertThat(serving.apply(spec)).isEqualTo(KubernetesServing.Applied.UNCHANGED);
    // a restarted service (no memory of the team) converges the team's objects, and still not the deployment's
    assertThat(new KubernetesServing(client, settings).apply(spec)).isEqualTo(KubernetesServing.Applied.UNCHANGED);
    assertThat(deployment(TEAM_A, "dep_1").getMetadata().getResourceVersion()).isEqualTo(deploymentVersion);
    assertThat(service(TEAM_A, "dep_1").getMetadata().getResourceVersion()).isEqualTo(serviceVersion);
    assertThat(hpa(TEAM_A, "dep_1").getMetadata().getResourceVersion()).isEqualTo(hpaVersion);
    assertThat(api.apps().deployments().inNamespace(ns(TEAM_A)).list().getItems()).hasSize(1);
  }

  @Test
  void aNewRevisionReplacesTheTemplateKeepingTheAutoscalersReplicasAndOthersLabels() {
    serving.apply(model(TEAM_A, "dep_1", 1, 1, 5));
    // the HPA scaled it to 4, an admin labelled it
    Deployment scaled = deployment(TEAM_A, "dep_1");
    api.resource(new DeploymentBuilder(scaled).editSpec().withReplicas(4).endSpec()
        .editMetadata().addToLabels("cost-center", "ml").endMetadata().build()).update();

    // revision 2: a custom image, no model, another port, still autoscaled
    ServingSpec next = new ServingSpec(TEAM_A, "dep_1", "prj_1", 2, "ghcr.io/acme/ranker:2", List.of("serve"), 9000, Map.of(),
        C5, 2, 3, 8, "/healthz", null);
    assertThat(serving.apply(next)).isEqualTo(KubernetesServing.Applied.UPDATED);

    Deployment d = deployment(TEAM_A, "dep_1");
    assertThat(d.getMetadata().getAnnotations()).containsEntry("incline.dev/revision", "2");
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("incline.dev/revision", "2");
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage()).isEqualTo("ghcr.io/acme/ranker:2");
    // replaced, not merged: what revision 2 no longer has is gone
    assertThat(d.getSpec().getTemplate().getSpec().getInitContainers()).isNullOrEmpty();
    assertThat(d.getSpec().getTemplate().getSpec().getVolumes()).isNullOrEmpty();
    assertThat(d.getSpec().getReplicas()).isEqualTo(3); // 4, within the new bounds 2..3
    assertThat(d.getMetadata().getLabels()).containsEntry("cost-center", "ml").containsEntry("incline.dev/id", "dep_1");
    assertThat(service(TEAM_A, "dep_1").getSpec().getPorts().getFirst().getTargetPort().getIntVal()).isEqualTo(9000);
    assertThat(hpa(TEAM_A, "dep_1").getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(hpa(TEAM_A, "dep_1").getSpec().getMaxReplicas()).isEqualTo(3);
    assertThat(serving.apply(next)).isEqualTo(KubernetesServing.Applied.UNCHANGED);
  }

  @Test
  void fixedReplicasRemoveTheAutoscalerAndSetTheCount() {
    serving.apply(model(TEAM_A, "dep_1", 1, 1, 4));
    assertThat(hpa(TEAM_A, "dep_1")).isNotNull();
    assertThat(serving.apply(model(TEAM_A, "dep_1", 2, 2, 2))).isEqualTo(KubernetesServing.Applied.UPDATED);
    assertThat(hpa(TEAM_A, "dep_1")).isNull();
    assertThat(deployment(TEAM_A, "dep_1").getSpec().getReplicas()).isEqualTo(2);
    // and back: an HPA again
    serving.apply(model(TEAM_A, "dep_1", 3, 1, 4));
    assertThat(hpa(TEAM_A, "dep_1").getSpec().getMaxReplicas()).isEqualTo(4);
    assertThat(deployment(TEAM_A, "dep_1").getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void aMissingServiceOrAutoscalerIsMadeAgainOnTheNextApply() {
    ServingSpec spec = model(TEAM_A, "dep_1", 1, 1, 4);
    serving.apply(spec);
    api.services().inNamespace(ns(TEAM_A)).withName("deployment-dep-1").delete();
    assertThat(serving.apply(spec)).isEqualTo(KubernetesServing.Applied.UPDATED);
    assertThat(service(TEAM_A, "dep_1")).isNotNull();
  }

  @Test
  void observeMapsTheDeploymentAndItsPods() {
    assertThat(serving.observe(TEAM_A, "dep_1").found()).isFalse();
    serving.apply(model(TEAM_A, "dep_1", 1, 2, 2));
    Deployment d = deployment(TEAM_A, "dep_1");
    // the Deployment controller's part
    Long generation = d.getMetadata().getGeneration();
    api.resource(new DeploymentBuilder(d).withNewStatus().withReplicas(2).withReadyReplicas(1).withUpdatedReplicas(2)
        .withObservedGeneration(generation).endStatus().build()).updateStatus();
    Pod up = createPod(d, "deployment-dep-1-abc-1", Instant.parse("2026-01-01T00:00:00Z"));
    markStatus(up, new PodBuilder(up).withNewStatus().withPhase("Running")
        .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build()).endStatus().build());
    Pod pulling = createPod(d, "deployment-dep-1-abc-2", Instant.parse("2026-01-01T00:00:05Z"));
    markStatus(pulling, new PodBuilder(pulling).withNewStatus().withPhase("Pending")
        .withContainerStatuses(new ContainerStatusBuilder().withName("main").withImage("incline/incline-model-server:0.1.0")
            .withState(new ContainerStateBuilder().withNewWaiting().withReason("ImagePullBackOff").endWaiting().build()).build())
        .endStatus().build());

    ServingStatus status = serving.observe(TEAM_A, "dep_1");
    assertThat(status.found()).isTrue();
    assertThat(status.desired()).isEqualTo(2);
    assertThat(status.ready()).isEqualTo(1);
    assertThat(status.updated()).isEqualTo(2);
    assertThat(status.observedRevision()).isEqualTo(1);
    assertThat(status.replicas()).extracting(r -> r.name() + ":" + r.ready() + ":" + r.phase() + ":" + r.revision())
        .containsExactly("deployment-dep-1-abc-1:true:Running:1", "deployment-dep-1-abc-2:false:Pending:1");
    assertThat(status.reason()).startsWith("ImagePullBackOff: image incline/incline-model-server:0.1.0 cannot be pulled");
  }

  /** What the ReplicaSet controller does: a pod from the Deployment's template. */
  private Pod createPod(Deployment d, String name, Instant created) {
    Map<String, String> labels = new HashMap<>(d.getSpec().getTemplate().getMetadata().getLabels());
    labels.put("pod-template-hash", "abc");
    return api.resource(new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(d.getMetadata().getNamespace()).withLabels(labels)
          .withAnnotations(d.getSpec().getTemplate().getMetadata().getAnnotations())
          .withCreationTimestamp(created.toString()).endMetadata()
        .withSpec(d.getSpec().getTemplate().getSpec())
        .build()).create();
  }

  private void markStatus(Pod pod, Pod withStatus) {
    Pod current = api.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).get();
    api.resource(new PodBuilder(current).withStatus(withStatus.getStatus()).build()).updateStatus();
  }

  @Test
  void theModelTokenIsKeptInItsSecretAndOnlyWrittenWhenItChanges() {
    ServingSpec spec = model(TEAM_A, "dep_1", 1, 1, 1);
    serving.apply(spec, "tok-1");
    Secret secret = api.secrets().inNamespace(ns(TEAM_A)).withName("deployment-dep-1-token").get();
    assertThat(secret.getMetadata().getLabels()).containsEntry("incline.dev/id", "dep_1").containsEntry("incline.dev/kind", "deployment");
    assertThat(decode(secret, "token")).isEqualTo("tok-1");
    assertThat(serving.apply(spec, "tok-1")).isEqualTo(KubernetesServing.Applied.UNCHANGED);
    assertThat(serving.apply(spec, "tok-2")).isEqualTo(KubernetesServing.Applied.UPDATED);
    assertThat(decode(api.secrets().inNamespace(ns(TEAM_A)).withName("deployment-dep-1-token").get(), "token")).isEqualTo("tok-2");
    // the pods read it by reference only
    assertThat(deployment(TEAM_A, "dep_1").getSpec().getTemplate().getSpec().getInitContainers().getFirst().getEnv().getFirst()
        .getValueFrom().getSecretKeyRef().getName()).isEqualTo("deployment-dep-1-token");
  }

  private static String decode(Secret secret, String key) {
    if (secret.getData() != null && secret.getData().get(key) != null) {
      return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }
    return secret.getStringData() == null ? null : secret.getStringData().get(key);
  }

  @Test
  void deleteRemovesEverythingOfTheDeploymentAndIsIdempotent() {
    serving.apply(model(TEAM_A, "dep_1", 1, 1, 3), "tok");
    serving.apply(custom(TEAM_A, "dep_2", 1, 1, 1));
    serving.delete(TEAM_A, "dep_1");
    assertThat(deployment(TEAM_A, "dep_1")).isNull();
    assertThat(service(TEAM_A, "dep_1")).isNull();
    assertThat(hpa(TEAM_A, "dep_1")).isNull();
    assertThat(api.secrets().inNamespace(ns(TEAM_A)).withName("deployment-dep-1-token").get()).isNull();
    assertThat(serving.observe(TEAM_A, "dep_1").found()).isFalse();
    serving.delete(TEAM_A, "dep_1");
    serving.delete(TEAM_A, "dep_never");
    // the team's other deployment and namespace objects stay
    assertThat(deployment(TEAM_A, "dep_2")).isNotNull();
    assertThat(service(TEAM_A, "dep_2")).isNotNull();
    assertThat(api.resourceQuotas().inNamespace(ns(TEAM_A)).withName("incline-quota").get()).isNotNull();
    assertThat(serving.list()).containsExactly(new WorkloadRef(TEAM_A, WorkloadRef.Kind.DEPLOYMENT, "dep_2"));
  }

  @Test
  void aTeamNeverReadsOrChangesAnotherTeamsDeployment() {
    serving.apply(model(TEAM_A, "dep_1", 1, 1, 3));
    serving.apply(custom(TEAM_B, "dep_9", 1, 1, 1));
    // the same id asked for by team B: B's namespace, never A's objects
    assertThat(serving.observe(TEAM_B, "dep_1").found()).isFalse();
    serving.delete(TEAM_B, "dep_1");
    assertThat(deployment(TEAM_A, "dep_1")).isNotNull();
    assertThat(hpa(TEAM_A, "dep_1")).isNotNull();

    // a Deployment in B's namespace carrying A's labels (planted, or a collision) is neither listed, observed nor replaced
    Deployment a = deployment(TEAM_A, "dep_1");
    api.resource(new DeploymentBuilder(a).withNewMetadata().withName("deployment-dep-1").withNamespace(ns(TEAM_B))
        .withLabels(a.getMetadata().getLabels()).withAnnotations(a.getMetadata().getAnnotations()).endMetadata()
        .withStatus(null).build()).create();
    assertThat(serving.list()).containsExactlyInAnyOrder(new WorkloadRef(TEAM_A, WorkloadRef.Kind.DEPLOYMENT, "dep_1"),
        new WorkloadRef(TEAM_B, WorkloadRef.Kind.DEPLOYMENT, "dep_9"));
    assertThat(serving.observe(TEAM_B, "dep_1").found()).isFalse();
    assertThatThrownBy(() -> serving.apply(model(TEAM_B, "dep_1", 2, 1, 3))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is not the deployment dep_1 of team team_bbb");
    serving.delete(TEAM_B, "dep_1");
    assertThat(api.apps().deployments().inNamespace(ns(TEAM_B)).withName("deployment-dep-1").get()).isNotNull();
    // and A's own is untouched by all of it
    assertThat(deployment(TEAM_A, "dep_1").getMetadata().getResourceVersion()).isEqualTo(a.getMetadata().getResourceVersion());
  }

  @Test
  void aRestartedServiceReAdoptsDeploymentsByLabel() {
    serving.apply(model(TEAM_A, "dep_1", 1, 1, 3));
    serving.apply(custom(TEAM_B, "dep_2", 1, 2, 2));
    // a job's objects in the same namespace are not deployments
    api.resource(new DeploymentBuilder().withNewMetadata().withName("other").withNamespace(ns(TEAM_A))
        .withLabels(Map.of("app.kubernetes.io/managed-by", "incline", "incline.dev/team", TEAM_A, "incline.dev/kind", "job",
            "incline.dev/id", "job_1")).endMetadata().build()).create();
    KubernetesServing restarted = new KubernetesServing(client, settings);
    assertThat(restarted.list()).containsExactlyInAnyOrder(new WorkloadRef(TEAM_A, WorkloadRef.Kind.DEPLOYMENT, "dep_1"),
        new WorkloadRef(TEAM_B, WorkloadRef.Kind.DEPLOYMENT, "dep_2"));
    assertThat(restarted.observe(TEAM_B, "dep_2").desired()).isEqualTo(2);
  }

  @Test
  void aNamespaceDeletedBehindTheServiceIsMadeAgain() {
    serving.apply(custom(TEAM_A, "dep_1", 1, 1, 1));
    api.namespaces().withName(ns(TEAM_A)).delete();
    // the mock server does not cascade: what a namespace deletion does to its objects
    api.apps().deployments().inNamespace(ns(TEAM_A)).delete();
    api.services().inNamespace(ns(TEAM_A)).delete();
    kubelet.server().expect().post().withPath("/apis/apps/v1/namespaces/incline-team-aaa/deployments")
        .andReturn(404, "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}").once();
    assertThat(serving.apply(custom(TEAM_A, "dep_1", 1, 1, 1))).isEqualTo(KubernetesServing.Applied.CREATED);
    assertThat(api.namespaces().withName(ns(TEAM_A)).get()).isNotNull();
    assertThat(deployment(TEAM_A, "dep_1")).isNotNull();
  }
}
