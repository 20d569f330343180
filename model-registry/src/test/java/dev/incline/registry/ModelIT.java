package dev.incline.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.embedded.SharedInfrastructure;
import dev.incline.platform.s3.S3Clients;
import dev.incline.platform.s3.S3Properties;
import dev.incline.platform.security.Caller;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

class ModelIT extends ModelRegistryTestBase {

  private static final String BUCKET = "incline-test";
  private static S3Client s3;

  private final Caller alice = caller("team_alice");
  private final Caller bob = caller("team_bob");

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

  private static byte[] digits() throws Exception {
    try (InputStream in = ModelIT.class.getResourceAsStream("/models/digits/model.onnx")) {
      return in.readAllBytes();
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private String model(Caller caller, String name, String format) throws Exception {
    var r = post(caller, "/api/v1/models", "{\"projectId\": \"" + project(caller.teamId()) + "\", \"name\": \"" + name
        + "\", \"format\": \"" + format + "\", \"description\": \"test\"}");
    expect(201, r);
    assertThat(body(r).get("id").asString()).startsWith("mdl_");
    return body(r).get("id").asString();
  }

  private byte[] download(Caller caller, String path) throws Exception {
    var redirect = http.send(request(caller, path).GET().build(), HttpResponse.BodyHandlers.discarding());
    assertThat(redirect.statusCode()).as(path).isEqualTo(302);
    URI location = URI.create(redirect.headers().firstValue("Location").orElseThrow());
    var r = http.send(HttpRequest.newBuilder(location).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  @Test
  void onnxUploadRecordsSignatureAndVersionsAreNumbered() throws Exception {
    String id = model(alice, "digits", "onnx");
    byte[] onnx = digits();
    var r = upload(alice, "/api/v1/models/digits/versions?fileName=model.onnx&metadata=%7B%22framework%22%3A%22sklearn%22%7D"
        + "&metrics=%7B%22accuracy%22%3A0.97%7D", onnx);
    expect(201, r);
    JsonNode v1 = body(r);
    assertThat(v1.get("id").asString()).startsWith("mdv_");
    assertThat(v1.get("modelId").asString()).isEqualTo(id);
    assertThat(v1.get("version").asInt()).isEqualTo(1);
    assertThat(v1.get("sha256").asString()).isEqualTo(sha256(onnx));
    assertThat(v1.get("size").asLong()).isEqualTo(onnx.length);
    assertThat(v1.get("metadata").get("framework").asString()).isEqualTo("sklearn");
    assertThat(v1.get("metrics").get("accuracy").asDouble()).isEqualTo(0.97);
    JsonNode input = v1.get("signature").get("inputs").get(0);
    assertThat(input.get("name").asString()).isEqualTo("input");
    assertThat(input.get("datatype").asString()).isEqualTo("FP32");
    assertThat(input.get("shape").toString()).isEqualTo("[-1,64]");
    JsonNode output = v1.get("signature").get("outputs").get(0);
    assertThat(output.get("name").asString()).isEqualTo("scores");
    assertThat(output.get("datatype").asString()).isEqualTo("FP32");
    assertThat(output.get("shape").toString()).isEqualTo("[-1,10]");
    assertThat(v1.get("lineage").isNull()).isTrue();

    // the bytes come back through a presigned URL
    assertThat(download(alice, "/api/v1/models/digits/versions/1/files/model.onnx")).isEqualTo(onnx);
    expect(404, get(alice, "/api/v1/models/digits/versions/1/files/other.onnx"));

    // a second upload is version 2; version 1 stays as it was
    expect(201, upload(alice, "/api/v1/models/" + id + "/versions", onnx));
    assertThat(body(get(alice, "/api/v1/models/digits/versions/2")).get("files").get(0).get("path").asString())
        .isEqualTo("model.onnx");
    JsonNode list = body(get(alice, "/api/v1/models/digits/versions"));
    assertThat(list.get("items").size()).isEqualTo(2);
    assertThat(list.get("items").get(0).get("version").asInt()).isEqualTo(2);
    assertThat(list.get("items").get(1).get("id").asString()).isEqualTo(v1.get("id").asString());
    assertThat(body(get(alice, "/api/v1/models/digits/versions/1")).get("metrics").get("accuracy").asDouble()).isEqualTo(0.97);
    assertThat(body(get(alice, "/api/v1/models/digits")).get("latestVersion").asInt()).isEqualTo(2);
    assertThat(body(get(alice, "/api/v1/model-versions/digits")).get("version").asInt()).isEqualTo(2);
    assertThat(body(get(alice, "/api/v1/model-versions/digits:" + v1.get("id").asString())).get("version").asInt()).isEqualTo(1);
    // versions cannot be changed: there is no endpoint that writes one
    assertThat(send(alice, "PUT", "/api/v1/models/digits/versions/1", "{}").statusCode()).isIn(404, 405);
    assertThat(delete(alice, "/api/v1/models/digits/versions/1").statusCode()).isIn(404, 405);

    // names are unique per team, formats are checked
    expect(409, post(alice, "/api/v1/models", "{\"projectId\": \"" + project("team_alice") + "\", \"name\": \"digits\", \"format\": \"onnx\"}"));
    var bad = post(alice, "/api/v1/models", "{\"projectId\": \"" + project("team_alice") + "\", \"name\": \"x\", \"format\": \"keras\"}");
    expect(422, bad);
    assertThat(bad.body()).contains("format");
    expect(404, post(alice, "/api/v1/models", "{\"projectId\": \"" + project("team_bob") + "\", \"name\": \"y\", \"format\": \"onnx\"}"));
  }

  @Test
  void brokenFilesAreRejectedWithTheReason() throws Exception {
    model(alice, "broken", "onnx");
    var r = upload(alice, "/api/v1/models/broken/versions?fileName=model.onnx", "not a model".getBytes(StandardCharsets.UTF_8));
    expect(422, r);
    assertThat(r.body()).contains("is not a valid ONNX model").contains("model.onnx");
    assertThat(body(get(alice, "/api/v1/models/broken")).get("latestVersion").isNull()).isTrue();
    expect(404, get(alice, "/api/v1/models/broken/versions/1"));

    model(alice, "tf", "tensorflow");
    var tf = upload(alice, "/api/v1/models/tf/versions?fileName=saved_model.pb", new byte[] {1, 2, 3});
    expect(422, tf);
    assertThat(tf.body()).contains("SavedModel");

    model(alice, "blob", "custom");
    expect(422, upload(alice, "/api/v1/models/blob/versions?fileName=../etc", new byte[] {1}));
    expect(422, upload(alice, "/api/v1/models/blob/versions?metadata=%5B1%5D", new byte[] {1}));
    expect(201, upload(alice, "/api/v1/models/blob/versions?fileName=weights.bin", new byte[] {1, 2}));
  }

  @Test
  void aliasesMoveResolveAndKeepHistory() throws Exception {
    model(alice, "ranker", "pytorch");
    for (int i = 0; i < 3; i++) {
      expect(201, upload(alice, "/api/v1/models/ranker/versions?fileName=model.pt", new byte[] {(byte) i, 1, 2}));
    }
    expect(200, send(alice, "PUT", "/api/v1/models/ranker/aliases/production", "{\"version\": 1}"));
    expect(200, send(alice, "PUT", "/api/v1/models/ranker/aliases/staging", "{\"version\": 3}"));
    assertThat(body(get(alice, "/api/v1/model-versions/ranker:production")).get("version").asInt()).isEqualTo(1);
    assertThat(body(get(alice, "/api/v1/models/ranker/versions/staging")).get("version").asInt()).isEqualTo(3);

    var moved = send(alice, "PUT", "/api/v1/models/ranker/aliases/production", "{\"version\": 2}");
    expect(200, moved);
    assertThat(body(moved).get("aliases").toString()).contains("production");
    assertThat(body(get(alice, "/api/v1/model-versions/ranker:production")).get("version").asInt()).isEqualTo(2);
    assertThat(body(get(alice, "/api/v1/model-versions/ranker:1")).get("aliases").size()).isZero();
    assertThat(body(get(alice, "/api/v1/models/ranker")).get("aliases").get("production").asInt()).isEqualTo(2);

    expect(404, send(alice, "PUT", "/api/v1/models/ranker/aliases/production", "{\"version\": 9}"));
    expect(422, send(alice, "PUT", "/api/v1/models/ranker/aliases/latest", "{\"version\": 1}"));
    expect(422, send(alice, "PUT", "/api/v1/models/ranker/aliases/Bad!", "{\"version\": 1}"));

    expect(204, delete(alice, "/api/v1/models/ranker/aliases/staging"));
    expect(404, delete(alice, "/api/v1/models/ranker/aliases/staging"));
    expect(404, get(alice, "/api/v1/model-versions/ranker:staging"));

    JsonNode history = body(get(alice, "/api/v1/models/ranker/aliases")).get("history");
    assertThat(history.size()).isEqualTo(4);
    assertThat(history.get(2).get("alias").asString()).isEqualTo("production");
    assertThat(history.get(2).get("fromVersion").asInt()).isEqualTo(1);
    assertThat(history.get(2).get("toVersion").asInt()).isEqualTo(2);
    assertThat(history.get(2).get("changedBy").asString()).isEqualTo(alice.userId());
    assertThat(history.get(3).get("toVersion").isNull()).isTrue();
  }

  @Test
  void registersAJobsArtifactWithLineage() throws Exception {
    byte[] onnx = digits();
    String jobId = "job_" + Long.toHexString(System.nanoTime());
    JOBS.computeIfAbsent("team_alice", t -> new ConcurrentHashMap<>()).put(jobId, """
        {"id": "%s", "projectId": "prj_x", "image": "python:3.12", "command": "python train.py",
         "inputs": [{"dataset": "digits-raw", "mountAs": "/data", "versionId": "dsv_abc", "version": "3"}]}""".formatted(jobId));
    DATASET_VERSIONS.computeIfAbsent("team_alice", t -> ConcurrentHashMap.newKeySet()).add("digits-raw:dsv_abc");
    String artifacts = "teams/team_alice/jobs/" + jobId + "/artifacts/";
    s3.putObject(b -> b.bucket(BUCKET).key(artifacts + "out/model.onnx"), RequestBody.fromBytes(onnx));
    s3.putObject(b -> b.bucket(BUCKET).key(artifacts + "tf/saved_model.pb"), RequestBody.fromBytes(new byte[] {1, 2}));
    s3.putObject(b -> b.bucket(BUCKET).key(artifacts + "tf/variables/variables.index"), RequestBody.fromBytes(new byte[] {3}));
    s3.putObject(b -> b.bucket(BUCKET).key(artifacts + "bad.onnx"), RequestBody.fromBytes(new byte[] {9, 9}));

    model(alice, "trained", "onnx");
    var r = post(alice, "/api/v1/models/trained/versions", """
        {"fromJob": {"jobId": "%s", "path": "out/model.onnx"}, "metrics": {"accuracy": 0.95}}""".formatted(jobId));
    expect(201, r);
    JsonNode v = body(r);
    assertThat(v.get("sha256").asString()).isEqualTo(sha256(onnx));
    assertThat(v.get("signature").get("inputs").get(0).get("name").asString()).isEqualTo("input");
    JsonNode lineage = v.get("lineage");
    assertThat(lineage.get("job").asString()).isEqualTo(jobId);
    assertThat(lineage.get("image").asString()).isEqualTo("python:3.12");
    assertThat(lineage.get("command").asString()).isEqualTo("python train.py");
    assertThat(lineage.get("path").asString()).isEqualTo("out/model.onnx");
    assertThat(lineage.get("datasetVersions").get(0).get("versionId").asString()).isEqualTo("dsv_abc");
    assertThat(lineage.get("datasetVersions").get(0).get("version").asString()).isEqualTo("3");
    assertThat(v.get("metrics").get("accuracy").asDouble()).isEqualTo(0.95);
    // copied, not referenced: the artifact may go, the version keeps its bytes
    s3.deleteObject(b -> b.bucket(BUCKET).key(artifacts + "out/model.onnx"));
    assertThat(download(alice, "/api/v1/models/trained/versions/1/files/model.onnx")).isEqualTo(onnx);
    assertThat(body(get(alice, "/api/v1/model-versions/trained:1")).get("lineage").get("job").asString()).isEqualTo(jobId);

    var broken = post(alice, "/api/v1/models/trained/versions", "{\"fromJob\": {\"jobId\": \"" + jobId + "\", \"path\": \"bad.onnx\"}}");
    expect(422, broken);
    assertThat(broken.body()).contains("is not a valid ONNX model");
    expect(422, post(alice, "/api/v1/models/trained/versions", "{\"fromJob\": {\"jobId\": \"" + jobId + "\", \"path\": \"nothing\"}}"));
    expect(422, post(alice, "/api/v1/models/trained/versions", "{\"fromJob\": {\"jobId\": \"" + jobId + "\", \"path\": \"../x\"}}"));
    expect(404, post(alice, "/api/v1/models/trained/versions", "{\"fromJob\": {\"jobId\": \"job_missing\", \"path\": \"out\"}}"));

    // a SavedModel directory
    model(alice, "tf-model", "tensorflow");
    var tf = post(alice, "/api/v1/models/tf-model/versions", "{\"fromJob\": {\"jobId\": \"" + jobId + "\", \"path\": \"tf\"}}");
    expect(201, tf);
    assertThat(body(tf).get("files").toString()).contains("saved_model.pb").contains("variables/variables.index");
    assertThat(body(tf).get("size").asLong()).isEqualTo(3);
    assertThat(download(alice, "/api/v1/models/tf-model/versions/1/files/variables/variables.index")).isEqualTo(new byte[] {3});
    var noPb = post(alice, "/api/v1/models/tf-model/versions", "{\"fromJob\": {\"jobId\": \"" + jobId + "\", \"path\": \"tf/variables\"}}");
    expect(422, noPb);
    assertThat(noPb.body()).contains("saved_model.pb");

    // bob cannot use alice's job
    model(bob, "bobs", "onnx");
    expect(404, post(bob, "/api/v1/models/bobs/versions", "{\"fromJob\": {\"jobId\": \"" + jobId + "\", \"path\": \"out/model.onnx\"}}"));
  }

  @Test
  void anotherTeamsModelsAreNotFoundEverywhere() throws Exception {
    String id = model(alice, "private", "custom");
    expect(201, upload(alice, "/api/v1/models/private/versions", new byte[] {1}));
    expect(200, send(alice, "PUT", "/api/v1/models/private/aliases/production", "{\"version\": 1}"));
    String versionId = body(get(alice, "/api/v1/models/private/versions/1")).get("id").asString();

    for (String m : List.of("private", id)) {
      expect(404, get(bob, "/api/v1/models/" + m));
      expect(404, get(bob, "/api/v1/models/" + m + "/versions"));
      expect(404, get(bob, "/api/v1/models/" + m + "/versions/1"));
      expect(404, get(bob, "/api/v1/models/" + m + "/versions/production"));
      expect(404, get(bob, "/api/v1/models/" + m + "/versions/" + versionId));
      expect(404, get(bob, "/api/v1/models/" + m + "/versions/1/files/model.bin"));
      expect(404, get(bob, "/api/v1/models/" + m + "/aliases"));
      expect(404, upload(bob, "/api/v1/models/" + m + "/versions", new byte[] {2}));
      expect(404, post(bob, "/api/v1/models/" + m + "/versions", "{\"fromJob\": {\"jobId\": \"job_x\", \"path\": \"a\"}}"));
      expect(404, send(bob, "PUT", "/api/v1/models/" + m + "/aliases/production", "{\"version\": 1}"));
      expect(404, delete(bob, "/api/v1/models/" + m + "/aliases/production"));
      expect(404, get(bob, "/api/v1/model-versions/" + m + ":1"));
      expect(404, delete(bob, "/api/v1/models/" + m));
    }
    assertThat(body(get(bob, "/api/v1/models")).get("items").toString()).doesNotContain(id);
    assertThat(body(get(alice, "/api/v1/models")).get("items").toString()).contains(id);
    // a version id of alice's under bob's own model is not found either
    model(bob, "mine", "custom");
    expect(404, get(bob, "/api/v1/models/mine/versions/" + versionId));

    // alice's model is untouched, and deleting it takes its versions and bytes
    assertThat(body(get(alice, "/api/v1/model-versions/private:production")).get("version").asInt()).isEqualTo(1);
    expect(204, delete(alice, "/api/v1/models/" + id));
    expect(404, get(alice, "/api/v1/models/private"));
    assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("teams/team_alice/models/" + id + "/")).contents()).isEmpty();
  }

}
