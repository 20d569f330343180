package dev.incline.compute.kubernetes.serving;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.kubernetes.KubernetesRuntimeSettings;
import dev.incline.compute.kubernetes.PodResources;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A deployment's Kubernetes objects as pure functions of its {@link ServingSpec}: a {@code apps/v1}
 * Deployment, a ClusterIP Service in front of it and, when its replicas follow the load, an
 * {@code autoscaling/v2} HorizontalPodAutoscaler. No cluster calls here; {@link KubernetesServing}
 * applies them.
 *
 * <p><b>Rollouts never lower capacity</b>: RollingUpdate with {@code maxUnavailable: 0} and
 * {@code maxSurge: 1}, so an old replica goes only once a new one is ready (its readiness probe on
 * {@code healthPath}). The pod template carries the revision, so every new revision rolls, and
 * nothing else does.
 *
 * <p><b>Stopping drains</b>: a stopping replica first pauses ({@code preStop}, {@value
 * ServingResources#PRE_STOP_SECONDS} s, while the endpoints controller and kube-proxy take it out of
 * the Service), then gets SIGTERM and finishes the requests it holds (the model server's graceful
 * shutdown) within the {@value ServingResources#TERMINATION_GRACE_SECONDS} s grace period. The pause
 * runs {@code sleep} in the container; an image without it only skips the pause (a failed preStop
 * hook does not stop the termination).
 *
 * <p><b>Model deployments</b>: an agent init container ({@code fetch-model}) downloads the model
 * version's files, checked against their SHA-256, into an emptyDir ({@code /models/<name>}), with
 * its bearer token from the spec's Secret (an env reference, never a value in the pod spec); the
 * serving container mounts that one directory read-only and serves it
 * ({@value ServingResources#MODEL_DIR_ENV}{@code =/models}).
 *
 * <p><b>Pods are locked down</b> like the control plane's: non-root (UID 10001, whatever the image
 * says), no privilege escalation, no capabilities, the runtime's default seccomp profile, no
 * service account token (a replica never talks to the Kubernetes API); model servers also get a
 * read-only root filesystem with an emptyDir on {@code /tmp}.
 */
public final class ServingManifests {

  private ServingManifests() {}

  public static Deployment deployment(KubernetesRuntimeSettings settings, ServingSpec spec) {
    WorkloadRef ref = spec.ref();
    boolean model = spec.model() != null;
    PodSpecBuilder pod = new PodSpecBuilder()
        .withTerminationGracePeriodSeconds(ServingResources.TERMINATION_GRACE_SECONDS)
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withNewSecurityContext()
          .withRunAsNonRoot(true)
          .withRunAsUser(ServingResources.RUN_AS_USER)
          .withRunAsGroup(ServingResources.RUN_AS_USER)
          .withFsGroup(ServingResources.RUN_AS_USER)
          .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .endSecurityContext();
    ContainerBuilder main = new ContainerBuilder()
        .withName(ServingResources.MAIN_CONTAINER)
        .withImage(spec.image())
        .withCommand(spec.command().isEmpty() ? null : spec.command())
        .addNewPort()
          .withName(ServingResources.PORT_NAME)
          .withContainerPort(spec.containerPort())
          .withProtocol("TCP")
        .endPort()
        .withEnv(env(spec))
        .withStartupProbe(startup(spec))
        .withReadinessProbe(readiness(spec))
        .withLivenessProbe(liveness(spec))
        .withNewLifecycle()
          .withNewPreStop()
            .withNewExec().withCommand("sleep", Integer.toString(ServingResources.PRE_STOP_SECONDS)).endExec()
          .endPreStop()
        .endLifecycle()
        .withSecurityContext(restricted(model));
    PodResources.machine(settings, spec.resources(), pod, main);
    if (model) {
      modelFetch(settings, spec, pod, main);
    }

    Map<String, String> labels = ServingResources.labels(spec);
    Map<String, String> podAnnotations = new TreeMap<>();
    podAnnotations.put(ServingResources.ANNOTATION_REVISION, Integer.toString(spec.revision()));
    if (model) {
      podAnnotations.put(ServingResources.ANNOTATION_MODEL_VERSION, spec.model().versionId());
      // for a Prometheus that discovers pods by annotation (the HPA's metric comes from there)
      podAnnotations.put("prometheus.io/scrape", "true");
      podAnnotations.put("prometheus.io/port", Integer.toString(spec.containerPort()));
      podAnnotations.put("prometheus.io/path", ServingResources.METRICS_PATH);
    }
    return new DeploymentBuilder()
        .withNewMetadata()
          .withName(ServingResources.name(ref))
          .withNamespace(ServingResources.namespace(settings, ref.team()))
          .withLabels(labels)
          .withAnnotations(revision(spec))
        .endMetadata()
        .withNewSpec()
          .withReplicas(spec.minReplicas())
          .withRevisionHistoryLimit(3)
          .withProgressDeadlineSeconds(600)
          .withNewSelector().withMatchLabels(ServingResources.selector(ref)).endSelector()
          .withNewStrategy()
            .withType("RollingUpdate")
            .withNewRollingUpdate()
              .withMaxUnavailable(new IntOrString(0))
              .withMaxSurge(new IntOrString(1))
            .endRollingUpdate()
          .endStrategy()
          .withNewTemplate()
            .withNewMetadata()
              .withLabels(labels)
              .withAnnotations(podAnnotations)
            .endMetadata()
            .withSpec(pod.addToContainers(main.build()).build())
          .endTemplate()
        .endSpec()
        .build();
  }

  /** Port 80 of a ClusterIP Service to the serving port of the deployment's ready pods. */
  public static Service service(KubernetesRuntimeSettings settings, ServingSpec spec) {
    WorkloadRef ref = spec.ref();
    return new ServiceBuilder()
        .withNewMetadata()
          .withName(ServingResources.name(ref))
          .withNamespace(ServingResources.namespace(settings, ref.team()))
          .withLabels(ServingResources.labels(spec))
          .withAnnotations(revision(spec))
        .endMetadata()
        .withNewSpec()
          .withType("ClusterIP")
          .withSelector(ServingResources.selector(ref))
          .addNewPort()
            .withName(ServingResources.PORT_NAME)
            .withProtocol("TCP")
            .withPort(ServingResources.SERVICE_PORT)
            .withTargetPort(new IntOrString(spec.containerPort()))
          .endPort()
        .endSpec()
        .build();
  }

  /**
   * Replicas between min and max, so that each holds about {@code targetConcurrency} requests in
   * flight on average (the model server's {@value ServingResources#IN_FLIGHT_METRIC}, a Pods metric:
   * it needs the Prometheus adapter or another custom metrics API). Empty when min equals max: the
   * Deployment's replicas are then fixed.
   */
  public static Optional<HorizontalPodAutoscaler> autoscaler(KubernetesRuntimeSettings settings, ServingSpec spec) {
    if (!spec.autoscaled()) {
      return Optional.empty();
    }
    WorkloadRef ref = spec.ref();
    return Optional.of(new HorizontalPodAutoscalerBuilder()
        .withNewMetadata()
          .withName(ServingResources.name(ref))
          .withNamespace(ServingResources.namespace(settings, ref.team()))
          .withLabels(ServingResources.labels(spec))
          .withAnnotations(revision(spec))
        .endMetadata()
        .withNewSpec()
          .withNewScaleTargetRef()
            .withApiVersion("apps/v1")
            .withKind("Deployment")
            .withName(ServingResources.name(ref))
          .endScaleTargetRef()
          .withMinReplicas(spec.minReplicas())
          .withMaxReplicas(spec.maxReplicas())
          .addNewMetric()
            .withType("Pods")
            .withNewPods()
              .withNewMetric().withName(ServingResources.IN_FLIGHT_METRIC).endMetric()
              .withNewTarget()
                .withType("AverageValue")
                .withAverageValue(new Quantity(Integer.toString(spec.targetConcurrency())))
              .endTarget()
            .endPods()
          .endMetric()
        .endSpec()
        .build());
  }

  /**
   * The Secret the model fetch reads its token from ({@code tokenSecretName}, key {@code token}),
   * labelled as the deployment's so that deleting the deployment deletes it. For a service that
   * keeps its tokens in the cluster through {@link KubernetesServing#apply(ServingSpec, String)}.
   */
  public static Secret tokenSecret(KubernetesRuntimeSettings settings, ServingSpec spec, String token) {
    if (spec.model() == null) {
      throw new IllegalArgumentException("deployment " + spec.deploymentId() + " has no model to fetch with a token");
    }
    return new SecretBuilder()
        .withNewMetadata()
          .withName(spec.model().tokenSecretName())
          .withNamespace(ServingResources.namespace(settings, spec.team()))
          .withLabels(ServingResources.labels(spec))
        .endMetadata()
        .withType("Opaque")
        .withStringData(Map.of(ServingResources.TOKEN_KEY, token))
        .build();
  }

  private static Map<String, String> revision(ServingSpec spec) {
    return new TreeMap<>(Map.of(ServingResources.ANNOTATION_REVISION, Integer.toString(spec.revision())));
  }

  /** The spec's variables, then (winning over them) what a model server must be told: sorted by name. */
  private static List<EnvVar> env(ServingSpec spec) {
    Map<String, String> values = new TreeMap<>(spec.env());
    if (spec.model() != null) {
      values.put(ServingResources.MODEL_DIR_ENV, ServingResources.MODELS_DIR);
      values.put(ServingResources.SERVER_PORT_ENV, Integer.toString(spec.containerPort()));
    }
    values.remove(ServingResources.TOKEN_ENV); // the agent's alone
    List<EnvVar> env = new ArrayList<>();
    values.forEach((name, value) -> env.add(new EnvVarBuilder().withName(name).withValue(value).build()));
    return env;
  }

  /**
   * Ready when {@code healthPath} answers 2xx: a model server once its model is loaded. Taken out
   * of the Service after 3 failures in a row (15 s).
   */
  private static Probe readiness(ServingSpec spec) {
    return new ProbeBuilder()
        .withNewHttpGet().withPath(spec.healthPath()).withPort(new IntOrString(ServingResources.PORT_NAME)).endHttpGet()
        .withPeriodSeconds(5)
        .withTimeoutSeconds(3)
        .withFailureThreshold(3)
        .build();
  }

  /** Restarted when the process no longer answers at all (not merely busy: that is readiness's business). */
  private static Probe liveness(ServingSpec spec) {
    return alive(spec).withPeriodSeconds(10).withTimeoutSeconds(5).withFailureThreshold(3).build();
  }

  /** Up to 10 minutes for the JVM to start and a large model to load before liveness applies. */
  private static Probe startup(ServingSpec spec) {
    return alive(spec).withPeriodSeconds(5).withTimeoutSeconds(3).withFailureThreshold(120).build();
  }

  /** The model server's liveness endpoint; for a custom image, whose paths we do not know, the open port. */
  private static ProbeBuilder alive(ServingSpec spec) {
    IntOrString port = new IntOrString(ServingResources.PORT_NAME);
    return spec.model() != null
        ? new ProbeBuilder().withNewHttpGet().withPath(ServingResources.LIVE_PATH).withPort(port).endHttpGet()
        : new ProbeBuilder().withNewTcpSocket().withPort(port).endTcpSocket();
  }

  private static SecurityContext restricted(boolean readOnlyRoot) {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .withReadOnlyRootFilesystem(readOnlyRoot ? true : null)
        .build();
  }

  /**
   * The agent fetches the model version into the emptyDir before the server starts: the volume at
   * {@code /models} in the agent (it writes {@code /models/.partial-*}, then renames the complete
   * {@code /models/<name>} into place), and only {@code /models/<name>} (a subPath), read-only, in
   * the server, which so sees one complete model and nothing else. A restarted pod keeps its
   * emptyDir and the agent finds the model already there.
   */
  private static void modelFetch(KubernetesRuntimeSettings settings, ServingSpec spec, PodSpecBuilder pod,
      ContainerBuilder main) {
    ServingSpec.Model model = spec.model();
    String dir = ServingResources.MODELS_DIR + "/" + model.name();
    pod.addToVolumes(new VolumeBuilder().withName(ServingResources.MODELS_VOLUME).withNewEmptyDir().endEmptyDir().build())
        .addToVolumes(new VolumeBuilder().withName(ServingResources.TMP_VOLUME).withNewEmptyDir().endEmptyDir().build());
    pod.addToInitContainers(new ContainerBuilder()
        .withName(ServingResources.MODEL_CONTAINER)
        .withImage(settings.agentImage())
        .withArgs("fetch-model", "--manifest-url", model.manifestUrl().toString(), "--dest", dir)
        .addNewEnv()
          .withName(ServingResources.TOKEN_ENV)
          .withNewValueFrom()
            .withNewSecretKeyRef().withName(model.tokenSecretName()).withKey(ServingResources.TOKEN_KEY).endSecretKeyRef()
          .endValueFrom()
        .endEnv()
        .withResources(PodResources.agent())
        .withVolumeMounts(new VolumeMountBuilder()
            .withName(ServingResources.MODELS_VOLUME).withMountPath(ServingResources.MODELS_DIR).build())
        .withSecurityContext(restricted(false))
        .build());
    main.addToVolumeMounts(new VolumeMountBuilder()
            .withName(ServingResources.MODELS_VOLUME)
            .withMountPath(dir)
            .withSubPath(model.name())
            .withReadOnly(true)
            .build())
        .addToVolumeMounts(new VolumeMountBuilder().withName(ServingResources.TMP_VOLUME).withMountPath("/tmp").build());
  }
}
