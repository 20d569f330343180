package dev.incline.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.deployments.config.ComputeProperties;
import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.gateway.config.GatewayProperties;
import dev.incline.jobs.config.JobsProperties;
import dev.incline.jobs.config.KubernetesProperties;
import dev.incline.jobs.machine.MachineType;
import dev.incline.notebooks.config.NotebooksProperties;
import dev.incline.platform.s3.S3Properties;
import dev.incline.registry.config.RegistryProperties;
import dev.incline.storage.config.StorageProperties;
import dev.incline.storage.secret.SecretCipher;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.unit.DataSize;

/**
 * The rendered configuration files bound by Spring Boot's Binder to the services' own
 * {@code @ConfigurationProperties} records: the chart and the services agree on every name.
 */
class SpringBindingTest {

  private static Binder gpu;
  private static Binder defaults;
  private static Binder gateway;
  private static Binder gpuGateway;
  private static Binder storage;
  private static Binder gpuStorage;
  private static Binder registry;
  private static Binder gpuRegistry;
  private static Binder deployments;
  private static Binder gpuDeployments;
  private static Binder notebooks;
  private static Binder gpuNotebooks;
  private static String gatewayFile;
  private static String gpuGatewayFile;

  @BeforeAll
  static void load() {
    Chart gpuChart = Chart.render("values-gpu.yaml");
    Chart defaultChart = Chart.render();
    gpu = binder(file(gpuChart, "job-service"));
    defaults = binder(file(defaultChart, "job-service"));
    gateway = binder(file(defaultChart, "api-gateway"));
    gpuGateway = binder(file(gpuChart, "api-gateway"));
    // the pod's environment: ENCRYPTION_KEY as the Deployment fills it from the chart's generated Secret
    Secret key = defaultChart.get(Secret.class, Chart.RELEASE + "-storage-encryption");
    String encryptionKey = new String(Base64.getDecoder().decode(key.getData().get("encryption-key")), StandardCharsets.UTF_8);
    storage = binder(file(defaultChart, "storage-service"), Map.of("ENCRYPTION_KEY", encryptionKey));
    gpuStorage = binder(file(gpuChart, "storage-service"), Map.of());
    registry = binder(file(defaultChart, "model-registry"));
    gpuRegistry = binder(file(gpuChart, "model-registry"));
    deployments = binder(file(defaultChart, "deployment-service"));
    gpuDeployments = binder(file(gpuChart, "deployment-service"));
    notebooks = binder(file(defaultChart, "notebook-service"));
    gpuNotebooks = binder(file(gpuChart, "notebook-service"));
    gatewayFile = file(defaultChart, "api-gateway");
    gpuGatewayFile = file(gpuChart, "api-gateway");
  }

  @Test
  void kubernetesSettingsBindToJobServicesProperties() {
    KubernetesProperties k8s = gpu.bind("incline.compute.kubernetes", KubernetesProperties.class).get();
    assertThat(k8s.namespacePrefix()).isEqualTo("incline-");
    assertThat(k8s.agentImage()).isEqualTo("registry.example.com/incline/incline-agent:0.1.0");
    assertThat(k8s.workloadClusterRole()).isEqualTo("incline-workloads");
    assertThat(k8s.controllerServiceAccount()).isEqualTo("incline-job-service");
    assertThat(k8s.controllerNamespace()).isEqualTo("incline");
    assertThat(k8s.ttlSecondsAfterFinished()).isEqualTo(3600);
    assertThat(k8s.gpuResource()).isEqualTo("nvidia.com/gpu");
    assertThat(k8s.gpuTaintKey()).isEqualTo("nvidia.com/gpu");
    assertThat(k8s.storageClass()).isEqualTo("nfs-rwx");
    assertThat(k8s.storageSize()).isEqualTo("500Gi");
    assertThat(k8s.kueue()).isEqualTo(new KubernetesProperties.Kueue(true, "incline", "incline-gpu"));
    assertThat(k8s.quota().standard()).isEqualTo(new KubernetesProperties.Quota(2, "64", "256Gi"));
    assertThat(k8s.quota().teams()).containsOnlyKeys("team_research", "team_inference");
    assertThat(k8s.quota().teams().get("team_research")).isEqualTo(new KubernetesProperties.Quota(16, "256", "2Ti"));

    KubernetesProperties plain = defaults.bind("incline.compute.kubernetes", KubernetesProperties.class).get();
    assertThat(plain.storageClass()).isEmpty();
    assertThat(plain.quota().teams()).isNullOrEmpty();
    assertThat(defaults.bind("incline.compute.runtime", String.class).get()).isEqualTo("kubernetes");
  }

