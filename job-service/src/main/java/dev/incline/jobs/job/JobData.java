package dev.incline.jobs.job;

/** What a job reads from and writes to storage-service, as stored with it and shown by the API. */
public final class JobData {

  private JobData() {}

  /**
   * @param dataset the reference as the user wrote it
   * @param mountAs directory name under {@code /datasets}
   * @param versionId the version it resolved to when the job was created (it never moves afterwards)
   * @param version that version as {@code name:number}
   */
  public record Input(String dataset, String mountAs, String versionId, String version) {}

  /**
   * @param dataset dataset name (created in the job's project when there is none)
   * @param from directory relative to the workspace
   * @param version the version it became ({@code name:number}), once the job succeeded
   * @param uploaded on Kubernetes: the agent said it sent every file of the directory
   */
  public record Output(String dataset, String from, String version, Boolean uploaded) {

    public Output withVersion(String v) {
      return new Output(dataset, from, v, uploaded);
    }
  }
}
