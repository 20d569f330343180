package dev.incline.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.embedded.SharedInfrastructure;
import dev.incline.platform.s3.S3Clients;
import dev.incline.platform.s3.S3Properties;
import dev.incline.platform.security.Caller;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

/**
 * A version registered from a job records the job's input dataset versions as used by it in
 * storage-service (so they cannot be deleted under it), and releases them when its model is deleted.
 */
class DatasetLineageIT extends ModelRegistryTestBase {

  private static final String BUCKET = "incline-test";
  private static S3Client s3;

  private final Caller carol = caller("team_carol");

  @BeforeAll
  static void s3() {
    var store = SharedInfrastructure.s3();
    s3 = S3Clients.client(new S3Properties(store.endpoint(), "us-east-1", BUCKET, store.accessKey(), store.secretKey(), true,
        true));
  }

  @AfterAll
  static void close() {
    s3.close();
  }

  @AfterEach
  void storageUp() {
    STORAGE_DOWN.set(false);
  }

  /** A job of carol's that read {@code inputs} (JSON) and left {@code out/weights.bin}. */
  private String job(String inputs) {
    String jobId = "job_" + Long.toHexString(System.nanoTime());
    JOBS.computeIfAbsent(carol.teamId(), t -> new ConcurrentHashMap<>()).put(jobId, """
        {"id": "%s", "projectId": "prj_x", "image": "python:3.12", "command": "python train.py", "inputs": %s}"""
        .formatted(jobId, inputs));
    s3.putObject(b -> b.bucket(BUCKET).key("teams/" + carol.teamId() + "/jobs/" + jobId + "/artifacts/out/weights.bin"),
        RequestBody.fromBytes(new byte[] {1, 2, 3}));
    return jobId;
  }

  private static void knownToStorage(String teamId, String... refs) {
    DATASET_VERSIONS.computeIfAbsent(teamId, t -> ConcurrentHashMap.newKeySet()).addAll(List.of(refs));
  }

  private String model(String name) throws Exception {
    var r = post(carol, "/api/v1/models", "{\"projectId\": \"" + project(carol.teamId()) + "\", \"name\": \"" + name
        + "\", \"format\": \"custom\"}");
    expect(201, r);
    return body(r).get("id").asString();
  }

  private String fromJob(String jobId) {
    return "{\"fromJob\": {\"jobId\": \"" + jobId + "\", \"path\": \"out/weights.bin\"}}";
  }

  private List<DatasetCall> callsFor(String usedBy) {
    return DATASET_CALLS.stream().filter(c -> usedBy.equals(c.usedBy())).toList();
  }

  private void nothingRegistered(String modelId) throws Exception {
    assertThat(body(get(carol, "/api/v1/models/" + modelId)).get("latestVersion").isNull()).isTrue();
    assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("teams/" + carol.teamId() + "/models/" + modelId + "/"))
        .contents()).isEmpty();
  }

  @Test
  void registeringFromAJobMarksItsInputDatasetVersionsUsedByTheVersionAndDeletingTheModelReleasesThem() throws Exception {
    knownToStorage(carol.teamId(), "digits-raw:dsv_0001", "features:dsv_0002");
    // as job-service shows inputs: the reference given, the version it resolved to, and that version as name:number
    String jobId = job("""
        [{"dataset": "digits-raw", "mountAs": "raw", "versionId": "dsv_0001", "version": "digits-raw:3"},
         {"dataset": "features:prod", "mountAs": "features", "versionId": "dsv_0002", "version": "features:7"}]""");
    String modelId = model("lineage-used");
    var r = post(carol, "/api/v1/models/lineage-used/versions", fromJob(jobId));
    expect(201, r);
    JsonNode v = body(r);
    String versionId = v.get("id").asString();
    assertThat(v.get("lineage").get("datasetVersions").findValuesAsString("versionId")).containsExactly("dsv_0001", "dsv_0002");

    // storage-service was asked, as carol's team, to record the model version as the user of exactly those versions
    assertThat(callsFor(versionId)).containsExactly(
        new DatasetCall("use", carol.teamId(), List.of("digits-raw:dsv_0001", "features:dsv_0002"), versionId));

    // a second version from the same job is a second user
    var second = post(carol, "/api/v1/models/lineage-used/versions", fromJob(jobId));
    expect(201, second);
    String secondId = body(second).get("id").asString();
    assertThat(callsFor(secondId)).extracting(DatasetCall::kind).containsExactly("use");

    // deleting the model releases both versions' usages
    expect(204, delete(carol, "/api/v1/models/" + modelId));
    assertThat(callsFor(versionId)).extracting(DatasetCall::kind).containsExactly("use", "release");
    assertThat(callsFor(secondId)).extracting(DatasetCall::kind).containsExactly("use", "release");
    assertThat(callsFor(versionId).get(1).teamId()).isEqualTo(carol.teamId());
  }

  @Test
  void storageNotAnsweringLeavesNoVersionBehind() throws Exception {
    knownToStorage(carol.teamId(), "unreachable:dsv_0003");
    String jobId = job("[{\"dataset\": \"unreachable\", \"versionId\": \"dsv_0003\", \"version\": \"unreachable:1\"}]");
    String modelId = model("lineage-unreachable");
    int before = DATASET_CALLS.size();

    STORAGE_DOWN.set(true);
    var r = post(carol, "/api/v1/models/lineage-unreachable/versions", fromJob(jobId));
    expect(503, r);
    assertThat(r.body()).contains("storage-service");
    nothingRegistered(modelId);
    assertThat(DATASET_CALLS).hasSize(before);

    // once it answers, the same request registers version 1 (no number was used up)
    STORAGE_DOWN.set(false);
    var ok = post(carol, "/api/v1/models/lineage-unreachable/versions", fromJob(jobId));
    expect(201, ok);
    assertThat(body(ok).get("version").asInt()).isEqualTo(1);
    String versionId = body(ok).get("id").asString();
    assertThat(callsFor(versionId)).extracting(DatasetCall::kind).containsExactly("use");

    // nor can the model be deleted while its usages cannot be released: it stays whole
    STORAGE_DOWN.set(true);
    expect(503, delete(carol, "/api/v1/models/" + modelId));
    assertThat(body(get(carol, "/api/v1/models/lineage-unreachable/versions/1")).get("id").asString()).isEqualTo(versionId);
    STORAGE_DOWN.set(false);
    expect(204, delete(carol, "/api/v1/models/" + modelId));
    assertThat(callsFor(versionId)).extracting(DatasetCall::kind).containsExactly("use", "release");
  }

  @Test
  void aDatasetVersionStorageRefusesIsA422AndNothingIsKept() throws Exception {
    // storage-service does not know this version for carol's team (another team's, or deleted)
    String jobId = job("[{\"dataset\": \"elsewhere\", \"versionId\": \"dsv_0404\", \"version\": \"elsewhere:2\"}]");
    String modelId = model("lineage-refused");
    var r = post(carol, "/api/v1/models/lineage-refused/versions", fromJob(jobId));
    expect(422, r);
    assertThat(r.body()).contains("fromJob.jobId").contains("elsewhere:dsv_0404");
    nothingRegistered(modelId);
  }

  @Test
  void aJobWithoutInputsNeedsNoStorageService() throws Exception {
    String jobId = job("[]");
    String modelId = model("lineage-none");
    STORAGE_DOWN.set(true);
    expect(201, post(carol, "/api/v1/models/lineage-none/versions", fromJob(jobId)));
    expect(204, delete(carol, "/api/v1/models/" + modelId));
  }
}
