package dev.incline.compute.kubernetes.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incline.compute.WorkloadSpec;
import dev.incline.compute.kubernetes.KubernetesRuntimeSettings;
import dev.incline.compute.kubernetes.Snapshots;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The deployment's objects as pure functions of its spec, snapshotted for a model and for a custom image. */
class ServingManifestsTest {

  static final KubernetesRuntimeSettings SETTINGS = KubernetesRuntimeSettings.defaults();
  static final WorkloadSpec.Resources C5 = new WorkloadSpec.Resources("C5", 4, 8L << 30, 0, null, Map.of());
  static final WorkloadSpec.Resources A100 = new WorkloadSpec.Resources("A100", 12, 90L << 30, 1, "A100-SXM4-40GB",
      Map.of("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"));
  static final ServingSpec.Model DIGITS = new ServingSpec.Model("digits", "mv_01abc",
      URI.create("http://incline-deployment-service.incline.svc:8084/internal/v1/deployments/dep_01xyz/model-manifest"),
      "deployment-dep-01xyz-token");

  static ServingSpec model(int revision, WorkloadSpec.Resources resources, int min, int max) {
    return new ServingSpec("team_01abc", "dep_01xyz", "prj_01p", revision, "incline/incline-model-server:0.1.0", List.of(),
        8080, Map.of("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75"), resources, min, max, 4, "/v2/health/ready", DIGITS);
  }

  static ServingSpec custom(int revision) {
    return new ServingSpec("team_01abc", "dep_02custom", null, revision, "ghcr.io/acme/ranker:2", List.of("python", "serve.py"),
        9000, Map.of("WORKERS", "2"), C5, 2, 2, 8, "/healthz", null);
  }

  private static PodSpec pod(Deployment d) {
    return d.getSpec().getTemplate().getSpec();
  }

  private static Container main(Deployment d) {
    return pod(d).getContainers().stream().filter(c -> c.getName().equals("main")).findFirst().orElseThrow();
  }

  @Test
  void modelDeploymentMatchesItsSnapshot() {
    Snapshots.assertMatches("serving-deployment-model", ServingManifests.deployment(SETTINGS, model(3, A100, 1, 4)));
  }

  @Test
  void customImageDeploymentMatchesItsSnapshot() {
    Snapshots.assertMatches("serving-deployment-custom", ServingManifests.deployment(SETTINGS, custom(1)));
  }

  @Test
  void serviceAndAutoscalerMatchTheirSnapshots() {
    Snapshots.assertMatches("serving-service", ServingManifests.service(SETTINGS, model(3, A100, 1, 4)));
    Snapshots.assertMatches("serving-hpa", ServingManifests.autoscaler(SETTINGS, model(3, A100, 1, 4)).orElseThrow());
  }

  @Test
  void theDeploymentIsNamedAndLabelledAsTheTeamsDeploymentAndSelectsByIdentityOnly() {
    Deployment d = ServingManifests.deployment(SETTINGS, model(3, C5, 2, 4));
    assertThat(d.getMetadata().getName()).isEqualTo("deployment-dep-01xyz");
    assertThat(d.getMetadata().getNamespace()).isEqualTo("incline-team-01abc");
    assertThat(d.getMetadata().getLabels()).containsEntry("incline.dev/team", "team_01abc")
        .containsEntry("incline.dev/kind", "deployment").containsEntry("incline.dev/id", "dep_01xyz")
        .containsEntry("incline.dev/project", "prj_01p").containsEntry("app.kubernetes.io/managed-by", "incline");
    // the selector is immutable on a Deployment: only what never changes for this deployment
    assertThat(d.getSpec().getSelector().getMatchLabels()).containsOnlyKeys("app.kubernetes.io/managed-by",
        "incline.dev/team", "incline.dev/kind", "incline.dev/id");
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void aRollNeverLowersServingCapacity() {
    Deployment d = ServingManifests.deployment(SETTINGS, model(3, C5, 1, 4));
    assertThat(d.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString(0));
    assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxSurge()).isEqualTo(new IntOrString(1));
  }

