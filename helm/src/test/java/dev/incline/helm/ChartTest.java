package dev.incline.helm;

import static dev.incline.helm.Chart.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** helm/incline rendered with its default values and with values-gpu.yaml. */
class ChartTest {

  private static final List<String> SERVICES =
      List.of("api-gateway", "job-service", "storage-service", "model-registry", "deployment-service", "notebook-service");
  private static final Map<String, Integer> PORTS = Map.of("api-gateway", 8080, "job-service", 8081,
      "storage-service", 8082, "model-registry", 8083, "deployment-service", 8084, "notebook-service", 8085);
  private static final List<String> WORKLOAD_VERBS = List.of("get", "list", "watch", "create", "update", "patch", "delete");

  private static Chart defaults;
  private static Chart gpu;

  @BeforeAll
  static void render() {
    defaults = Chart.render();
    gpu = Chart.render("values-gpu.yaml");
  }

  @Test
  void lintPasses() {
    var result = Chart.lint();
    assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"api-gateway", "job-service", "storage-service", "model-registry", "deployment-service",
      "notebook-service"})
  void eachServiceHasDeploymentServiceAutoscalerAndDisruptionBudget(String service) {
    for (Chart chart : List.of(defaults, gpu)) {
      eachServiceHasDeploymentServiceAutoscalerAndDisruptionBudget(chart, service);
    }
  }

  private static void eachServiceHasDeploymentServiceAutoscalerAndDisruptionBudget(Chart chart, String service) {
    String name = "incline-" + service;
    int port = PORTS.get(service);
    Deployment deployment = chart.get(Deployment.class, name);
    assertThat(deployment.getSpec().getReplicas()).as("the HPA owns the replica count").isNull();
    Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(selector);

    Service svc = chart.get(Service.class, name);
    assertThat(svc.getSpec().getSelector()).isEqualTo(selector);
    assertThat(svc.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(port));
    assertThat(container(deployment).getPorts()).singleElement()
        .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(port));

    HorizontalPodAutoscaler hpa = chart.get(HorizontalPodAutoscaler.class, name);
    assertThat(hpa.getApiVersion()).isEqualTo("autoscaling/v2");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(name);
    assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
    assertThat(hpa.getSpec().getMetrics()).singleElement().satisfies(m -> {
      assertThat(m.getResource().getName()).isEqualTo("cpu");
      assertThat(m.getResource().getTarget().getAverageUtilization()).isEqualTo(70);
    });

    assertThat(deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints()).singleElement()
        .satisfies(t -> assertThat(t.getLabelSelector().getMatchLabels()).isEqualTo(selector));

    PodDisruptionBudget pdb = chart.get(PodDisruptionBudget.class, name);
    assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(selector);
    assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
  }

  @Test
  void withoutAutoscalingTheDeploymentSetsReplicasAndNoAutoscalerIsRendered() {
    Chart chart = Chart.render(t -> t.set("jobService.autoscaling.enabled", false).set("jobService.replicas", 3));
    assertThat(chart.get(Deployment.class, "incline-job-service").getSpec().getReplicas()).isEqualTo(3);
    assertThat(chart.all(HorizontalPodAutoscaler.class)).extracting(h -> h.getMetadata().getName())
        .containsExactlyInAnyOrder("incline-api-gateway", "incline-storage-service", "incline-model-registry",
            "incline-deployment-service", "incline-notebook-service");
  }

  @ParameterizedTest
  @ValueSource(strings = {"api-gateway", "job-service", "storage-service", "model-registry", "deployment-service",
      "notebook-service"})
  void probesUseSpringBootHealthGroups(String service) {
    Container c = container(defaults.get(Deployment.class, "incline-" + service));
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
  }

  @ParameterizedTest
  @ValueSource(strings = {"api-gateway", "job-service", "storage-service", "model-registry", "deployment-service",
      "notebook-service"})
  void runsAsNonRootOnAReadOnlyRootFilesystemWithAWritableTmp(String service) {
    Deployment deployment = defaults.get(Deployment.class, "incline-" + service);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container c = container(deployment);
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isNotZero();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/tmp");
      assertThat(pod.getVolumes()).anySatisfy(v -> {
        assertThat(v.getName()).isEqualTo(m.getName());
        assertThat(v.getEmptyDir()).isNotNull();
      });
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"api-gateway", "job-service", "storage-service", "model-registry", "deployment-service",
      "notebook-service"})
  void readsItsConfigMapFromConfigAndKnowsItsNamespace(String service) {
    Deployment deployment = defaults.get(Deployment.class, "incline-" + service);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Map<String, EnvVar> env = env(deployment);
    assertThat(env.get("SPRING_CONFIG_ADDITIONAL_LOCATION").getValue()).isEqualTo("optional:file:/config/");
    assertThat(env.get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    assertThat(container(deployment).getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/config");
      assertThat(pod.getVolumes()).anySatisfy(v -> {
        assertThat(v.getName()).isEqualTo(m.getName());
        assertThat(v.getConfigMap().getName()).isEqualTo("incline-" + service);
      });
    });
    assertThat(defaults.config(service)).as("%s.yaml parses", service).isNotEmpty();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations()).containsKey("checksum/config");
  }

  @Test
  void jobServiceRunsWorkloadsOnKubernetesAsTheContractSays() {
    Map<String, Object> config = defaults.config("job-service");
    assertThat(Chart.<String>at(config, "incline.compute.runtime")).isEqualTo("kubernetes");
    Map<String, Object> k8s = at(config, "incline.compute.kubernetes");
    assertThat(k8s).containsEntry("namespace-prefix", "incline-")
        .containsEntry("agent-image", "docker.io/incline/incline-agent:0.1.0")
        .containsEntry("workload-cluster-role", "incline-workloads")
        .containsEntry("controller-service-account", "incline-job-service")
        .containsEntry("controller-namespace", "incline")
        .containsEntry("ttl-seconds-after-finished", 3600)
        .containsEntry("gpu-resource", "nvidia.com/gpu")
        .containsEntry("gpu-taint-key", "nvidia.com/gpu")
        .containsEntry("storage-size", "100Gi")
        .containsKeys("storage-class", "kueue", "quota");
    assertThat(Chart.<Map<String, Object>>at(k8s, "kueue"))
        .containsEntry("enabled", false).containsEntry("queue-name", "incline").containsEntry("cluster-queue", "incline");
    assertThat(Chart.<Map<String, Object>>at(k8s, "quota.default"))
        .containsEntry("gpus", 4).containsEntry("cpu", "64").containsEntry("memory", "256Gi");
    assertThat(Chart.<String>at(config, "incline.jobs.agent-url")).isEqualTo("http://incline-job-service.incline.svc:8081");
    assertThat(Chart.<String>at(config, "incline.jobs.storage-url")).isEqualTo("http://incline-storage-service:8082");
    assertThat(Chart.<String>at(gpu.config("job-service"), "incline.jobs.storage-url"))
        .isEqualTo("http://incline-storage-service:8082");
    assertThat(Chart.<Map<String, Object>>at(config, "incline.jobs")).as("local runtimes only")
        .doesNotContainKey("dataset-cache");
    assertThat(Chart.<List<Map<String, Object>>>at(config, "incline.machine-types"))
        .extracting(m -> m.get("name")).containsExactly("C3", "C5", "C7");
    assertThat(Chart.<Map<String, Object>>at(config, "incline.machine-types.0"))
        .containsEntry("cpu", 2).containsEntry("memory-gib", 4);
  }

  @Test
  void deploymentServiceRunsModelDeploymentsWithJobServicesKubernetesSettings() {
    for (Chart chart : List.of(defaults, gpu)) {
      Map<String, Object> config = chart.config("deployment-service");
      // the same team namespaces, quotas, workload role and controller ServiceAccount: both services converge
      // a team's namespace, and must converge it to the same objects
      assertThat(Chart.<Map<String, Object>>at(config, "incline.compute"))
          .isEqualTo(Chart.<Map<String, Object>>at(chart.config("job-service"), "incline.compute"));
      assertThat(Chart.<String>at(config, "incline.compute.runtime")).isEqualTo("kubernetes");
      assertThat(Chart.<String>at(config, "incline.compute.kubernetes.controller-service-account"))
          .isEqualTo("incline-job-service");
      assertThat(Chart.<String>at(config, "incline.compute.kubernetes.workload-cluster-role")).isEqualTo("incline-workloads");
      assertThat(Chart.<String>at(config, "incline.deployments.services.jobs")).isEqualTo("http://incline-job-service:8081");
      assertThat(Chart.<String>at(config, "incline.deployments.services.models")).isEqualTo("http://incline-model-registry:8083");
      assertThat(Chart.<String>at(config, "incline.deployments.agent-url"))
          .as("reached from the team namespaces: fully qualified").isEqualTo("http://incline-deployment-service.incline.svc:8084");
      assertThat(Chart.<Map<String, Object>>at(config, "incline")).as("model files come through model-registry's presigned URLs")
          .doesNotContainKey("s3");
      Map<String, EnvVar> env = env(chart.get(Deployment.class, "incline-deployment-service"));
      assertThat(env).containsKeys("INCLINE_INTERNAL_TOKEN_SECRET", "SPRING_DATASOURCE_PASSWORD", "POD_NAMESPACE")
          .doesNotContainKeys("INCLINE_S3_ACCESS_KEY", "INCLINE_S3_SECRET_KEY", "ENCRYPTION_KEY");
      assertThat(container(chart.get(Deployment.class, "incline-deployment-service")).getImage())
          .endsWith("/incline-deployment-service:0.1.0");
    }
    Map<String, Object> config = defaults.config("deployment-service");
    assertThat(Chart.<String>at(config, "incline.deployments.model-server.image"))
        .isEqualTo("docker.io/incline/incline-model-server:0.1.0");
    assertThat(Chart.<Map<String, Object>>at(config, "incline.deployments")).containsEntry("reconcile-interval", "2s")
        .containsEntry("ready-timeout", "10m").containsEntry("max-replicas", 16).containsEntry("model-token-ttl", "24h");
    assertThat(Chart.<Map<String, Object>>at(config, "incline.compute.kubernetes.quota.default"))
        .containsEntry("gpus", 4).containsEntry("cpu", "64").containsEntry("memory", "256Gi");
    Map<String, Object> gpuConfig = gpu.config("deployment-service");
    assertThat(Chart.<String>at(gpuConfig, "incline.deployments.model-server.image"))
        .isEqualTo("registry.example.com/incline/incline-model-server:0.1.0");
    assertThat(Chart.<Map<String, Object>>at(gpuConfig, "incline.compute.kubernetes.quota.teams"))
        .containsOnlyKeys("[team_research]", "[team_inference]");
    assertThat(Chart.<Map<String, Object>>at(gpuConfig, "incline.compute.kubernetes.quota.default")).containsEntry("gpus", 2);

    Chart moved = Chart.render(t -> t.set("deploymentService.port", 9084).set("fullnameOverride", "ml"));
    Map<String, Object> movedConfig = new org.yaml.snakeyaml.Yaml().load(
        moved.get(ConfigMap.class, "ml-deployment-service").getData().get("deployment-service.yaml"));
    assertThat(Chart.<String>at(movedConfig, "incline.deployments.agent-url")).isEqualTo("http://ml-deployment-service.incline.svc:9084");
    assertThat(Chart.<String>at(movedConfig, "incline.compute.kubernetes.controller-service-account")).isEqualTo("ml-job-service");
    assertThat(moved.get(Service.class, "ml-deployment-service").getSpec().getPorts().getFirst().getPort()).isEqualTo(9084);
  }

  @Test
  void notebookServiceRunsNotebooksWithJobServicesKubernetesSettings() {
    for (Chart chart : List.of(defaults, gpu)) {
      Map<String, Object> config = chart.config("notebook-service");
      // the same team namespaces, quotas, workload role and controller ServiceAccount: all three services
      // converge a team's namespace, and must converge it to the same objects
      assertThat(Chart.<Map<String, Object>>at(config, "incline.compute"))
          .isEqualTo(Chart.<Map<String, Object>>at(chart.config("job-service"), "incline.compute"))
          .isEqualTo(Chart.<Map<String, Object>>at(chart.config("deployment-service"), "incline.compute"));
      assertThat(Chart.<String>at(config, "incline.compute.runtime")).isEqualTo("kubernetes");
      assertThat(Chart.<String>at(config, "incline.compute.kubernetes.controller-service-account"))
          .isEqualTo("incline-job-service");
      assertThat(Chart.<String>at(config, "incline.notebooks.services.jobs")).isEqualTo("http://incline-job-service:8081");
      assertThat(Chart.<String>at(config, "incline.notebooks.services.storage")).isEqualTo("http://incline-storage-service:8082");
      // where a notebook pod's agent fetches the dataset inputs
      assertThat(Chart.<String>at(config, "incline.notebooks.agent-url")).isEqualTo("http://incline-notebook-service.incline.svc:8085");
      assertThat(Chart.<Map<String, Object>>at(config, "incline")).as("notebook-service never talks to the object store")
          .doesNotContainKey("s3");
      assertThat(Chart.<Map<String, Object>>at(config, "incline.notebooks")).as("local runtimes only")
          .doesNotContainKey("dataset-cache");
      Deployment deployment = chart.get(Deployment.class, "incline-notebook-service");
      Map<String, EnvVar> env = env(deployment);
      assertThat(env).containsKeys("INCLINE_INTERNAL_TOKEN_SECRET", "SPRING_DATASOURCE_PASSWORD", "POD_NAMESPACE")
          .doesNotContainKeys("INCLINE_S3_ACCESS_KEY", "INCLINE_S3_SECRET_KEY", "ENCRYPTION_KEY");
      assertThat(env.get("INCLINE_INTERNAL_TOKEN_SECRET").getValueFrom().getSecretKeyRef().getName())
          .isEqualTo("incline-internal-token");
      assertThat(container(deployment).getPorts()).singleElement().satisfies(p -> {
        assertThat(p.getName()).isEqualTo("http");
        assertThat(p.getContainerPort()).isEqualTo(8085);
      });
      assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/component", "notebook-service");
    }
    Map<String, Object> notebooks = at(defaults.config("notebook-service"), "incline.notebooks");
    assertThat(notebooks).containsEntry("image", "quay.io/jupyter/base-notebook:2025-03-14").containsEntry("port", 8888)
        .containsEntry("default-machine-type", "C3").containsEntry("reconcile-interval", "2s")
        .containsEntry("start-timeout", "10m").containsEntry("stop-grace", "10s")
        .containsEntry("auto-shutdown", Map.of("default-hours", 12, "max-hours", 72))
        .containsEntry("idle", Map.of("timeout", "1h", "check-interval", "30s"));
    assertThat(Chart.<String>at(gpu.config("notebook-service"), "incline.notebooks.default-machine-type"))
        .as("jobService.defaultMachineType when notebooks name none").isEqualTo("C5");
    assertThat(Chart.<Map<String, Object>>at(gpu.config("notebook-service"), "incline.compute.kubernetes.quota.teams"))
        .containsOnlyKeys("[team_research]", "[team_inference]");
    assertThat(gpu.get(Deployment.class, "incline-notebook-service").getSpec().getTemplate().getSpec().getNodeSelector())
        .containsEntry("kubernetes.io/os", "linux");

    Chart custom = Chart.render(t -> t.set("notebooks.image", "registry.example.com/ml/notebook:2025.1")
        .set("notebooks.defaultMachineType", "C7").set("notebooks.autoShutdown.defaultHours", 4)
        .set("notebooks.autoShutdown.maxHours", 24).set("notebooks.idle.timeout", "0")
        .set("notebookService.port", 9085).set("fullnameOverride", "ml"));
    Map<String, Object> customConfig = new org.yaml.snakeyaml.Yaml().load(
        custom.get(ConfigMap.class, "ml-notebook-service").getData().get("notebook-service.yaml"));
    assertThat(Chart.<Map<String, Object>>at(customConfig, "incline.notebooks"))
        .containsEntry("image", "registry.example.com/ml/notebook:2025.1").containsEntry("default-machine-type", "C7")
        .containsEntry("auto-shutdown", Map.of("default-hours", 4, "max-hours", 24));
    assertThat(Chart.<String>at(customConfig, "incline.notebooks.idle.timeout")).as("culling off").isEqualTo("0");
    assertThat(Chart.<String>at(customConfig, "incline.compute.kubernetes.controller-service-account")).isEqualTo("ml-job-service");
    assertThat(custom.get(Service.class, "ml-notebook-service").getSpec().getPorts().getFirst().getPort()).isEqualTo(9085);
    assertThat(Chart.<String>at(customConfig, "incline.notebooks.agent-url")).isEqualTo("http://ml-notebook-service.incline.svc:9085");
    assertThat(container(custom.get(Deployment.class, "ml-notebook-service")).getPorts().getFirst().getContainerPort())
        .isEqualTo(9085);
  }

  @Test
  void notebookAutoShutdownDefaultMustBeWithinItsMaximum() {
    // notebook-service refuses to start with such a configuration: the chart says so at install time
    assertThatThrownBy(() -> Chart.render(t -> t.set("notebooks.autoShutdown.defaultHours", 100)))
        .hasMessageContaining("notebooks.autoShutdown.defaultHours must be between 1 and notebooks.autoShutdown.maxHours (72): 100");
    assertThatThrownBy(() -> Chart.render(t -> t.set("notebooks.autoShutdown.defaultHours", 0)))
        .hasMessageContaining("notebooks.autoShutdown.defaultHours must be between 1");
    Chart longer = Chart.render(t -> t.set("notebooks.autoShutdown.defaultHours", 100).set("notebooks.autoShutdown.maxHours", 168));
    assertThat(Chart.<Integer>at(longer.config("notebook-service"), "incline.notebooks.auto-shutdown.default-hours")).isEqualTo(100);
  }

  @Test
  void eachServiceHasItsOwnSchema() {
    Map<String, Object> jobs = defaults.config("job-service");
    Map<String, Object> gateway = defaults.config("api-gateway");
    Map<String, Object> storage = defaults.config("storage-service");
    assertThat(Chart.<String>at(storage, "spring.datasource.url"))
        .isEqualTo("jdbc:postgresql://postgresql:5432/incline?currentSchema=storage");
    assertThat(Chart.<String>at(storage, "spring.datasource.username")).isEqualTo("incline");
    assertThat(Chart.<String>at(storage, "spring.flyway.schemas")).isEqualTo("storage");
    assertThat(Chart.<String>at(storage, "spring.flyway.default-schema")).isEqualTo("storage");
    assertThat(Chart.<String>at(jobs, "spring.datasource.url"))
        .isEqualTo("jdbc:postgresql://postgresql:5432/incline?currentSchema=jobs");
    assertThat(Chart.<String>at(jobs, "spring.flyway.schemas")).isEqualTo("jobs");
    assertThat(Chart.<String>at(gateway, "spring.datasource.url"))
        .isEqualTo("jdbc:postgresql://postgresql:5432/incline?currentSchema=gateway");
    assertThat(Chart.<String>at(gateway, "spring.flyway.schemas")).isEqualTo("gateway");
    assertThat(Chart.<String>at(gpu.config("job-service"), "spring.datasource.url"))
        .as("parameters already in the URL are kept")
        .isEqualTo("jdbc:postgresql://postgres.db.svc:5432/incline?sslmode=require&currentSchema=jobs");
    assertThat(Chart.<String>at(gpu.config("storage-service"), "spring.datasource.url"))
        .isEqualTo("jdbc:postgresql://postgres.db.svc:5432/incline?sslmode=require&currentSchema=storage");
    Map<String, Object> registry = defaults.config("model-registry");
    assertThat(Chart.<String>at(registry, "spring.datasource.url"))
        .isEqualTo("jdbc:postgresql://postgresql:5432/incline?currentSchema=registry");
    assertThat(Chart.<String>at(registry, "spring.datasource.username")).isEqualTo("incline");
    assertThat(Chart.<String>at(registry, "spring.flyway.schemas")).isEqualTo("registry");
    assertThat(Chart.<String>at(registry, "spring.flyway.default-schema")).isEqualTo("registry");
    assertThat(Chart.<String>at(gpu.config("model-registry"), "spring.datasource.url"))
        .isEqualTo("jdbc:postgresql://postgres.db.svc:5432/incline?sslmode=require&currentSchema=registry");
    Map<String, Object> deployments = defaults.config("deployment-service");
    assertThat(Chart.<String>at(deployments, "spring.datasource.url"))
        .isEqualTo("jdbc:postgresql://postgresql:5432/incline?currentSchema=deployments");
    assertThat(Chart.<String>at(deployments, "spring.datasource.username")).isEqualTo("incline");
    assertThat(Chart.<String>at(deployments, "spring.flyway.schemas")).isEqualTo("deployments");
    assertThat(Chart.<String>at(deployments, "spring.flyway.default-schema")).isEqualTo("deployments");
    assertThat(Chart.<String>at(gpu.config("deployment-service"), "spring.datasource.url"))
        .isEqualTo("jdbc:postgresql://postgres.db.svc:5432/incline?sslmode=require&currentSchema=deployments");
    Map<String, Object> notebooks = defaults.config("notebook-service");
    assertThat(Chart.<String>at(notebooks, "spring.datasource.url"))
        .isEqualTo("jdbc:postgresql://postgresql:5432/incline?currentSchema=notebooks");
    assertThat(Chart.<String>at(notebooks, "spring.datasource.username")).isEqualTo("incline");
    assertThat(Chart.<String>at(notebooks, "spring.flyway.schemas")).isEqualTo("notebooks");
    assertThat(Chart.<String>at(notebooks, "spring.flyway.default-schema")).isEqualTo("notebooks");
    assertThat(Chart.<String>at(gpu.config("notebook-service"), "spring.datasource.url"))
        .isEqualTo("jdbc:postgresql://postgres.db.svc:5432/incline?sslmode=require&currentSchema=notebooks");
  }

  @Test
  void gatewayRoutesToTheServicesOfItsRelease() {
    Map<String, Object> config = defaults.config("api-gateway");
    assertThat(Chart.<String>at(config, "incline.gateway.services.jobs")).isEqualTo("http://incline-job-service:8081");
    assertThat(Chart.<String>at(config, "incline.gateway.services.storage")).isEqualTo("http://incline-storage-service:8082");
    assertThat(Chart.<String>at(gpu.config("api-gateway"), "incline.gateway.services.storage"))
        .isEqualTo("http://incline-storage-service:8082");
    assertThat(Chart.<String>at(config, "incline.gateway.services.models")).isEqualTo("http://incline-model-registry:8083");
    assertThat(Chart.<String>at(gpu.config("api-gateway"), "incline.gateway.services.models"))
        .isEqualTo("http://incline-model-registry:8083");
    assertThat(Chart.<String>at(config, "incline.gateway.services.deployments")).isEqualTo("http://incline-deployment-service:8084");
    assertThat(Chart.<String>at(gpu.config("api-gateway"), "incline.gateway.services.deployments"))
        .isEqualTo("http://incline-deployment-service:8084");
    assertThat(Chart.<String>at(config, "incline.gateway.services.notebooks")).isEqualTo("http://incline-notebook-service:8085");
    assertThat(Chart.<String>at(gpu.config("api-gateway"), "incline.gateway.services.notebooks"))
        .isEqualTo("http://incline-notebook-service:8085");
    String renamed = Chart.render(t -> t.set("fullnameOverride", "ml")).get(ConfigMap.class, "ml-api-gateway")
        .getData().get("api-gateway.yaml");
    assertThat(Chart.<String>at(new org.yaml.snakeyaml.Yaml().load(renamed), "incline.gateway.services.storage"))
        .isEqualTo("http://ml-storage-service:8082");
    assertThat(Chart.<String>at(new org.yaml.snakeyaml.Yaml().load(renamed), "incline.gateway.services.models"))
        .isEqualTo("http://ml-model-registry:8083");
    assertThat(Chart.<String>at(new org.yaml.snakeyaml.Yaml().load(renamed), "incline.gateway.services.deployments"))
        .isEqualTo("http://ml-deployment-service:8084");
    assertThat(Chart.<String>at(new org.yaml.snakeyaml.Yaml().load(renamed), "incline.gateway.services.notebooks"))
        .isEqualTo("http://ml-notebook-service:8085");
    String moved = Chart.render(t -> t.set("notebookService.port", 9085)).get(ConfigMap.class, "incline-api-gateway")
        .getData().get("api-gateway.yaml");
    assertThat(Chart.<String>at(new org.yaml.snakeyaml.Yaml().load(moved), "incline.gateway.services.notebooks"))
        .isEqualTo("http://incline-notebook-service:9085");
    assertThat(Chart.<String>at(config, "incline.gateway.bootstrap.team")).isEqualTo("default");
    assertThat(env(defaults.get(Deployment.class, "incline-api-gateway"))).doesNotContainKey("INCLINE_GATEWAY_BOOTSTRAP_API_KEY");
  }

  @Test
  void aFixedAdministratorKeyComesFromAnExistingSecret() {
    Chart chart = Chart.render(t -> t.set("apiGateway.bootstrap.existingSecret", "incline-admin"));
    EnvVar key = env(chart.get(Deployment.class, "incline-api-gateway")).get("INCLINE_GATEWAY_BOOTSTRAP_API_KEY");
    assertThat(key.getValueFrom().getSecretKeyRef().getName()).isEqualTo("incline-admin");
    assertThat(key.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("apiKey");
  }

  @Test
  void onlyJobServiceDeploymentServiceAndNotebookServiceUseTheControllerServiceAccount() {
    assertThat(defaults.all(ServiceAccount.class)).extracting(a -> a.getMetadata().getName())
        .as("one identity on the cluster").containsExactly("incline-job-service");
    PodSpec jobs = defaults.get(Deployment.class, "incline-job-service").getSpec().getTemplate().getSpec();
    assertThat(jobs.getServiceAccountName()).isEqualTo("incline-job-service");
    assertThat(jobs.getAutomountServiceAccountToken()).isTrue();
    // both converge each team namespace's RoleBinding incline-controller to their controller ServiceAccount:
    // two ServiceAccounts would take it from each other
    for (Chart chart : List.of(defaults, gpu)) {
      PodSpec deployments = chart.get(Deployment.class, "incline-deployment-service").getSpec().getTemplate().getSpec();
      assertThat(deployments.getServiceAccountName()).isEqualTo("incline-job-service");
      assertThat(deployments.getAutomountServiceAccountToken()).as("deployment-service talks to the Kubernetes API").isTrue();
      PodSpec notebooks = chart.get(Deployment.class, "incline-notebook-service").getSpec().getTemplate().getSpec();
      assertThat(notebooks.getServiceAccountName()).isEqualTo("incline-job-service");
      assertThat(notebooks.getAutomountServiceAccountToken()).as("notebook-service talks to the Kubernetes API").isTrue();
    }
    Chart renamedChart = Chart.render(t -> t.set("fullnameOverride", "ml"));
    PodSpec renamed = renamedChart.get(Deployment.class, "ml-deployment-service").getSpec().getTemplate().getSpec();
    assertThat(renamed.getServiceAccountName()).isEqualTo("ml-job-service");
    assertThat(renamedChart.get(Deployment.class, "ml-notebook-service").getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("ml-job-service");
    PodSpec gateway = defaults.get(Deployment.class, "incline-api-gateway").getSpec().getTemplate().getSpec();
    assertThat(gateway.getServiceAccountName()).isNull();
    assertThat(gateway.getAutomountServiceAccountToken()).isFalse();
    PodSpec storage = defaults.get(Deployment.class, "incline-storage-service").getSpec().getTemplate().getSpec();
    assertThat(storage.getServiceAccountName()).isNull();
    assertThat(storage.getAutomountServiceAccountToken()).as("storage-service never talks to the Kubernetes API").isFalse();
    PodSpec registry = defaults.get(Deployment.class, "incline-model-registry").getSpec().getTemplate().getSpec();
    assertThat(registry.getServiceAccountName()).isNull();
    assertThat(registry.getAutomountServiceAccountToken()).as("model-registry never talks to the Kubernetes API").isFalse();
  }

  @Test
  void modelRegistryKnowsJobServiceStorageServiceAndTheObjectStore() {
    for (Chart chart : List.of(defaults, gpu)) {
      Map<String, Object> config = chart.config("model-registry");
      assertThat(Chart.<String>at(config, "incline.registry.services.jobs")).isEqualTo("http://incline-job-service:8081");
      // versions registered from jobs mark their input dataset versions used in storage-service
      assertThat(Chart.<String>at(config, "incline.registry.services.storage")).isEqualTo("http://incline-storage-service:8082");
      assertThat(Chart.<Map<String, Object>>at(config, "incline.s3")).containsKeys("region", "bucket", "path-style")
          .isEqualTo(Chart.<Map<String, Object>>at(chart.config("job-service"), "incline.s3"));
      assertThat(Chart.<Map<String, Object>>at(config, "incline.registry")).containsEntry("presign-ttl", "1h")
          .containsEntry("max-upload-size", "10GB");
      Map<String, EnvVar> env = env(chart.get(Deployment.class, "incline-model-registry"));
      assertThat(env).containsKeys("INCLINE_S3_ACCESS_KEY", "INCLINE_S3_SECRET_KEY", "INCLINE_INTERNAL_TOKEN_SECRET",
          "SPRING_DATASOURCE_PASSWORD");
      assertThat(env).as("model-registry seals nothing").doesNotContainKey("ENCRYPTION_KEY");
      assertThat(container(chart.get(Deployment.class, "incline-model-registry")).getImage()).endsWith("/incline-model-registry:0.1.0");
    }
    assertThat(Chart.<String>at(gpu.config("model-registry"), "incline.s3.endpoint")).isEqualTo("https://s3.example.com");
    assertThat(Chart.<String>at(gpu.config("model-registry"), "incline.s3.bucket")).isEqualTo("incline-prod");
  }

  @Test
  void modelRegistrySpoolsUploadsOnASizedTmp() {
    // uploads are written whole to /tmp before they go to S3: its emptyDir must hold several of the largest
    assertThat(tmpSizeLimit(defaults, "model-registry")).isEqualTo("20Gi");
    assertThat(tmpSizeLimit(gpu, "model-registry")).isEqualTo("20Gi");
    for (String service : List.of("api-gateway", "job-service", "storage-service", "deployment-service", "notebook-service")) {
      assertThat(tmpSizeLimit(defaults, service)).as(service).isEqualTo("1Gi");
    }
    Chart chart = Chart.render(t -> t.set("modelRegistry.tmpSizeLimit", "50Gi").set("modelRegistry.maxUploadSize", "20GB"));
    assertThat(tmpSizeLimit(chart, "model-registry")).isEqualTo("50Gi");
    assertThat(Chart.<String>at(chart.config("model-registry"), "incline.registry.max-upload-size")).isEqualTo("20GB");
    assertThat(tmpSizeLimit(chart, "storage-service")).isEqualTo("1Gi");
  }

  private static String tmpSizeLimit(Chart chart, String service) {
    Deployment deployment = chart.get(Deployment.class, "incline-" + service);
    String volume = container(deployment).getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp"))
        .findFirst().orElseThrow().getName();
    return deployment.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getName().equals(volume))
        .findFirst().orElseThrow().getEmptyDir().getSizeLimit().toString();
  }

  @Test
  void storageServiceKnowsJobServiceAndTheObjectStore() {
    for (Chart chart : List.of(defaults, gpu)) {
      Map<String, Object> config = chart.config("storage-service");
      assertThat(Chart.<String>at(config, "incline.storage.services.jobs")).isEqualTo("http://incline-job-service:8081");
      assertThat(Chart.<Map<String, Object>>at(config, "incline.s3")).containsKeys("region", "bucket", "path-style")
          .isEqualTo(Chart.<Map<String, Object>>at(chart.config("job-service"), "incline.s3"));
      assertThat(Chart.<Map<String, Object>>at(config, "incline.storage")).containsEntry("presign-ttl", "1h")
          .containsEntry("upload-part-size", "64MB").containsEntry("stream-part-size", "8MB")
          .containsEntry("max-files-per-version", 100000);
    }
    assertThat(Chart.<String>at(gpu.config("storage-service"), "incline.s3.endpoint")).isEqualTo("https://s3.example.com");
  }

  @Test
  void storageServiceConfigReferencesItsEncryptionKeyWithoutHoldingIt() {
    Map<String, Object> config = defaults.config("storage-service");
    assertThat(Chart.<String>at(config, "incline.storage.encryption.active-key")).isEqualTo("k1");
    assertThat(Chart.<Map<String, Object>>at(config, "incline.storage.encryption.keys"))
        .containsExactly(Map.entry("[k1]", "${ENCRYPTION_KEY}"));
    EnvVar key = env(defaults.get(Deployment.class, "incline-storage-service")).get("ENCRYPTION_KEY");
    assertThat(key.getValueFrom().getSecretKeyRef().getName()).isEqualTo("incline-storage-encryption");
    assertThat(key.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("encryption-key");
    assertThat(defaults.get(Secret.class, "incline-storage-encryption").getMetadata().getAnnotations())
        .containsEntry("incline.dev/key-id", "k1");

    // values-gpu.yaml: the operator's own Secret
    EnvVar own = env(gpu.get(Deployment.class, "incline-storage-service")).get("ENCRYPTION_KEY");
    assertThat(own.getValueFrom().getSecretKeyRef().getName()).isEqualTo("incline-storage-encryption-k1");
    assertThat(own.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("encryption-key");
    assertThat(gpu.all(Secret.class)).extracting(s -> s.getMetadata().getName()).doesNotContain("incline-storage-encryption");
    assertThat(env(defaults.get(Deployment.class, "incline-job-service"))).as("only storage-service holds the key")
        .doesNotContainKey("ENCRYPTION_KEY");
    assertThat(env(defaults.get(Deployment.class, "incline-api-gateway"))).doesNotContainKey("ENCRYPTION_KEY");
    assertThat(env(defaults.get(Deployment.class, "incline-model-registry"))).doesNotContainKey("ENCRYPTION_KEY");
  }

  @Test
  void encryptionKeyIsGeneratedOnInstallAndKeptOnUpgrade() {
    Secret generated = defaults.get(Secret.class, "incline-storage-encryption");
    String key = decoded(generated, "encryption-key");
    assertThat(Base64.getDecoder().decode(key)).as("an AES-256 key").hasSize(32);
    assertThat(generated.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
    assertThat(decoded(Chart.render().get(Secret.class, "incline-storage-encryption"), "encryption-key"))
        .as("a fresh install gets a fresh key").isNotEqualTo(key);

    FakeApiServer.existsOnce(new SecretBuilder(generated).build());
    assertThat(decoded(Chart.render().get(Secret.class, "incline-storage-encryption"), "encryption-key"))
        .as("an upgrade keeps the key in the cluster").isEqualTo(key);

    FakeApiServer.existsOnce(new SecretBuilder(generated).build());
    assertThatThrownBy(() -> Chart.render(t -> t.set("storageService.encryption.keyId", "k2")))
        .as("a new id on the same key would orphan every value sealed under k1")
        .hasMessageContaining("changing the id does not change the key");
  }

  @Test
  void anExplicitEncryptionKeyMustBe32Bytes() {
    String key = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
    Chart chart = Chart.render(t -> t.set("storageService.encryption.key", key).set("storageService.encryption.keyId", "prod-2025"));
    assertThat(decoded(chart.get(Secret.class, "incline-storage-encryption"), "encryption-key")).isEqualTo(key);
    assertThat(Chart.<String>at(chart.config("storage-service"), "incline.storage.encryption.active-key")).isEqualTo("prod-2025");
    assertThat(chart.yaml).as("only in the Secret, base64-encoded once more").doesNotContain(key);

    String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
    assertThatThrownBy(() -> Chart.render(t -> t.set("storageService.encryption.key", shortKey)))
        .hasMessageContaining("must be base64 of 32 bytes");
    assertThatThrownBy(() -> Chart.render(t -> t.set("storageService.encryption.keyId", "k.1")))
        .hasMessageContaining("must be letters, digits");
  }

  @Test
  void rotationKeepsThePreviousKeysReadable() {
    Chart chart = Chart.render(t -> t.set("storageService.encryption.keyId", "k2")
        .set("storageService.encryption.existingSecret", "incline-storage-encryption-k2")
        .set("storageService.encryption.previousKeys[0].id", "k1")
        .set("storageService.encryption.previousKeys[0].existingSecret", "incline-storage-encryption"));
    assertThat(Chart.<String>at(chart.config("storage-service"), "incline.storage.encryption.active-key")).isEqualTo("k2");
    assertThat(Chart.<Map<String, Object>>at(chart.config("storage-service"), "incline.storage.encryption.keys"))
        .containsOnly(Map.entry("[k2]", "${ENCRYPTION_KEY}"), Map.entry("[k1]", "${ENCRYPTION_KEY_PREVIOUS_0}"));
    Map<String, EnvVar> env = env(chart.get(Deployment.class, "incline-storage-service"));
    assertThat(env.get("ENCRYPTION_KEY").getValueFrom().getSecretKeyRef().getName()).isEqualTo("incline-storage-encryption-k2");
    assertThat(env.get("ENCRYPTION_KEY_PREVIOUS_0").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("incline-storage-encryption");
    assertThat(env.get("ENCRYPTION_KEY_PREVIOUS_0").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("encryption-key");
    assertThat(chart.all(Secret.class)).extracting(s -> s.getMetadata().getName())
        .as("the old generated Secret is kept by its resource policy, not rendered").doesNotContain("incline-storage-encryption");

    assertThatThrownBy(() -> Chart.render(t -> t.set("storageService.encryption.keyId", "k2")
        .set("storageService.encryption.previousKeys[0].id", "k1")
        .set("storageService.encryption.previousKeys[0].existingSecret", "incline-storage-encryption")))
        .as("the chart's own Secret cannot hold the new and the old key at once").hasMessageContaining("still holds the active key");
    assertThatThrownBy(() -> Chart.render(t -> t.set("storageService.encryption.existingSecret", "k")
        .set("storageService.encryption.previousKeys[0].id", "k1")
        .set("storageService.encryption.previousKeys[0].existingSecret", "old")))
        .hasMessageContaining("\"k1\" is used twice");
  }

  @Test
  void controllerClusterRoleHasOnlyNamespacesRoleBindingsAndBindOnTheWorkloadRole() {
    ClusterRole role = defaults.get(ClusterRole.class, "incline-controller");
    assertThat(role.getRules()).hasSize(3);
    assertThat(rule(role, "", "namespaces").getVerbs()).containsExactlyInAnyOrder("get", "list", "watch", "create", "patch");
    assertThat(rule(role, "rbac.authorization.k8s.io", "rolebindings").getVerbs())
        .containsExactlyInAnyOrder("get", "create", "patch");
    PolicyRule bind = rule(role, "rbac.authorization.k8s.io", "clusterroles");
    assertThat(bind.getVerbs()).containsExactly("bind");
    assertThat(bind.getResourceNames()).containsExactly("incline-workloads");

    ClusterRoleBinding binding = defaults.get(ClusterRoleBinding.class, "incline-controller");
    assertThat(binding.getRoleRef().getName()).isEqualTo("incline-controller");
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getName()).isEqualTo("incline-job-service");
      assertThat(s.getNamespace()).isEqualTo("incline");
    });
  }

  @Test
  void workloadClusterRoleHasTheContractedVerbsAndIsNeverBoundClusterWide() {
    ClusterRole role = defaults.get(ClusterRole.class, "incline-workloads");
    Map<String, List<String>> granted = role.getRules().stream()
        .flatMap(r -> r.getResources().stream().map(res -> Map.entry(
            (r.getApiGroups().getFirst().isEmpty() ? "" : r.getApiGroups().getFirst() + "/") + res, r.getVerbs())))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    assertThat(granted).containsOnlyKeys("batch/jobs", "apps/deployments", "autoscaling/horizontalpodautoscalers", "pods",
        "pods/log", "services", "secrets", "persistentvolumeclaims", "resourcequotas", "networking.k8s.io/networkpolicies",
        "kueue.x-k8s.io/localqueues");
    assertThat(granted.values()).allSatisfy(verbs -> assertThat(verbs).containsExactlyInAnyOrderElementsOf(WORKLOAD_VERBS));
    assertThat(defaults.all(ClusterRoleBinding.class)).noneMatch(b -> b.getRoleRef().getName().equals("incline-workloads"));
  }

  @Test
  void workloadClusterRoleLetsDeploymentServiceRunModelDeployments() {
    // what KubernetesServing does in a team namespace: Deployments, Services and HPAs created, replaced
    // (PUT) and deleted, the model token's Secret created, patched, listed and deleted, pods listed
    ClusterRole role = defaults.get(ClusterRole.class, "incline-workloads");
    assertThat(rule(role, "apps", "deployments").getVerbs()).containsExactlyInAnyOrderElementsOf(WORKLOAD_VERBS);
    assertThat(rule(role, "autoscaling", "horizontalpodautoscalers").getVerbs()).containsExactlyInAnyOrderElementsOf(WORKLOAD_VERBS);
    assertThat(rule(role, "", "services").getVerbs()).contains("get", "list", "create", "update", "delete");
    assertThat(rule(role, "", "secrets").getVerbs()).contains("get", "list", "create", "update", "patch", "delete");
    assertThat(rule(role, "", "pods").getVerbs()).contains("get", "list");
    assertThat(gpu.get(ClusterRole.class, "incline-workloads").getRules()).isEqualTo(role.getRules());
    assertThat(Chart.render(t -> t.set("rbac.create", false)).all(ClusterRole.class)).isEmpty();
  }

  @Test
  void workloadClusterRoleLetsNotebookServiceRunNotebooks() {
    // what the kubernetes runtime does for a notebook in a team namespace: its Pod, Service and token Secret
    // created, read, watched, patched and deleted, the Pod's log read when Jupyter does not come up
    ClusterRole role = defaults.get(ClusterRole.class, "incline-workloads");
    for (String resource : List.of("pods", "services", "secrets")) {
      assertThat(rule(role, "", resource).getVerbs()).as(resource)
          .contains("create", "get", "list", "watch", "delete", "patch");
    }
    assertThat(rule(role, "", "pods/log").getVerbs()).contains("get");
    assertThat(rule(role, "", "persistentvolumeclaims").getVerbs()).as("the team PVC on /storage").contains("get", "create");
    assertThat(gpu.get(ClusterRole.class, "incline-workloads").getRules()).isEqualTo(role.getRules());
  }

  @Test
  void noRoleGrantsWildcards() {
    for (Chart chart : List.of(defaults, gpu)) {
      assertThat(chart.all(ClusterRole.class)).flatExtracting(ClusterRole::getRules).allSatisfy(r -> {
        assertThat(r.getVerbs()).doesNotContain("*");
        assertThat(r.getResources()).doesNotContain("*");
        assertThat(r.getApiGroups()).doesNotContain("*");
      });
    }
  }

  @Test
  void ingressRoutesTheHostToTheGateway() {
    Ingress plain = defaults.get(Ingress.class, "incline-api-gateway");
    assertThat(plain.getSpec().getRules()).singleElement().satisfies(r -> {
      assertThat(r.getHost()).isEqualTo("incline.example.com");
      assertThat(r.getHttp().getPaths()).singleElement()
          .satisfies(p -> assertThat(p.getBackend().getService().getName()).isEqualTo("incline-api-gateway"));
    });
    assertThat(plain.getSpec().getTls()).isNullOrEmpty();
    // the API, inference on model deployments and notebooks all go through the gateway, which authenticates them
    for (String path : List.of("/api/v1/jobs", "/deployments/dep_01/v2/models/m/infer", "/notebooks/nb_01/lab")) {
      assertThat(backend(plain, path)).as(path).isEqualTo("incline-api-gateway");
    }

    Ingress tls = gpu.get(Ingress.class, "incline-api-gateway");
    assertThat(tls.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(tls.getSpec().getTls()).singleElement().satisfies(t -> {
      assertThat(t.getHosts()).containsExactly("incline.example.com");
      assertThat(t.getSecretName()).isEqualTo("incline-tls");
    });
    assertThat(tls.getMetadata().getAnnotations()).containsEntry("nginx.ingress.kubernetes.io/proxy-buffering", "off");

    assertThat(Chart.render(t -> t.set("ingress.enabled", false)).all(Ingress.class)).isEmpty();
  }

  @Test
  void ingressKeepsIdleNotebookWebSocketsOpen() {
    // ingress-nginx upgrades WebSockets by default, but closes one after 60 s without traffic: an idle
    // kernel's socket must survive, and so must a quiet log stream
    for (Chart chart : List.of(defaults, gpu)) {
      Ingress ingress = chart.get(Ingress.class, "incline-api-gateway");
      assertThat(ingress.getMetadata().getAnnotations())
          .containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600")
          .containsEntry("nginx.ingress.kubernetes.io/proxy-send-timeout", "3600");
      assertThat(backend(ingress, "/notebooks/nb_01/api/kernels/k1/channels")).isEqualTo("incline-api-gateway");
    }
    assertThat(gpu.get(Ingress.class, "incline-api-gateway").getMetadata().getAnnotations())
        .as("the values' own annotations are kept").containsEntry("nginx.ingress.kubernetes.io/proxy-buffering", "off")
        .containsEntry("cert-manager.io/cluster-issuer", "letsencrypt");

    Ingress day = Chart.render(t -> t.set("ingress.proxyTimeoutSeconds", 86400)).get(Ingress.class, "incline-api-gateway");
    assertThat(day.getMetadata().getAnnotations()).containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "86400")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-send-timeout", "86400");
    Ingress overridden = Chart.render(t -> t.set("ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/proxy-send-timeout", "600"))
        .get(Ingress.class, "incline-api-gateway");
    assertThat(overridden.getMetadata().getAnnotations()).as("ingress.annotations win")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-send-timeout", "600")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600");
    Ingress none = Chart.render(t -> t.set("ingress.proxyTimeoutSeconds", "null")).get(Ingress.class, "incline-api-gateway");
    assertThat(none.getMetadata().getAnnotations()).as("another controller's").isNullOrEmpty();
  }

  @Test
  void secretsAreReferencedNeverInlined() {
    Chart chart = Chart.render(t -> t.set("postgresql.password", "pg-password-4711")
        .set("s3.accessKey", "s3-access-4711").set("s3.secretKey", "s3-secret-4711"));
    for (String service : SERVICES) {
      Deployment deployment = chart.get(Deployment.class, "incline-" + service);
      String yaml = io.fabric8.kubernetes.client.utils.Serialization.asYaml(deployment);
      assertThat(yaml).doesNotContain("pg-password-4711", "s3-access-4711", "s3-secret-4711");
      Map<String, EnvVar> env = env(deployment);
      assertThat(env.get("SPRING_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef().getName()).isEqualTo("incline-postgresql");
      assertThat(env.get("INCLINE_INTERNAL_TOKEN_SECRET").getValueFrom().getSecretKeyRef().getName())
          .isEqualTo("incline-internal-token");
    }
    for (String service : SERVICES) {
      assertThat(chart.config(service).toString()).doesNotContain("4711");
    }
    for (String service : List.of("job-service", "storage-service", "model-registry")) {
      Map<String, EnvVar> env = env(chart.get(Deployment.class, "incline-" + service));
      assertThat(env.get("INCLINE_S3_ACCESS_KEY").getValueFrom().getSecretKeyRef().getName()).isEqualTo("incline-s3");
      assertThat(env.get("INCLINE_S3_ACCESS_KEY").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("accessKey");
      assertThat(env.get("INCLINE_S3_SECRET_KEY").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("secretKey");
    }
    assertThat(decoded(chart.get(Secret.class, "incline-s3"), "secretKey")).isEqualTo("s3-secret-4711");
    for (String service : List.of("api-gateway", "deployment-service", "notebook-service")) {
      assertThat(env(chart.get(Deployment.class, "incline-" + service)))
          .as("only job-service, storage-service and model-registry talk to S3").doesNotContainKeys("INCLINE_S3_ACCESS_KEY", "INCLINE_S3_SECRET_KEY");
    }
  }

  @Test
  void existingSecretsReplaceTheChartsOwn() {
    assertThat(gpu.all(Secret.class)).extracting(s -> s.getMetadata().getName()).containsExactly("incline-internal-token");
    for (String service : List.of("job-service", "storage-service", "model-registry")) {
      Map<String, EnvVar> env = env(gpu.get(Deployment.class, "incline-" + service));
      assertThat(env.get("SPRING_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef().getName())
          .isEqualTo("incline-postgresql-credentials");
      assertThat(env.get("INCLINE_S3_SECRET_KEY").getValueFrom().getSecretKeyRef().getName()).isEqualTo("incline-s3-credentials");
    }
    assertThat(env(gpu.get(Deployment.class, "incline-deployment-service")).get("SPRING_DATASOURCE_PASSWORD")
        .getValueFrom().getSecretKeyRef().getName()).isEqualTo("incline-postgresql-credentials");
    assertThat(env(gpu.get(Deployment.class, "incline-notebook-service")).get("SPRING_DATASOURCE_PASSWORD")
        .getValueFrom().getSecretKeyRef().getName()).isEqualTo("incline-postgresql-credentials");

    Chart own = Chart.render(t -> t.set("internalToken.existingSecret", "my-token"));
    assertThat(own.all(Secret.class)).extracting(s -> s.getMetadata().getName()).doesNotContain("incline-internal-token");
    assertThat(env(own.get(Deployment.class, "incline-api-gateway")).get("INCLINE_INTERNAL_TOKEN_SECRET")
        .getValueFrom().getSecretKeyRef().getName()).isEqualTo("my-token");
  }

  @Test
  void internalTokenKeyIsGeneratedOnInstallAndKeptOnUpgrade() {
    Secret generated = defaults.get(Secret.class, "incline-internal-token");
    String key = decoded(generated, "secret");
    assertThat(key).hasSize(48).matches("[A-Za-z0-9]+");
    assertThat(generated.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
    assertThat(decoded(Chart.render().get(Secret.class, "incline-internal-token"), "secret"))
        .as("a fresh install gets a fresh key").isNotEqualTo(key);

    FakeApiServer.existsOnce(new SecretBuilder(generated).build());
    assertThat(decoded(Chart.render().get(Secret.class, "incline-internal-token"), "secret"))
        .as("an upgrade keeps the key in the cluster").isEqualTo(key);
  }

  @Test
  void imagesComeFromValues() {
    assertThat(container(defaults.get(Deployment.class, "incline-job-service")).getImage())
        .isEqualTo("docker.io/incline/incline-job-service:0.1.0");
    assertThat(container(gpu.get(Deployment.class, "incline-api-gateway")).getImage())
        .isEqualTo("registry.example.com/incline/incline-api-gateway:0.1.0");
    assertThat(Chart.<String>at(gpu.config("job-service"), "incline.compute.kubernetes.agent-image"))
        .isEqualTo("registry.example.com/incline/incline-agent:0.1.0");
    assertThat(container(defaults.get(Deployment.class, "incline-storage-service")).getImage())
        .isEqualTo("docker.io/incline/incline-storage-service:0.1.0");
    assertThat(container(gpu.get(Deployment.class, "incline-storage-service")).getImage())
        .isEqualTo("registry.example.com/incline/incline-storage-service:0.1.0");
    assertThat(container(defaults.get(Deployment.class, "incline-model-registry")).getImage())
        .isEqualTo("docker.io/incline/incline-model-registry:0.1.0");
    assertThat(container(gpu.get(Deployment.class, "incline-model-registry")).getImage())
        .isEqualTo("registry.example.com/incline/incline-model-registry:0.1.0");
    assertThat(container(defaults.get(Deployment.class, "incline-deployment-service")).getImage())
        .isEqualTo("docker.io/incline/incline-deployment-service:0.1.0");
    assertThat(container(gpu.get(Deployment.class, "incline-deployment-service")).getImage())
        .isEqualTo("registry.example.com/incline/incline-deployment-service:0.1.0");
    assertThat(container(defaults.get(Deployment.class, "incline-notebook-service")).getImage())
        .isEqualTo("docker.io/incline/incline-notebook-service:0.1.0");
    assertThat(container(gpu.get(Deployment.class, "incline-notebook-service")).getImage())
        .isEqualTo("registry.example.com/incline/incline-notebook-service:0.1.0");

    Chart tagged = Chart.render(t -> t.set("image.registry", "r.local:5000/ml").set("image.tag", "1.2.3")
        .set("image.pullPolicy", "Always").set("agent.image.repository", "custom-agent")
        .set("modelServer.image.repository", "custom-model-server"));
    Container gateway = container(tagged.get(Deployment.class, "incline-api-gateway"));
    assertThat(gateway.getImage()).isEqualTo("r.local:5000/ml/incline-api-gateway:1.2.3");
    assertThat(gateway.getImagePullPolicy()).isEqualTo("Always");
    assertThat(Chart.<String>at(tagged.config("job-service"), "incline.compute.kubernetes.agent-image"))
        .isEqualTo("r.local:5000/ml/custom-agent:1.2.3");
    Map<String, Object> deployments = tagged.config("deployment-service");
    assertThat(Chart.<String>at(deployments, "incline.deployments.model-server.image")).isEqualTo("r.local:5000/ml/custom-model-server:1.2.3");
    assertThat(Chart.<String>at(deployments, "incline.compute.kubernetes.agent-image"))
        .as("the model init container").isEqualTo("r.local:5000/ml/custom-agent:1.2.3");
    assertThat(container(tagged.get(Deployment.class, "incline-deployment-service")).getImage())
        .isEqualTo("r.local:5000/ml/incline-deployment-service:1.2.3");
    assertThat(container(tagged.get(Deployment.class, "incline-notebook-service")).getImage())
        .isEqualTo("r.local:5000/ml/incline-notebook-service:1.2.3");
    assertThat(Chart.<String>at(tagged.config("notebook-service"), "incline.notebooks.image"))
        .as("a public Jupyter image: neither image.registry nor image.tag applies").isEqualTo("quay.io/jupyter/base-notebook:2025-03-14");
  }

  @Test
  void valuesNameTheModelServerImageForDeploymentService() throws java.io.IOException {
    // run by no Deployment of the chart: deployment-service starts it (incline.deployments.model-server.image)
    Map<String, Object> values = new org.yaml.snakeyaml.Yaml().load(java.nio.file.Files.readString(Chart.DIR.resolve("values.yaml")));
    assertThat(Chart.<String>at(values, "modelServer.image.repository")).isEqualTo("incline-model-server");
    assertThat(Chart.<String>at(values, "agent.image.repository")).isEqualTo("incline-agent");
    assertThat(Chart.<String>at(values, "storageService.image.repository")).isEqualTo("incline-storage-service");
    assertThat(Chart.<String>at(values, "modelRegistry.image.repository")).isEqualTo("incline-model-registry");
    assertThat(Chart.<String>at(values, "deploymentService.image.repository")).isEqualTo("incline-deployment-service");
    assertThat(Chart.<String>at(values, "notebookService.image.repository")).isEqualTo("incline-notebook-service");
    assertThat(defaults.all(Deployment.class)).flatExtracting(d -> d.getSpec().getTemplate().getSpec().getContainers())
        .extracting(Container::getImage).noneMatch(image -> image.contains("incline-model-server"))
        .as("notebook-service starts the notebook image").noneMatch(image -> image.contains("jupyter"));
  }

  @Test
  void gpuValuesPutNvidiaGpusIntoMachineTypesAndTeamQuotas() {
    Map<String, Object> config = gpu.config("job-service");
    Map<String, Object> k8s = at(config, "incline.compute.kubernetes");
    assertThat(k8s).containsEntry("gpu-resource", "nvidia.com/gpu").containsEntry("gpu-taint-key", "nvidia.com/gpu")
        .containsEntry("storage-class", "nfs-rwx");
    assertThat(Chart.<Boolean>at(k8s, "kueue.enabled")).isTrue();
    assertThat(Chart.<String>at(k8s, "kueue.cluster-queue")).isEqualTo("incline-gpu");
    assertThat(Chart.<Map<String, Object>>at(k8s, "quota.default")).containsEntry("gpus", 2);
    // team ids contain "_": bracket notation keeps them whole when Spring binds the map
    Map<String, Map<String, Object>> teams = at(k8s, "quota.teams");
    assertThat(teams).containsOnlyKeys("[team_research]", "[team_inference]");
    assertThat(teams.get("[team_research]")).containsEntry("gpus", 16).containsEntry("cpu", "256").containsEntry("memory", "2Ti");

    Map<String, Map<String, Object>> types = Chart.<List<Map<String, Object>>>at(config, "incline.machine-types").stream()
        .collect(Collectors.toMap(m -> (String) m.get("name"), Function.identity()));
    assertThat(types).containsKeys("C3", "A100", "A100x4", "H100", "H100x8");
    assertThat(types.get("C3")).doesNotContainKeys("gpu", "node-selector");
    assertThat(types.get("H100x8")).containsEntry("cpu", 160).containsEntry("memory-gib", 1800)
        .containsEntry("gpu", Map.of("count", 8, "model", "H100-80GB-HBM3"))
        .containsEntry("node-selector", Map.of("[nvidia.com/gpu.product]", "NVIDIA-H100-80GB-HBM3"));
    assertThat(types.get("A100")).containsEntry("node-selector", Map.of("[nvidia.com/gpu.product]", "NVIDIA-A100-SXM4-80GB"));
    assertThat(Chart.<String>at(config, "incline.jobs.default-machine-type")).isEqualTo("C5");
  }

  @Test
  void extraSpringPropertiesAreMergedIntoTheConfiguration() {
    Chart chart = Chart.render(t -> t.set("jobService.config.incline.jobs.max-retries", 3)
        .set("apiGateway.config.incline.gateway.key-cache-ttl", "30s")
        .set("storageService.config.incline.storage.presign-ttl", "15m")
        .set("modelRegistry.config.incline.registry.presign-ttl", "5m")
        .set("deploymentService.config.incline.deployments.drain-timeout", "10s")
        .set("notebookService.config.incline.notebooks.auto-shutdown.hour", "1m"));
    Map<String, Object> jobs = chart.config("job-service");
    assertThat(Chart.<Object>at(jobs, "incline.jobs.max-retries")).isEqualTo(3);
    assertThat(Chart.<String>at(jobs, "incline.jobs.agent-url")).as("kept").startsWith("http://incline-job-service");
    assertThat(Chart.<String>at(chart.config("api-gateway"), "incline.gateway.key-cache-ttl")).isEqualTo("30s");
    Map<String, Object> storage = chart.config("storage-service");
    assertThat(Chart.<String>at(storage, "incline.storage.presign-ttl")).isEqualTo("15m");
    assertThat(Chart.<String>at(storage, "incline.storage.services.jobs")).as("kept").isEqualTo("http://incline-job-service:8081");
    Map<String, Object> registry = chart.config("model-registry");
    assertThat(Chart.<String>at(registry, "incline.registry.presign-ttl")).isEqualTo("5m");
    assertThat(Chart.<String>at(registry, "incline.registry.max-upload-size")).as("kept").isEqualTo("10GB");
    Map<String, Object> deployments = chart.config("deployment-service");
    assertThat(Chart.<String>at(deployments, "incline.deployments.drain-timeout")).isEqualTo("10s");
    assertThat(Chart.<String>at(deployments, "incline.deployments.agent-url")).as("kept")
        .isEqualTo("http://incline-deployment-service.incline.svc:8084");
    Map<String, Object> notebooks = chart.config("notebook-service");
    assertThat(Chart.<String>at(notebooks, "incline.notebooks.auto-shutdown.hour")).isEqualTo("1m");
    assertThat(Chart.<Map<String, Object>>at(notebooks, "incline.notebooks.auto-shutdown")).as("kept")
        .containsEntry("default-hours", 12).containsEntry("max-hours", 72);
  }

  @Test
  void jobServiceReplicasLeaseJobsUnderTheirPodNames() {
    EnvVar replica = env(defaults.get(Deployment.class, "incline-job-service")).get("INCLINE_JOBS_REPLICA_ID");
    assertThat(replica.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
  }

  @Test
  void everyFieldIsKnownToTheKubernetesModel() {
    // a misspelt field (readOnlyRootFileSystem) would land in additionalProperties and be ignored by the cluster
    for (Chart chart : List.of(defaults, gpu)) {
      for (var object : chart.objects) {
        assertThat(unknownFields(object, object.getKind() + " " + object.getMetadata().getName()))
            .as("fields the Kubernetes model does not know").isEmpty();
      }
    }
  }

  private static List<String> unknownFields(Object node, String path) {
    List<String> unknown = new java.util.ArrayList<>();
    if (node == null) {
      return unknown;
    }
    if (node instanceof java.util.Collection<?> items) {
      items.forEach(i -> unknown.addAll(unknownFields(i, path + "[]")));
      return unknown;
    }
    if (node instanceof Map<?, ?> map) {
      map.values().forEach(v -> unknown.addAll(unknownFields(v, path + "{}")));
      return unknown;
    }
    if (!node.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
      return unknown;
    }
    for (var method : node.getClass().getMethods()) {
      if (method.getParameterCount() != 0 || !method.getName().startsWith("get") || method.getDeclaringClass() == Object.class) {
        continue;
      }
      try {
        Object value = method.invoke(node);
        if (method.getName().equals("getAdditionalProperties")) {
          if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
            unknown.add(path + ": " + extra.keySet());
          }
        } else {
          unknown.addAll(unknownFields(value, path + "." + method.getName().substring(3)));
        }
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }
    return unknown;
  }

  private static Container container(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
  }

  private static Map<String, EnvVar> env(Deployment deployment) {
    return container(deployment).getEnv().stream().collect(Collectors.toMap(EnvVar::getName, Function.identity()));
  }

  /** The Service an Ingress sends a request path to: the longest matching path (Prefix matches whole segments). */
  private static String backend(Ingress ingress, String path) {
    return ingress.getSpec().getRules().stream().flatMap(r -> r.getHttp().getPaths().stream())
        .filter(p -> p.getPathType().equals("Exact") ? path.equals(p.getPath())
            : p.getPath().equals("/") || path.equals(p.getPath()) || path.startsWith(p.getPath().replaceAll("/$", "") + "/"))
        .max(java.util.Comparator.comparingInt(p -> p.getPath().length()))
        .map(p -> p.getBackend().getService().getName()).orElse(null);
  }

  private static PolicyRule rule(ClusterRole role, String group, String resource) {
    return role.getRules().stream()
        .filter(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource))
        .reduce((a, b) -> { throw new AssertionError("two rules for " + resource); })
        .orElseThrow(() -> new AssertionError("no rule for " + resource));
  }

  private static String decoded(Secret secret, String key) {
    return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
  }
}
