package dev.incline.compute.kubernetes;

import dev.incline.compute.WorkloadSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exposed ports as a ClusterIP Service: reachable inside the cluster only, which the gateway is
 * (the NetworkPolicy lets the control plane namespace in). Null when the workload exposes none.
 */
public final class ServiceManifest {

  private ServiceManifest() {}

  public static Service service(KubernetesRuntimeSettings settings, WorkloadSpec spec) {
    if (spec.ports().isEmpty()) {
      return null;
    }
    List<ServicePort> ports = spec.ports().stream()
        .map(p -> new ServicePortBuilder()
            .withName("port-" + p)
            .withProtocol("TCP")
            .withPort(p)
            .withTargetPort(new IntOrString(p))
            .build())
        .toList();
    return new ServiceBuilder()
        .withNewMetadata()
          .withName(KubernetesResources.name(spec.ref()))
          .withNamespace(KubernetesResources.namespace(settings, spec.ref().team()))
          .withLabels(KubernetesResources.labels(spec))
        .endMetadata()
        .withNewSpec()
          .withType("ClusterIP")
          .withSelector(KubernetesResources.identity(spec.ref()))
          .withPorts(ports)
        .endSpec()
        .build();
  }

  /** {@code http://<service>.<namespace>.svc:<port>} for each port. */
  public static Map<Integer, URI> endpoints(String service, String namespace, List<Integer> ports) {
    Map<Integer, URI> endpoints = new TreeMap<>();
    for (int port : ports) {
      endpoints.put(port, URI.create("http://" + service + "." + namespace + ".svc:" + port));
    }
    return endpoints;
  }
}