  @Test
  void theRevisionIsOnThePodTemplateSoThatANewRevisionRollsAndTheSameOneDoesNot() {
    Deployment r3 = ServingManifests.deployment(SETTINGS, model(3, C5, 1, 4));
    Deployment r4 = ServingManifests.deployment(SETTINGS, model(4, C5, 1, 4));
    assertThat(r3.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("incline.dev/revision", "3");
    assertThat(r3.getMetadata().getAnnotations()).containsEntry("incline.dev/revision", "3");
    assertThat(r4.getSpec().getTemplate()).isNotEqualTo(r3.getSpec().getTemplate());
    assertThat(ServingManifests.deployment(SETTINGS, model(3, C5, 1, 4))).isEqualTo(r3);
    assertThat(Snapshots.yaml(ServingManifests.deployment(SETTINGS, model(3, C5, 1, 4)))).isEqualTo(Snapshots.yaml(r3));
  }

  @Test
  void readinessIsTheHealthPathAndLivenessTheModelServersLiveEndpoint() {
    Container main = main(ServingManifests.deployment(SETTINGS, model(3, C5, 1, 4)));
    assertThat(main.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("http");
      assertThat(p.getContainerPort()).isEqualTo(8080);
    });
    assertThat(main.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");
    assertThat(main.getReadinessProbe().getHttpGet().getPort()).isEqualTo(new IntOrString("http"));
    assertThat(main.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/live");
    assertThat(main.getStartupProbe().getHttpGet().getPath()).isEqualTo("/v2/health/live");
    // a large model may load for minutes before liveness applies
    assertThat(main.getStartupProbe().getPeriodSeconds() * main.getStartupProbe().getFailureThreshold()).isGreaterThanOrEqualTo(300);
  }

  @Test
  void aCustomImageIsProbedOnItsHealthPathAndItsOpenPort() {
    Container main = main(ServingManifests.deployment(SETTINGS, custom(1)));
    assertThat(main.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(main.getLivenessProbe().getHttpGet()).isNull();
    assertThat(main.getLivenessProbe().getTcpSocket().getPort()).isEqualTo(new IntOrString("http"));
    assertThat(main.getStartupProbe().getTcpSocket()).isNotNull();
    assertThat(main.getCommand()).containsExactly("python", "serve.py");
    assertThat(main.getPorts().getFirst().getContainerPort()).isEqualTo(9000);
  }

  @Test
  void anEmptyCommandLeavesTheImagesEntrypoint() {
    assertThat(main(ServingManifests.deployment(SETTINGS, model(3, C5, 1, 4))).getCommand()).isNullOrEmpty();
    assertThat(Snapshots.yaml(ServingManifests.deployment(SETTINGS, model(3, C5, 1, 4)))).doesNotContain("command:\n        -");
  }

  @Test
  void stoppingReplicasLeaveTheServiceBeforeTheyStopAndFinishTheirRequests() {
    Deployment d = ServingManifests.deployment(SETTINGS, model(3, C5, 1, 4));
    assertThat(pod(d).getTerminationGracePeriodSeconds()).isEqualTo(30L);
    assertThat(main(d).getLifecycle().getPreStop().getExec().getCommand()).containsExactly("sleep", "5");
  }

  @Test
  void theAgentFetchesTheModelIntoAnEmptyDirTheServerReadsOnly() {
    Deployment d = ServingManifests.deployment(SETTINGS, model(3, C5, 1, 4));
    PodSpec pod = pod(d);
    assertThat(pod.getInitContainers()).singleElement().satisfies(init -> {
      assertThat(init.getName()).isEqualTo("model");
      assertThat(init.getImage()).isEqualTo(SETTINGS.agentImage());
      assertThat(init.getArgs()).containsExactly("fetch-model", "--manifest-url", DIGITS.manifestUrl().toString(),
          "--dest", "/models/digits");
      assertThat(init.getVolumeMounts()).extracting(m -> m.getName() + ":" + m.getMountPath() + ":" + m.getReadOnly())
          .containsExactly("models:/models:null");
      assertThat(init.getEnv()).singleElement().satisfies(e -> {
        assertThat(e.getName()).isEqualTo("INCLINE_DEPLOYMENT_TOKEN");
        assertThat(e.getValue()).isNull();
        assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("deployment-dep-01xyz-token");
        assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");
      });
      assertThat(init.getRestartPolicy()).isNull(); // a plain init container: it ends before the server starts
    });
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("models")).singleElement()
        .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
    assertThat(main(d).getVolumeMounts()).filteredOn(m -> m.getName().equals("models")).singleElement().satisfies(m -> {
      assertThat(m.getMountPath()).isEqualTo("/models/digits");
      assertThat(m.getSubPath()).isEqualTo("digits");
      assertThat(m.getReadOnly()).isTrue();
    });
    assertThat(main(d).getEnv()).extracting(e -> e.getName() + "=" + e.getValue())
        .contains("INCLINE_MODEL_SERVER_MODEL_DIR=/models", "SERVER_PORT=8080", "JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75");
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("incline.dev/model-version", "mv_01abc")
        .containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/port", "8080")
        .containsEntry("prometheus.io/path", "/actuator/prometheus");
  }

  @Test
  void theTokenIsNeverInThePodSpecNorGivenToTheServer() {
    ServingSpec sneaky = new ServingSpec("team_01abc", "dep_01xyz", "prj_01p", 3, "img", List.of(), 8080,
        Map.of("INCLINE_DEPLOYMENT_TOKEN", "from-env"), C5, 1, 1, 4, "/v2/health/ready", DIGITS);
    Deployment d = ServingManifests.deployment(SETTINGS, sneaky);
    assertThat(main(d).getEnv()).extracting(EnvVar::getName).doesNotContain("INCLINE_DEPLOYMENT_TOKEN");
    assertThat(Snapshots.yaml(d)).doesNotContain("from-env");
    assertThat(ServingManifests.tokenSecret(SETTINGS, sneaky, "s3cr3t").getStringData()).containsExactly(Map.entry("token", "s3cr3t"));
    assertThat(Snapshots.yaml(d)).doesNotContain("s3cr3t");
  }

  @Test
  void aCustomImageHasNoInitContainerNorModelVolume() {
    Deployment d = ServingManifests.deployment(SETTINGS, custom(1));
    assertThat(pod(d).getInitContainers()).isNullOrEmpty();
    assertThat(pod(d).getVolumes()).isNullOrEmpty();
    assertThat(main(d).getEnv()).extracting(e -> e.getName() + "=" + e.getValue()).containsExactly("WORKERS=2");
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsOnlyKeys("incline.dev/revision");
    assertThatThrownBy(() -> ServingManifests.tokenSecret(SETTINGS, custom(1), "t")).hasMessageContaining("no model");
  }

  @Test
  void gpuMachineTypesRequestGpusOnTheirProductAndTolerateTheTaint() {
    Deployment d = ServingManifests.deployment(SETTINGS, model(3, A100, 1, 4));
    assertThat(main(d).getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"))
        .containsEntry("cpu", new Quantity("12")).containsEntry("memory", new Quantity("90Gi"));
    assertThat(main(d).getResources().getRequests()).isEqualTo(main(d).getResources().getLimits());
    assertThat(pod(d).getNodeSelector()).containsExactlyEntriesOf(Map.of("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"));
    assertThat(pod(d).getTolerations()).singleElement().satisfies(t -> {
      assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
      assertThat(t.getOperator()).isEqualTo("Exists");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
    });
    Deployment cpu = ServingManifests.deployment(SETTINGS, model(3, C5, 1, 4));
    assertThat(main(cpu).getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
    assertThat(pod(cpu).getTolerations()).isEmpty();
    assertThat(pod(cpu).getNodeSelector()).isEmpty();
    // the init container's share is the agent's, never the GPUs
    assertThat(pod(d).getInitContainers().getFirst().getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
  }

  @Test
  void podsRunAsNonRootWithoutPrivilegesOrAnApiToken() {
    for (ServingSpec spec : List.of(model(3, C5, 1, 4), custom(1))) {
      PodSpec pod = pod(ServingManifests.deployment(SETTINGS, spec));
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
      assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
      assertThat(pod.getAutomountServiceAccountToken()).isFalse();
      List<Container> all = new java.util.ArrayList<>(pod.getContainers());
      all.addAll(pod.getInitContainers() == null ? List.of() : pod.getInitContainers());
      assertThat(all).allSatisfy(c -> {
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      });
    }
    // the model server's root filesystem is read-only, with a writable /tmp (ONNX Runtime needs one)
    Deployment model = ServingManifests.deployment(SETTINGS, model(3, C5, 1, 4));
    assertThat(main(model).getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(main(model).getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/tmp");
  }

  @Test
  void theServiceMapsPort80ToTheServingPortOfTheDeploymentsPods() {
    Service s = ServingManifests.service(SETTINGS, custom(1));
    assertThat(s.getMetadata().getName()).isEqualTo("deployment-dep-02custom");
    assertThat(s.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(s.getSpec().getSelector()).isEqualTo(ServingManifests.deployment(SETTINGS, custom(1)).getSpec().getSelector()
        .getMatchLabels());
    assertThat(s.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(80);
      assertThat(p.getTargetPort()).isEqualTo(new IntOrString(9000));
      assertThat(p.getName()).isEqualTo("http");
    });
    assertThat(ServingResources.endpoint(SETTINGS, "team_01abc", "dep_02custom"))
        .isEqualTo(URI.create("http://deployment-dep-02custom.incline-team-01abc.svc.cluster.local:80"));
  }

  @Test
  void theAutoscalerAimsAtTheTargetConcurrencyOnTheModelServersInFlightGauge() {
    HorizontalPodAutoscaler hpa = ServingManifests.autoscaler(SETTINGS, model(3, C5, 2, 6)).orElseThrow();
    assertThat(hpa.getMetadata().getName()).isEqualTo("deployment-dep-01xyz");
    assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
    assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion()).isEqualTo("apps/v1");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("deployment-dep-01xyz");
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(6);
    assertThat(hpa.getSpec().getMetrics()).singleElement().satisfies(m -> {
      assertThat(m.getType()).isEqualTo("Pods");
      // Micrometer's gauge incline.inference.in.flight (model-server's InferenceMetrics.IN_FLIGHT), as Prometheus names it
      assertThat(m.getPods().getMetric().getName()).isEqualTo("incline_inference_in_flight");
      assertThat(m.getPods().getTarget().getType()).isEqualTo("AverageValue");
      assertThat(m.getPods().getTarget().getAverageValue()).isEqualTo(new Quantity("4"));
    });
  }

  @Test
  void fixedReplicasHaveNoAutoscaler() {
    assertThat(ServingManifests.autoscaler(SETTINGS, model(3, C5, 3, 3))).isEmpty();
    assertThat(ServingManifests.autoscaler(SETTINGS, custom(1))).isEmpty();
    assertThat(ServingManifests.deployment(SETTINGS, model(3, C5, 3, 3)).getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void specsThatKubernetesWouldRefuseAreRefusedFirst() {
    URI manifest = DIGITS.manifestUrl();
    assertThatThrownBy(() -> new ServingSpec("Team A", "dep_1", null, 1, "img", List.of(), 8080, Map.of(), C5, 1, 1, 1, "/h", null))
        .hasMessageContaining("team");
    assertThatThrownBy(() -> new ServingSpec("team_a", "dep/1", null, 1, "img", List.of(), 8080, Map.of(), C5, 1, 1, 1, "/h", null))
        .hasMessageContaining("id");
    assertThatThrownBy(() -> new ServingSpec("team_a", "dep_1", null, 1, "img", List.of(), 8080, Map.of(), C5, 3, 2, 1, "/h", null))
        .hasMessageContaining("min <= max");
    assertThatThrownBy(() -> new ServingSpec("team_a", "dep_1", null, 1, "img", List.of(), 8080, Map.of(), C5, 0, 2, 1, "/h", null))
        .hasMessageContaining("at least one replica");
    assertThatThrownBy(() -> new ServingSpec("team_a", "dep_1", null, 1, "img", List.of(), 0, Map.of(), C5, 1, 1, 1, "/h", null))
        .hasMessageContaining("containerPort");
    assertThatThrownBy(() -> new ServingSpec("team_a", "dep_1", null, 1, "img", List.of(), 80, Map.of(), C5, 1, 1, 1, "h", null))
        .hasMessageContaining("healthPath");
    assertThatThrownBy(() -> new ServingSpec("team_a", "dep_1", null, 1, "img", List.of(), 80, Map.of("A B", "x"), C5, 1, 1, 1,
        "/h", null)).hasMessageContaining("environment variable");
    assertThatThrownBy(() -> new ServingSpec("team_a", "dep_1", "prj 1", 1, "img", List.of(), 80, Map.of(), C5, 1, 1, 1, "/h", null))
        .hasMessageContaining("projectId");
    assertThatThrownBy(() -> new ServingSpec.Model("../etc", "mv_1", manifest, "s")).hasMessageContaining("model name");
    assertThatThrownBy(() -> new ServingSpec.Model(".hidden", "mv_1", manifest, "s")).hasMessageContaining("model name");
    assertThatThrownBy(() -> new ServingSpec.Model("m", "mv/1", manifest, "s")).hasMessageContaining("version id");
    assertThatThrownBy(() -> new ServingSpec.Model("m", "mv_1", URI.create("file:///etc/passwd"), "s")).hasMessageContaining("http");
    assertThatThrownBy(() -> new ServingSpec.Model("m", "mv_1", manifest, "Not_A_Secret")).hasMessageContaining("Secret name");
    // scaled to nothing: allowed, without an autoscaler
    ServingSpec paused = new ServingSpec("team_a", "dep_1", null, 1, "img", null, 80, null, null, 0, 0, 1, "/h", null);
    assertThat(ServingManifests.autoscaler(SETTINGS, paused)).isEmpty();
    assertThat(ServingManifests.deployment(SETTINGS, paused).getSpec().getReplicas()).isZero();
  }
}
