package dev.incline.platform.s3;

/**
 * Where every kind of object lives in a bucket (docs/operations.md, "Bucket layout"). All keys
 * start with the team's prefix, so one team's objects never sit under another's; the same layout
 * is used inside a team's own storage provider buckets.
 */
public final class BucketLayout {

  private BucketLayout() {}

  public static String team(String teamId) {
    return "teams/" + teamId + "/";
  }

  /** An uploaded workspace archive. */
  public static String workspace(String teamId, String uploadId, String fileName) {
    return team(teamId) + "workspaces/" + uploadId + "/" + fileName;
  }

  /** A job's artifacts and final log. */
  public static String job(String teamId, String jobId) {
    return team(teamId) + "jobs/" + jobId + "/";
  }

  /**
   * One dataset version's files: {@code <prefix><path>}. Content is stored under the version, so a
   * committed version's keys are never written again.
   */
  public static String datasetVersion(String teamId, String datasetId, int version) {
    return team(teamId) + "datasets/" + datasetId + "/versions/" + version + "/";
  }

  /** Every version of a dataset, for deleting it whole. */
  public static String dataset(String teamId, String datasetId) {
    return team(teamId) + "datasets/" + datasetId + "/";
  }
}
