package dev.incline.notebooks.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Notebook service configuration.
 *
 * @param services where the other services listen
 * @param image the Jupyter image notebooks run when they name none (docker and kubernetes); it must
 *     have {@code jupyter-lab} or {@code jupyter-notebook} on its PATH
 * @param port the port Jupyter listens on inside a container
 * @param defaultMachineType the machine type of notebooks that name none
 * @param autoShutdown how long notebooks may run before they are stopped
 * @param idle idle culling
 * @param reconcileInterval how often notebooks are checked, started and stopped
 * @param startTimeout how long a new run may take before Jupyter answers; after it the notebook is Failed
 * @param stopGrace how long Jupyter gets to save and exit when stopped, before it is killed
 * @param datasetCache where dataset versions are kept on this machine for process and docker runs,
 *     one read-only directory per team and version (the same layout as job-service's)
 * @param agentUrl where pods on Kubernetes reach this service, e.g.
 *     {@code http://incline-notebook-service.incline.svc:8085}: a notebook's init container fetches its
 *     dataset inputs there; unset, notebooks on Kubernetes cannot have dataset inputs
 */
@ConfigurationProperties("incline.notebooks")
public record NotebooksProperties(
    @DefaultValue Services services,
    @DefaultValue("incline/notebook:latest") String image,
    @DefaultValue("8888") int port,
    @DefaultValue("C3") String defaultMachineType,
    @DefaultValue AutoShutdown autoShutdown,
    @DefaultValue Idle idle,
    @DefaultValue("2s") Duration reconcileInterval,
    @DefaultValue("2m") Duration startTimeout,
    @DefaultValue("10s") Duration stopGrace,
    Path datasetCache,
    URI agentUrl) {

  public NotebooksProperties {
    datasetCache = datasetCache != null ? datasetCache : Path.of(System.getProperty("user.home"), ".incline", "datasets");
    if (autoShutdown.defaultHours() < 1 || autoShutdown.defaultHours() > autoShutdown.maxHours()) {
      throw new IllegalArgumentException("incline.notebooks.auto-shutdown.default-hours must be between 1 and max-hours ("
          + autoShutdown.maxHours() + "): " + autoShutdown.defaultHours());
    }
  }

  /**
   * @param jobs job-service base URL (projects, machine types, the event stream)
   * @param storage storage-service base URL (dataset inputs)
   */
  public record Services(@DefaultValue("http://127.0.0.1:8081") URI jobs, @DefaultValue("http://127.0.0.1:8082") URI storage) {}

  /**
   * Every notebook stops {@code autoShutdownHours} after it started, so a forgotten one does not hold a GPU
   * for days.
   *
   * @param defaultHours when a notebook names none
   * @param maxHours the most a notebook may ask for
   * @param hour the length of one of those hours: only tests shorten it
   */
  public record AutoShutdown(@DefaultValue("12") int defaultHours, @DefaultValue("72") int maxHours,
      @DefaultValue("1h") Duration hour) {}

  /**
   * A running notebook whose Jupyter reports no activity (its {@code /api/status} {@code last_activity}: API
   * calls, kernel messages, terminals) for {@code timeout}, and no kernel busy, is stopped.
   *
   * @param timeout idle time before a notebook is stopped; 0 turns culling off
   * @param checkInterval how often Jupyter is asked
   */
  public record Idle(@DefaultValue("1h") Duration timeout, @DefaultValue("30s") Duration checkInterval) {
    public boolean enabled() {
      return !timeout.isZero() && !timeout.isNegative();
    }
  }
}
