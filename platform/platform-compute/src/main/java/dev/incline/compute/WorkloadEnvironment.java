package dev.incline.compute;

import java.util.LinkedHashMap;
import java.util.Map;

/** The variables every workload sees, whatever the runtime (see API.md). */
public final class WorkloadEnvironment {

  private WorkloadEnvironment() {}

  /** Where the workload's directories are, as the workload sees them. */
  public record Paths(String workspace, String artifacts, String storage, String datasets) {
    public static final Paths CONTAINER = new Paths("/workspace", "/artifacts", "/storage", "/datasets");
  }

  public static Map<String, String> of(WorkloadSpec spec, Paths paths) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PYTHONUNBUFFERED", "1"); // chart lines must reach the log as they are printed
    env.putAll(spec.env());
    // A service may name the workload differently from its record (a job's retry attempts): its value wins.
    env.putIfAbsent("INCLINE_" + spec.ref().kind().name() + "_ID", spec.ref().id());
    env.put("INCLINE_PROJECT_ID", spec.projectId());
    env.put("INCLINE_MACHINE_TYPE", spec.resources().machineType());
    env.put("INCLINE_WORKSPACE_DIR", paths.workspace());
    env.put("INCLINE_ARTIFACTS_DIR", paths.artifacts());
    env.put("INCLINE_STORAGE_DIR", paths.storage());
    env.put("INCLINE_DATASETS_DIR", paths.datasets());
    env.putAll(spec.secretEnv());
    return env;
  }
}
