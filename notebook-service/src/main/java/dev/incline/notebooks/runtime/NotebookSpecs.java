package dev.incline.notebooks.runtime;

import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadSpec;
import dev.incline.notebooks.notebook.Notebook;
import dev.incline.notebooks.notebook.NotebookIds;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A notebook's run as a workload: one script for every runtime, which starts Jupyter (JupyterLab when the
 * machine or image has it, else the classic notebook server) in the notebook's working directory on the
 * team's persistent storage, on the given address, under the notebook's base URL, with its token from the
 * environment ({@code JUPYTER_TOKEN}, a secret: never a label, an argument or a log line).
 */
public final class NotebookSpecs {

  /** The exit code of the script when the machine or image has no Jupyter: the shell's "command not found". */
  public static final int NO_JUPYTER = 127;

  /*
   * The working directory is <storage>/notebooks/<id>: on the team's persistent storage (host directory,
   * volume, PVC), so stop and start keep it. In it, "storage" links to the team's storage (relative, so it
   * resolves alike on the host and in a container) and "datasets" to the read-only inputs. Each server
   * refuses to move to another port when its own is taken (port_retries=0): the service has to know it.
   */
  static final String SCRIPT = """
      set -e
      work="$INCLINE_STORAGE_DIR/notebooks/$INCLINE_NOTEBOOK_ID"
      mkdir -p "$work"
      cd "$work"
      [ -e storage ] || [ -L storage ] || ln -s ../.. storage
      if [ -L datasets ]; then rm -f datasets; fi
      if [ -n "$(ls -A "$INCLINE_DATASETS_DIR" 2>/dev/null)" ] && [ ! -e datasets ]; then ln -s "$INCLINE_DATASETS_DIR" datasets; fi
      root=""
      if [ "$(id -u)" = 0 ]; then root="--allow-root"; fi
      if command -v jupyter-lab >/dev/null 2>&1; then
        exec jupyter-lab --no-browser $root --ip="$INCLINE_NOTEBOOK_IP" --port="$INCLINE_NOTEBOOK_PORT" \\
          --ServerApp.port_retries=0 --ServerApp.base_url="$INCLINE_NOTEBOOK_BASE_URL" --ServerApp.root_dir="$work" \\
          --ServerApp.allow_remote_access=True --ServerApp.password=''
      fi
      if command -v jupyter-notebook >/dev/null 2>&1; then
        exec jupyter-notebook --no-browser $root --ip="$INCLINE_NOTEBOOK_IP" --port="$INCLINE_NOTEBOOK_PORT" \\
          --NotebookApp.port_retries=0 --NotebookApp.base_url="$INCLINE_NOTEBOOK_BASE_URL" --notebook-dir="$work" \\
          --NotebookApp.allow_remote_access=True --NotebookApp.password=''
      fi
      echo "incline: neither jupyter-lab nor jupyter-notebook is on the PATH ($PATH)" >&2
      exit 127
      """;

  private NotebookSpecs() {}

  /**
   * @param local true on the process runtime: Jupyter listens on {@code port} of this machine's loopback;
   *     otherwise on {@code port} of the container's every address, published or served by the engine
   * @param image the image to run (ignored by the process runtime)
   * @param maxRuntime the engine's own bound on the run (auto-shutdown, with a margin)
   */
  public static WorkloadSpec spec(Notebook n, boolean local, String image, int port, WorkloadSpec.Resources resources,
      List<WorkloadSpec.DatasetMount> datasets, Duration maxRuntime) {
    return spec(n, local, image, port, resources, datasets, maxRuntime, null);
  }

  /**
   * @param agentToken the token the agent in a Kubernetes pod fetches the dataset inputs with, or null
   *     where the service puts them on the machine itself
   */
  public static WorkloadSpec spec(Notebook n, boolean local, String image, int port, WorkloadSpec.Resources resources,
      List<WorkloadSpec.DatasetMount> datasets, Duration maxRuntime, String agentToken) {
    String id = n.getPublicId();
    Map<String, String> env = Map.of(
        "INCLINE_NOTEBOOK_IP", local ? "127.0.0.1" : "0.0.0.0",
        "INCLINE_NOTEBOOK_PORT", Integer.toString(port),
        "INCLINE_NOTEBOOK_BASE_URL", NotebookIds.basePath(n.getId()));
    return new WorkloadSpec(ref(n), n.getProjectId(), image, List.of("/bin/sh", "-c", SCRIPT), env,
        agentToken == null ? Map.of("JUPYTER_TOKEN", n.getToken())
            : Map.of("JUPYTER_TOKEN", n.getToken(), "INCLINE_AGENT_TOKEN", agentToken), resources, List.of(port), Map.of("incline.dev/notebook-name", n.getName()),
        null, maxRuntime, datasets, List.of());
  }

  public static WorkloadRef ref(Notebook n) {
    return new WorkloadRef(n.getTeamId(), WorkloadRef.Kind.NOTEBOOK, n.getPublicId());
  }

  /** Why a run ended, for the notebook's reason. */
  public static String describeExit(Integer code, String engineReason) {
    if (code != null && code == NO_JUPYTER) {
      return "Jupyter is not installed where the notebook runs: neither jupyter-lab nor jupyter-notebook is on the PATH "
          + "(exit code 127); use an image with Jupyter, or install Debian's jupyter-notebook for the process runtime";
    }
    if (engineReason != null && !engineReason.isBlank()) {
      return "Jupyter exited: " + engineReason;
    }
    return code == null ? "Jupyter's server is gone" : "Jupyter exited with code " + code;
  }
}