  @Test
  void jobSettingsBindToJobsProperties() {
    JobsProperties jobs = gpu.bind("incline.jobs", JobsProperties.class).get();
    assertThat(jobs.agentUrl()).isEqualTo(URI.create("http://incline-job-service.incline.svc:8081"));
    assertThat(jobs.defaultMachineType()).isEqualTo("C5");
    assertThat(jobs.defaultImage()).isEqualTo("python:3.11");
  }

  @Test
  void machineTypesBindWithTheirGpusAndNodeLabels() {
    List<MachineType> types = gpu.bind("incline.machine-types", Bindable.listOf(MachineType.class)).get();
    assertThat(types).extracting(MachineType::name).containsExactly("C3", "C5", "C7", "A100", "A100x4", "H100", "H100x8");
    MachineType h100 = types.get(6);
    assertThat(h100.cpu()).isEqualTo(160);
    assertThat(h100.memoryGib()).isEqualTo(1800);
    assertThat(h100.gpu()).isEqualTo(new MachineType.Gpu(8, "H100-80GB-HBM3"));
    assertThat(h100.nodeSelector()).containsExactly(Map.entry("nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"));
    assertThat(types.getFirst().gpu()).isNull();
    assertThat(types.getFirst().nodeSelector()).isEmpty();
  }

  @Test
  void gatewaySettingsBindToGatewayProperties() {
    GatewayProperties properties = gateway.bind("incline.gateway", GatewayProperties.class).get();
    assertThat(properties.services().jobs()).isEqualTo(URI.create("http://incline-job-service:8081"));
    assertThat(properties.bootstrap().team()).isEqualTo("default");
    assertThat(properties.bootstrap().keyFile()).as("nothing written on a read-only filesystem").isNull();
    assertThat(properties.rateLimit().requestsPerSecond()).isEqualTo(100);
    assertThat(properties.rateLimit().burst()).isEqualTo(200);
  }

  @Test
  void gatewayKnowsWhereStorageServiceListens() {
    for (Binder binder : List.of(gateway, gpuGateway)) {
      GatewayProperties properties = binder.bind("incline.gateway", GatewayProperties.class).get();
      assertThat(properties.services().storage()).isEqualTo(URI.create("http://incline-storage-service:8082"));
    }
  }

  @Test
  void gatewayKnowsWhereDeploymentServiceListens() {
    for (Binder binder : List.of(gateway, gpuGateway)) {
      GatewayProperties properties = binder.bind("incline.gateway", GatewayProperties.class).get();
      assertThat(properties.services().deployments()).isEqualTo(URI.create("http://incline-deployment-service:8084"));
      assertThat(properties.services().models()).isEqualTo(URI.create("http://incline-model-registry:8083"));
    }
  }

  @Test
  void gatewayKnowsWhereNotebookServiceListens() {
    for (Binder binder : List.of(gateway, gpuGateway)) {
      GatewayProperties properties = binder.bind("incline.gateway", GatewayProperties.class).get();
      assertThat(properties.services().notebooks()).isEqualTo(URI.create("http://incline-notebook-service:8085"));
    }
  }

