package dev.incline.compute.kubernetes;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every name and label the runtime gives Kubernetes objects, in one place. */
public final class KubernetesResources {

  public static final String LABEL_TEAM = "incline.dev/team";
  public static final String LABEL_PROJECT = "incline.dev/project";
  public static final String LABEL_KIND = "incline.dev/kind";
  public static final String LABEL_ID = "incline.dev/id";
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "incline";
  public static final String LABEL_KUEUE_QUEUE = "kueue.x-k8s.io/queue-name";
  /** Set by {@link KubernetesRuntime#stop}: a Job that failed after it is "stopped", not failed. */
  public static final String ANNOTATION_STOP_REQUESTED = "incline.dev/stop-requested";
  /** Kubernetes' own label on a namespace, used to let the control plane's pods in. */
  public static final String LABEL_NAMESPACE_NAME = "kubernetes.io/metadata.name";

  public static final String QUOTA = "incline-quota";
  public static final String NETWORK_POLICY = "incline-isolation";
  public static final String ROLE_BINDING = "incline-controller";
  public static final String STORAGE_PVC = "incline-storage";

  public static final String MAIN_CONTAINER = "main";
  public static final String WORKSPACE_CONTAINER = "workspace";
  public static final String ARTIFACTS_CONTAINER = "artifacts";
  public static final String DATASETS_CONTAINER = "datasets";
  /** Where the agent caches dataset versions on the team's volume, one directory per version. */
  public static final String DATASET_CACHE = ".incline/datasets";
  /** The Secret key the artifacts sidecar reads its job token from. */
  public static final String TOKEN_KEY = "token";
  /** The secret env variable job-service passes the agent's token in (see the contract page). */
  public static final String AGENT_TOKEN_ENV = "INCLINE_AGENT_TOKEN";
  public static final String TOKEN_DIR = "/var/run/incline";

  private KubernetesResources() {}

  /** {@code <prefix><team>}, with '_' (allowed in team ids, not in namespace names) as '-'. */
  public static String namespace(KubernetesRuntimeSettings settings, String team) {
    return settings.namespacePrefix() + dns(team);
  }

  /** The Job, its Secret and its Service share this name; ids are unique, so no team is needed in it. */
  public static String name(WorkloadRef ref) {
    String id = dns(ref.id());
    String kind = ref.kind().label();
    return id.startsWith(kind + "-") ? id : kind + "-" + id;
  }

  static String dns(String s) {
    return s.replace('_', '-');
  }

  /** The labels every object of a team namespace carries. */
  public static Map<String, String> teamLabels(String team) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_MANAGED_BY, MANAGED_BY);
    labels.put(LABEL_TEAM, team);
    return labels;
  }

  /** The spec's own labels, then ours, so that a spec label cannot claim another team's or workload's identity. */
  public static Map<String, String> labels(WorkloadSpec spec) {
    Map<String, String> labels = new java.util.TreeMap<>();
    spec.labels().forEach((k, v) -> {
      if (!k.equals(LABEL_MANAGED_BY)) {
        labels.put(k, v);
      }
    });
    labels.putAll(identity(spec.ref()));
    if (spec.projectId() != null) {
      labels.put(LABEL_PROJECT, spec.projectId());
    }
    return labels;
  }

  /** The labels that say which workload an object belongs to: what lookups select on. */
  public static Map<String, String> identity(WorkloadRef ref) {
    Map<String, String> labels = teamLabels(ref.team());
    labels.put(LABEL_KIND, ref.kind().label());
    labels.put(LABEL_ID, ref.id());
    return labels;
  }

  /** Whether an object's labels name this workload: checked on every object read, whatever its name. */
  public static boolean owns(Map<String, String> labels, WorkloadRef ref) {
    return labels != null && MANAGED_BY.equals(labels.get(LABEL_MANAGED_BY))
        && ref.team().equals(labels.get(LABEL_TEAM)) && ref.kind().label().equals(labels.get(LABEL_KIND))
        && ref.id().equals(labels.get(LABEL_ID));
  }
}
