package dev.incline.jobs.job;

import dev.incline.jobs.config.JobsProperties;
import dev.incline.jobs.machine.MachineTypeCatalog;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.InvalidRequestException.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks a job request and names every wrong field at once. Pure: no lookups. */
final class JobValidator {

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Pattern GIT_URL = Pattern.compile("(https?|ssh|git)://\\S+|git@\\S+:\\S+");
  private static final Pattern GIT_REF = Pattern.compile("[A-Za-z0-9._/-]{1,250}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._ -]{0,99}");

  private JobValidator() {}

  static void validate(JobRequest r, MachineTypeCatalog catalog, JobsProperties props) {
    List<FieldError> errors = new ArrayList<>();
    if (r.projectId() == null || r.projectId().isBlank()) {
      errors.add(new FieldError("projectId", "is required"));
    }
    if (r.name() != null && !NAME.matcher(r.name()).matches()) {
      errors.add(new FieldError("name", "must be 1-100 letters, digits, '.', '_', '-' or spaces, starting with a letter or digit"));
    }
    if (r.command() == null || r.command().isBlank()) {
      errors.add(new FieldError("command", "is required"));
    } else if (r.command().length() > 65_536) {
      errors.add(new FieldError("command", "must be at most 65536 characters"));
    }
    if (r.image() != null && (r.image().isBlank() || r.image().length() > 512 || r.image().chars().anyMatch(Character::isWhitespace))) {
      errors.add(new FieldError("image", "must be an image reference without spaces, at most 512 characters"));
    }
    if (r.machineType() != null && catalog.find(r.machineType()).isEmpty()) {
      errors.add(new FieldError("machineType", "unknown machine type '" + r.machineType() + "'; known: "
          + String.join(", ", catalog.names())));
    }
    if (r.workspace() != null) {
      boolean upload = r.workspace().uploadId() != null;
      boolean git = r.workspace().git() != null;
      if (upload == git) {
        errors.add(new FieldError("workspace", "must have exactly one of uploadId and git"));
      } else if (git) {
        if (r.workspace().git().url() == null || !GIT_URL.matcher(r.workspace().git().url()).matches()) {
          errors.add(new FieldError("workspace.git.url", "must be an http(s), ssh or git URL"));
        }
        String ref = r.workspace().git().ref();
        if (ref != null && (!GIT_REF.matcher(ref).matches() || ref.startsWith("-") || ref.contains(".."))) {
          errors.add(new FieldError("workspace.git.ref", "is not a valid branch, tag or commit"));
        }
      }
    }
    if (r.env() != null) {
      if (r.env().size() > 200) {
        errors.add(new FieldError("env", "must have at most 200 variables"));
      }
      for (Map.Entry<String, String> e : r.env().entrySet()) {
        if (!ENV_NAME.matcher(e.getKey()).matches()) {
          errors.add(new FieldError("env." + e.getKey(), "is not a valid variable name"));
        } else if (e.getKey().startsWith("INCLINE_")) {
          errors.add(new FieldError("env." + e.getKey(), "INCLINE_ variables are set by the platform"));
        } else if (e.getValue() == null || e.getValue().length() > 32_768 || e.getValue().indexOf('\0') >= 0) {
          errors.add(new FieldError("env." + e.getKey(), "must be a string of at most 32768 characters"));
        }
      }
    }
    if (r.ports() != null) {
      if (r.ports().size() > 10) {
        errors.add(new FieldError("ports", "must have at most 10 ports"));
      }
      for (int i = 0; i < r.ports().size(); i++) {
        Integer p = r.ports().get(i);
        if (p == null || p < 1 || p > 65_535) {
          errors.add(new FieldError("ports[" + i + "]", "must be between 1 and 65535"));
        }
      }
    }
    long max = props.maxRuntime().toSeconds();
    if (r.maxRuntimeSeconds() != null && (r.maxRuntimeSeconds() < 1 || r.maxRuntimeSeconds() > max)) {
      errors.add(new FieldError("maxRuntimeSeconds", "must be between 1 and " + max));
    }
    if (r.retries() != null && (r.retries() < 0 || r.retries() > props.maxRetries())) {
      errors.add(new FieldError("retries", "must be between 0 and " + props.maxRetries()));
    }
    // Shapes only: whether the secrets and dataset versions exist is storage-service's answer, asked
    // by JobService before the job is stored.
    if (r.secrets() != null) {
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (int i = 0; i < r.secrets().size(); i++) {
        String name = r.secrets().get(i);
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
          errors.add(new FieldError("secrets[" + i + "]", "must be a secret name (an environment variable name)"));
        } else if (name.startsWith("INCLINE_")) {
          errors.add(new FieldError("secrets[" + i + "]", "names starting with INCLINE_ are reserved"));
        } else if (!seen.add(name)) {
          errors.add(new FieldError("secrets[" + i + "]", "names '" + name + "' twice"));
        } else if (r.env() != null && r.env().containsKey(name)) {
          errors.add(new FieldError("secrets[" + i + "]", "'" + name + "' is also in env; a variable comes from one place"));
        }
      }
    }
    if (r.inputs() != null) {
      java.util.Set<String> mounts = new java.util.HashSet<>();
      for (int i = 0; i < r.inputs().size(); i++) {
        JobRequest.Input in = r.inputs().get(i);
        if (in == null || in.dataset() == null || in.dataset().isBlank()) {
          errors.add(new FieldError("inputs[" + i + "].dataset", "is required: <dataset>[:<version or tag>]"));
          continue;
        }
        String mountAs = mountAs(in);
        if (!mountAs.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
          errors.add(new FieldError("inputs[" + i + "].mountAs", "must be a directory name: letters, digits, '.', '_', '-'"));
        } else if (!mounts.add(mountAs)) {
          errors.add(new FieldError("inputs[" + i + "].mountAs", "'" + mountAs + "' is used by another input"));
        }
      }
    }
    if (r.outputs() != null) {
      java.util.Set<String> targets = new java.util.HashSet<>();
      for (int i = 0; i < r.outputs().size(); i++) {
        JobRequest.Output out = r.outputs().get(i);
        if (out == null || out.dataset() == null || !out.dataset().matches("[a-z0-9][a-z0-9._-]{0,62}")) {
          errors.add(new FieldError("outputs[" + i + "].dataset", "must be a dataset name: 1-63 lower-case letters, digits, '.', '_' or '-'"));
        } else if (!targets.add(out.dataset())) {
          // one job makes one version of a dataset
          errors.add(new FieldError("outputs[" + i + "].dataset", "'" + out.dataset() + "' is already the dataset of another output"));
        }
        String from = out == null ? null : out.from();
        if (from == null || from.isBlank() || from.startsWith("/") || java.util.Arrays.asList(from.split("/")).contains("..")) {
          errors.add(new FieldError("outputs[" + i + "].from", "must be a directory relative to the workspace, without '..'"));
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
  }

  /** An input's directory under /datasets: its {@code mountAs}, or the dataset's name. */
  static String mountAs(JobRequest.Input in) {
    if (in.mountAs() != null && !in.mountAs().isBlank()) {
      return in.mountAs();
    }
    String ref = in.dataset();
    int colon = ref.lastIndexOf(':');
    return colon < 0 ? ref : ref.substring(0, colon);
  }
}
