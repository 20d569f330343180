package dev.incline.compute.kubernetes.serving;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.kubernetes.KubernetesResources;
import dev.incline.compute.kubernetes.KubernetesRuntimeSettings;
import java.net.URI;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every name, label and fixed value of a deployment's Kubernetes objects, in one place. A deployment
 * is a workload of kind {@code deployment}: its objects carry {@link KubernetesResources}' labels and
 * names ({@code deployment-<id with _ as ->}), in the team's namespace.
 */
public final class ServingResources {

  /** On the Deployment, its pod template (so a new revision rolls), the Service and the HPA: the spec revision they were made from. */
  public static final String ANNOTATION_REVISION = "incline.dev/revision";
  /** On the pod template of a model deployment: the model version it serves. */
  public static final String ANNOTATION_MODEL_VERSION = "incline.dev/model-version";

  public static final String MAIN_CONTAINER = KubernetesResources.MAIN_CONTAINER;
  /** The agent init container that fetches the model version. */
  public static final String MODEL_CONTAINER = "model";
  public static final String MODELS_VOLUME = "models";
  public static final String TMP_VOLUME = "tmp";
  /** Where model versions live in the pod: each at {@code /models/<name>}. */
  public static final String MODELS_DIR = "/models";
  /** The model server's {@code incline.model-server.model-dir}: it serves every {@code <name>/model.onnx} below it. */
  public static final String MODEL_DIR_ENV = "INCLINE_MODEL_SERVER_MODEL_DIR";
  /** The model server's port ({@code server.port}), set to the spec's container port. */
  public static final String SERVER_PORT_ENV = "SERVER_PORT";
  /** The agent's bearer token for the model manifest, from the spec's Secret. */
  public static final String TOKEN_ENV = "INCLINE_DEPLOYMENT_TOKEN";
  /** The key of the token in that Secret. */
  public static final String TOKEN_KEY = KubernetesResources.TOKEN_KEY;

  public static final String PORT_NAME = "http";
  /** The Service's port: callers inside the cluster use plain {@code http://<service>.<namespace>.svc.cluster.local}. */
  public static final int SERVICE_PORT = 80;
  /** The model server's liveness endpoint (Open Inference Protocol). */
  public static final String LIVE_PATH = "/v2/health/live";
  /** Where the model server exposes its Prometheus metrics. */
  public static final String METRICS_PATH = "/actuator/prometheus";
  /**
   * The model server's gauge {@code incline.inference.in.flight} (requests holding a concurrency
   * slot) as Prometheus exports it, and so as the Prometheus adapter serves it to the HPA.
   */
  public static final String IN_FLIGHT_METRIC = "incline_inference_in_flight";

  /**
   * How long a stopping replica keeps serving before it gets SIGTERM (its preStop pause): the time
   * for the endpoints controller and kube-proxy to take it out of the Service.
   */
  public static final int PRE_STOP_SECONDS = 5;
  /** From the start of the preStop pause to SIGKILL: the pause, then the model server's graceful drain. */
  public static final long TERMINATION_GRACE_SECONDS = 30;
  /** The user the pods run as: the Incline images' (10001), and never root for custom images either. */
  public static final long RUN_AS_USER = 10001;

  private ServingResources() {}

  /** The deployment as a workload ref (kind {@code deployment}). */
  public static WorkloadRef ref(String team, String deploymentId) {
    return new WorkloadRef(team, WorkloadRef.Kind.DEPLOYMENT, deploymentId);
  }

  /** The Deployment, its Service and its HPA share this name. */
  public static String name(WorkloadRef ref) {
    return KubernetesResources.name(ref);
  }

  public static String namespace(KubernetesRuntimeSettings settings, String team) {
    return KubernetesResources.namespace(settings, team);
  }

  /** The labels of every object of the deployment, pods included: its identity and its project. */
  public static Map<String, String> labels(ServingSpec spec) {
    Map<String, String> labels = new TreeMap<>(KubernetesResources.identity(spec.ref()));
    if (spec.projectId() != null) {
      labels.put(KubernetesResources.LABEL_PROJECT, spec.projectId());
    }
    return labels;
  }

  /** What the Deployment and the Service select its pods by (never changes for a deployment). */
  public static Map<String, String> selector(WorkloadRef ref) {
    return new TreeMap<>(KubernetesResources.identity(ref));
  }

  /** {@code http://<service>.<namespace>.svc.cluster.local:80}: the deployment's address inside the cluster. */
  public static URI endpoint(KubernetesRuntimeSettings settings, String team, String deploymentId) {
    WorkloadRef ref = ref(team, deploymentId);
    return URI.create("http://" + name(ref) + "." + namespace(settings, team) + ".svc.cluster.local:" + SERVICE_PORT);
  }
}