  @Test
  void notebookSettingsBindToNotebooksProperties() {
    for (Binder binder : List.of(notebooks, gpuNotebooks)) {
      NotebooksProperties properties = binder.bind("incline.notebooks", NotebooksProperties.class).get();
      assertThat(properties.services().jobs()).isEqualTo(URI.create("http://incline-job-service:8081"));
      assertThat(properties.services().storage()).isEqualTo(URI.create("http://incline-storage-service:8082"));
      assertThat(properties.image()).isEqualTo("quay.io/jupyter/base-notebook:2025-03-14");
      assertThat(properties.port()).isEqualTo(8888);
      assertThat(properties.autoShutdown().defaultHours()).isEqualTo(12);
      assertThat(properties.autoShutdown().maxHours()).isEqualTo(72);
      assertThat(properties.autoShutdown().hour()).as("the service's default: only tests shorten it").isEqualTo(Duration.ofHours(1));
      assertThat(properties.idle().timeout()).isEqualTo(Duration.ofHours(1));
      assertThat(properties.idle().checkInterval()).isEqualTo(Duration.ofSeconds(30));
      assertThat(properties.idle().enabled()).isTrue();
      assertThat(properties.reconcileInterval()).isEqualTo(Duration.ofSeconds(2));
      assertThat(properties.startTimeout()).isEqualTo(Duration.ofMinutes(10));
      assertThat(properties.stopGrace()).isEqualTo(Duration.ofSeconds(10));
      assertThat(binder.bind("spring.flyway.schemas", String.class).get()).isEqualTo("notebooks");
      assertThat(binder.bind("spring.flyway.default-schema", String.class).get()).isEqualTo("notebooks");
      assertThat(binder.bind("incline.compute", dev.incline.notebooks.config.ComputeProperties.class).get().runtime())
          .isEqualTo("kubernetes");
      assertThat(binder.bind("incline.s3.bucket", String.class).isBound())
          .as("no bucket, so platform-core's S3AutoConfiguration stays off: notebook-service holds no S3 credentials").isFalse();
    }
    assertThat(notebooks.bind("incline.notebooks", NotebooksProperties.class).get().defaultMachineType()).isEqualTo("C3");
    assertThat(notebooks.bind("incline.notebooks", NotebooksProperties.class).get().agentUrl())
        .hasToString("http://incline-notebook-service.incline.svc:8085");
    assertThat(gpuNotebooks.bind("incline.notebooks", NotebooksProperties.class).get().defaultMachineType()).isEqualTo("C5");

    Chart custom = Chart.render(t -> t.set("notebooks.idle.timeout", "0").set("notebooks.autoShutdown.defaultHours", 24)
        .set("notebooks.autoShutdown.maxHours", 168).set("notebooks.stopGrace", "1m"));
    NotebooksProperties properties = binder(file(custom, "notebook-service")).bind("incline.notebooks", NotebooksProperties.class).get();
    assertThat(properties.idle().enabled()).as("0 turns culling off").isFalse();
    assertThat(properties.autoShutdown().defaultHours()).isEqualTo(24);
    assertThat(properties.autoShutdown().maxHours()).isEqualTo(168);
    assertThat(properties.stopGrace()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void notebookServiceConvergesTeamNamespacesExactlyAsJobServiceDoes() {
    // job-service, deployment-service and notebook-service all make and converge a team's namespace (quota,
    // NetworkPolicy, RoleBinding to the controller ServiceAccount, PVC, LocalQueue): the runtime settings
    // each builds from its own file must be the same
    for (List<Binder> pair : List.of(List.of(defaults, notebooks), List.of(gpu, gpuNotebooks))) {
      KubernetesProperties jobs = pair.get(0).bind("incline.compute.kubernetes", KubernetesProperties.class).get();
      dev.incline.notebooks.config.KubernetesProperties nb = pair.get(1)
          .bind("incline.compute.kubernetes", dev.incline.notebooks.config.KubernetesProperties.class).get();
      assertThat(nb.settings(null)).isEqualTo(jobs.settings(null));
      assertThat(nb.controllerServiceAccount()).isEqualTo("incline-job-service");
      assertThat(nb.controllerNamespace()).isEqualTo("incline");
    }
    dev.incline.notebooks.config.KubernetesProperties k8s = gpuNotebooks
        .bind("incline.compute.kubernetes", dev.incline.notebooks.config.KubernetesProperties.class).get();
    assertThat(k8s.agentImage()).isEqualTo("registry.example.com/incline/incline-agent:0.1.0");
    assertThat(k8s.storageClass()).isEqualTo("nfs-rwx");
    assertThat(k8s.quota().teams()).containsOnlyKeys("team_research", "team_inference");
    assertThat(k8s.quota().teams().get("team_research"))
        .isEqualTo(new dev.incline.notebooks.config.KubernetesProperties.Quota(16, "256", "2Ti"));
  }

  @Test
  void deploymentSettingsBindToDeploymentsProperties() {
    for (Binder binder : List.of(deployments, gpuDeployments)) {
      DeploymentsProperties properties = binder.bind("incline.deployments", DeploymentsProperties.class).get();
      assertThat(properties.services().jobs()).isEqualTo(URI.create("http://incline-job-service:8081"));
      assertThat(properties.services().models()).isEqualTo(URI.create("http://incline-model-registry:8083"));
      assertThat(properties.agentUrl()).isEqualTo(URI.create("http://incline-deployment-service.incline.svc:8084"));
      assertThat(properties.reconcileInterval()).isEqualTo(Duration.ofSeconds(2));
      assertThat(properties.readyTimeout()).isEqualTo(Duration.ofMinutes(10));
      assertThat(properties.maxReplicas()).isEqualTo(16);
      assertThat(properties.modelTokenTtl()).isEqualTo(Duration.ofHours(24));
      assertThat(properties.modelServer().port()).as("the service's default, which the model server image listens on").isEqualTo(8080);
      assertThat(properties.modelServer().containerCommand()).as("the service's default").isNotEmpty();
      assertThat(binder.bind("spring.flyway.schemas", String.class).get()).isEqualTo("deployments");
      assertThat(binder.bind("spring.flyway.default-schema", String.class).get()).isEqualTo("deployments");
      assertThat(binder.bind("incline.compute", ComputeProperties.class).get().runtime()).isEqualTo("kubernetes");
      assertThat(binder.bind("incline.s3.bucket", String.class).isBound())
          .as("no bucket, so platform-core's S3AutoConfiguration stays off: deployment-service holds no S3 credentials").isFalse();
    }
    assertThat(deployments.bind("incline.deployments", DeploymentsProperties.class).get().modelServer().image())
        .isEqualTo("docker.io/incline/incline-model-server:0.1.0");
    assertThat(gpuDeployments.bind("incline.deployments", DeploymentsProperties.class).get().modelServer().image())
        .isEqualTo("registry.example.com/incline/incline-model-server:0.1.0");
  }

  @Test
  void deploymentServiceConvergesTeamNamespacesExactlyAsJobServiceDoes() {
    // both services make and converge a team's namespace (quota, NetworkPolicy, RoleBinding to the controller
    // ServiceAccount, PVC, LocalQueue): the runtime settings each builds from its own file must be the same
    for (List<Binder> pair : List.of(List.of(defaults, deployments), List.of(gpu, gpuDeployments))) {
      KubernetesProperties jobs = pair.get(0).bind("incline.compute.kubernetes", KubernetesProperties.class).get();
      dev.incline.deployments.config.KubernetesProperties serving = pair.get(1)
          .bind("incline.compute.kubernetes", dev.incline.deployments.config.KubernetesProperties.class).get();
      assertThat(serving.settings()).isEqualTo(jobs.settings(null));
      assertThat(serving.controllerServiceAccount()).isEqualTo("incline-job-service");
      assertThat(serving.controllerNamespace()).isEqualTo("incline");
    }
    dev.incline.deployments.config.KubernetesProperties k8s = gpuDeployments
        .bind("incline.compute.kubernetes", dev.incline.deployments.config.KubernetesProperties.class).get();
    assertThat(k8s.agentImage()).isEqualTo("registry.example.com/incline/incline-agent:0.1.0");
    assertThat(k8s.quota().teams()).containsOnlyKeys("team_research", "team_inference");
    assertThat(k8s.quota().teams().get("team_inference"))
        .isEqualTo(new dev.incline.deployments.config.KubernetesProperties.Quota(4, "96", "512Gi"));
  }

  @Test
  void gatewayKnowsWhereModelRegistryListens() {
    // GatewayProperties.Services gains `models` in a concurrent change; bound here as a plain property
    // until the api-gateway artifact the chart tests build against has it
    for (String file : List.of(gatewayFile, gpuGatewayFile)) {
      assertThat(binder(file).bind("incline.gateway.services.models", URI.class).get())
          .isEqualTo(URI.create("http://incline-model-registry:8083"));
    }
  }

  @Test
  void registrySettingsBindToRegistryProperties() {
    for (Binder binder : List.of(registry, gpuRegistry)) {
      RegistryProperties properties = binder.bind("incline.registry", RegistryProperties.class).get();
      assertThat(properties.services().jobs()).isEqualTo(URI.create("http://incline-job-service:8081"));
      assertThat(properties.services().storage()).isEqualTo(URI.create("http://incline-storage-service:8082"));
      assertThat(properties.archive().maxEntries()).isEqualTo(10_000);
      assertThat(properties.archive().maxUnpackedSize()).isEqualTo(DataSize.ofGigabytes(10));
      assertThat(properties.presignTtl()).isEqualTo(Duration.ofHours(1));
      assertThat(properties.maxUploadSize()).isEqualTo(DataSize.ofGigabytes(10));
      assertThat(binder.bind("spring.flyway.schemas", String.class).get()).isEqualTo("registry");
      assertThat(binder.bind("spring.flyway.default-schema", String.class).get()).isEqualTo("registry");
    }
    S3Properties s3 = gpuRegistry.bind("incline.s3", S3Properties.class).get();
    assertThat(s3.endpoint()).isEqualTo(URI.create("https://s3.example.com"));
    assertThat(s3.bucket()).isEqualTo("incline-prod");
    assertThat(s3.pathStyle()).isTrue();
    assertThat(registry.bind("incline.s3", S3Properties.class).get().bucket()).isEqualTo("incline");
  }

  @Test
  void jobServiceKnowsWhereStorageServiceListens() {
    for (Binder binder : List.of(defaults, gpu)) {
      JobsProperties jobs = binder.bind("incline.jobs", JobsProperties.class).get();
      assertThat(jobs.storageUrl()).isEqualTo(URI.create("http://incline-storage-service:8082"));
    }
  }

  @Test
  void storageSettingsBindToStorageProperties() {
    for (Binder binder : List.of(storage, gpuStorage)) {
      StorageProperties properties = binder.bind("incline.storage", StorageProperties.class).get();
      assertThat(properties.services().jobs()).isEqualTo(URI.create("http://incline-job-service:8081"));
      assertThat(properties.presignTtl()).isEqualTo(Duration.ofHours(1));
      assertThat(properties.uploadPartSize()).isEqualTo(DataSize.ofMegabytes(64));
      assertThat(properties.streamPartSize()).isEqualTo(DataSize.ofMegabytes(8));
      assertThat(properties.maxFilesPerVersion()).isEqualTo(100_000);
      assertThat(properties.encryption().activeKey()).isEqualTo("k1");
      assertThat(properties.encryption().keys()).containsOnlyKeys("k1");
    }
    S3Properties s3 = gpuStorage.bind("incline.s3", S3Properties.class).get();
    assertThat(s3.endpoint()).isEqualTo(URI.create("https://s3.example.com"));
    assertThat(s3.bucket()).isEqualTo("incline-prod");
    assertThat(s3.pathStyle()).isTrue();
    assertThat(s3.createBucket()).isFalse();
    assertThat(storage.bind("spring.flyway.schemas", String.class).get()).isEqualTo("storage");
  }

  @Test
  void theGeneratedEncryptionKeyOpensWhatItSeals() {
    // placeholder resolved from the environment, bound, and accepted by storage-service's own cipher
    StorageProperties properties = storage.bind("incline.storage", StorageProperties.class).get();
    SecretCipher cipher = new SecretCipher(properties.encryption());
    assertThat(cipher.activeKey()).isEqualTo("k1");
    SecretCipher.Sealed sealed = cipher.seal("s3cr3t".getBytes(StandardCharsets.UTF_8), "team_a/TOKEN");
    assertThat(sealed.keyId()).isEqualTo("k1");
    assertThat(new String(cipher.open(sealed, "team_a/TOKEN"), StandardCharsets.UTF_8)).isEqualTo("s3cr3t");
  }

  @Test
  void aRotationBindsTheNewActiveKeyAndTheOldOne() {
    Chart rotated = Chart.render(t -> t.set("storageService.encryption.keyId", "k-2026_01")
        .set("storageService.encryption.existingSecret", "incline-storage-encryption-2026")
        .set("storageService.encryption.previousKeys[0].id", "k1")
        .set("storageService.encryption.previousKeys[0].existingSecret", "incline-storage-encryption"));
    String oldKey = Base64.getEncoder().encodeToString(new byte[32]);
    String newKey = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
    Binder binder = binder(file(rotated, "storage-service"), Map.of("ENCRYPTION_KEY", newKey, "ENCRYPTION_KEY_PREVIOUS_0", oldKey));
    StorageProperties.Encryption encryption = binder.bind("incline.storage", StorageProperties.class).get().encryption();
    assertThat(encryption.activeKey()).isEqualTo("k-2026_01");
    assertThat(encryption.keys()).as("ids with - and _ kept whole by the bracket notation")
        .containsOnly(Map.entry("k-2026_01", newKey), Map.entry("k1", oldKey));

    SecretCipher before = new SecretCipher(new StorageProperties.Encryption(Map.of("k1", oldKey), "k1"));
    SecretCipher.Sealed sealed = before.seal(new byte[] {42}, "team_a/X");
    SecretCipher after = new SecretCipher(encryption);
    assertThat(after.open(sealed, "team_a/X")).containsExactly(42);
    assertThat(after.seal(new byte[] {1}, "team_a/X").keyId()).isEqualTo("k-2026_01");
  }

  @Test
  void withoutBracketsSpringWouldDropTheSlashOfANodeLabel() {
    // why the chart writes "[nvidia.com/gpu.product]": this is what a plain key binds to
    Map<String, String> plain = binder("m:\n  nvidia.com/gpu.product: A\n")
        .bind("m", Bindable.mapOf(String.class, String.class)).get();
    assertThat(plain).containsOnlyKeys("nvidia.comgpu.product");
  }

  private static String file(Chart chart, String service) {
    return chart.get(ConfigMap.class, Chart.RELEASE + "-" + service).getData().get(service + ".yaml");
  }

  private static Binder binder(String yaml) {
    return binder(yaml, Map.of());
  }

  /** The file, with {@code env} standing for the pod's environment variables that its placeholders name. */
  private static Binder binder(String yaml, Map<String, Object> env) {
    MutablePropertySources sources = new MutablePropertySources();
    sources.addLast(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env));
    try {
      new YamlPropertySourceLoader().load("config.yaml", new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)))
          .forEach(sources::addLast);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Binder(ConfigurationPropertySources.from(sources), new PropertySourcesPlaceholdersResolver(sources));
  }
}
