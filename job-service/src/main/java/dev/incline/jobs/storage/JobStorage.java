package dev.incline.jobs.storage;

import dev.incline.compute.ArtifactFile;
import dev.incline.compute.WorkloadRef;
import dev.incline.compute.WorkloadRuntime;
import dev.incline.jobs.job.JobData;
import dev.incline.platform.error.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * What a job's workload gets from storage-service when it starts (secret values, dataset versions on
 * this machine) and what it gives back when it succeeds (output directories as new versions).
 */
@Component
public class JobStorage {

  private final WorkloadRuntime runtime;
  private final StorageClient storage;
  private final DatasetCache cache;

  JobStorage(WorkloadRuntime runtime, StorageClient storage, DatasetCache cache) {
    this.runtime = runtime;
    this.storage = storage;
    this.cache = cache;
  }

  /** Secret values of the named secrets, fetched when the workload starts and never stored here. */
  public java.util.Map<String, String> secretValues(String teamId, String projectId, List<String> names) {
    return names.isEmpty() ? java.util.Map.of() : storage.secretValues(teamId, projectId, names);
  }

  /** The draft version an output of the job goes to (the agent's uploads on Kubernetes). */
  public StorageClient.Version outputDraft(String teamId, String projectId, String jobId, String dataset, String from) {
    return storage.outputVersion(teamId, projectId, dataset, jobId, "output of " + jobId + " (" + from + ")");
  }

  public void putOutputFile(String teamId, StorageClient.Version v, String path, java.io.InputStream body, long size) {
    storage.putFile(teamId, v, path, body, size);
  }

  /** The inputs' versions on this machine, downloaded when the cache does not hold them yet. */
  public List<dev.incline.compute.WorkloadSpec.DatasetMount> mounts(String teamId, List<JobData.Input> inputs) {
    List<dev.incline.compute.WorkloadSpec.DatasetMount> mounts = new ArrayList<>();
    for (JobData.Input in : inputs) {
      // on Kubernetes the agent fetches the version into the team's volume (GET /internal/v1/jobs/{id}/datasets)
      java.nio.file.Path local = runtime.name().equals("kubernetes") ? null : cache.materialise(teamId, in.versionId());
      mounts.add(new dev.incline.compute.WorkloadSpec.DatasetMount(in.mountAs(), in.versionId(), local));
    }
    return mounts;
  }

  /** An output that can never be produced (its directory is missing, a file name is refused). */
  public static final class OutputFailure extends RuntimeException {
    OutputFailure(String message) {
      super(message);
    }
  }

  /**
   * Turns the output directories of a job that succeeded into committed dataset versions with the
   * job as their lineage. Safe to run again after a crash half-way: storage-service hands out the
   * same draft for the same job, files are uploaded again over it, and an output already committed
   * is kept.
   */
  public List<JobData.Output> produceOutputs(String teamId, String projectId, String jobId, WorkloadRef ref, List<JobData.Output> outputs) {
    List<JobData.Output> done = new ArrayList<>();
    for (JobData.Output o : outputs) {
      if (o.version() != null) {
        done.add(o);
        continue;
      }
      String from = o.from().replaceAll("/+$", "");
      boolean agent = runtime.name().equals("kubernetes"); // its agent sent the files already (AgentOutputController)
      List<ArtifactFile> files = agent ? List.of() : runtime.workspaceFiles(ref, from);
      if (agent ? !Boolean.TRUE.equals(o.uploaded()) : files.isEmpty()) {
        throw new OutputFailure("output '" + o.dataset() + "': the directory " + from + " is missing or empty in the workspace");
      }
      try {
        StorageClient.Version v = storage.outputVersion(teamId, projectId, o.dataset(), jobId, "output of " + jobId + " (" + from + ")");
        if (!"committed".equals(v.status())) {
          for (ArtifactFile f : files) {
            try (InputStream in = f.open()) {
              storage.putFile(teamId, v, f.path(), in, f.size());
            } catch (InvalidRequestException | StorageClient.StorageException e) {
              throw new OutputFailure("output '" + o.dataset() + "': file " + f.path() + " refused: " + reason(e));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
          v = storage.commit(teamId, v);
        }
        done.add(o.withVersion(v.ref()));
      } catch (InvalidRequestException | StorageClient.StorageException e) {
        // refusals (4xx) will not change by trying again; only unavailability (503) and I/O are retried
        throw new OutputFailure("output '" + o.dataset() + "' refused by storage-service: " + reason(e));
      }
    }
    return done;
  }

  private static String reason(RuntimeException e) {
    if (e instanceof InvalidRequestException i) {
      return i.errors().stream().map(x -> x.field() + " " + x.message()).toList().toString();
    }
    return e.getMessage();
  }

}
