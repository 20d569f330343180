package dev.incline.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.embedded.SharedInfrastructure;
import dev.incline.platform.s3.S3Clients;
import dev.incline.platform.s3.S3Properties;
import dev.incline.platform.security.Caller;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

class DatasetIT extends StorageServiceTestBase {

  private final Caller alice = caller("team_alice");
  private final Caller bob = caller("team_bob");

  private String dataset(Caller caller, String name) throws Exception {
    var r = post(caller, "/api/v1/datasets", "{\"projectId\": \"" + project(caller.teamId()) + "\", \"name\": \"" + name + "\"}");
    expect(201, r);
    return body(r).get("id").asString();
  }

  private int version(Caller caller, String dataset) throws Exception {
    var r = post(caller, "/api/v1/datasets/" + dataset + "/versions", "{\"message\": \"test\"}");
    expect(201, r);
    assertThat(body(r).get("status").asString()).isEqualTo("draft");
    return body(r).get("version").asInt();
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** Follows the 302 to the presigned URL with a plain client: no credentials of ours go to S3. */
  private byte[] download(Caller caller, String path) throws Exception {
    var redirect = http.send(request(caller, path).GET().build(), HttpResponse.BodyHandlers.discarding());
    assertThat(redirect.statusCode()).as(path).isEqualTo(302);
    URI location = URI.create(redirect.headers().firstValue("Location").orElseThrow());
    var r = http.send(HttpRequest.newBuilder(location).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  @Test
  void streamedFilesBecomeImmutableOnCommit() throws Exception {
    String ds = dataset(alice, "digits-raw");
    int v = version(alice, ds);
    byte[] small = "label,pixels\n1,0 0 3\n".getBytes(StandardCharsets.UTF_8);
    byte[] big = random(12 * 1024 * 1024 + 17, 1); // several 5 MiB stream parts: a multipart upload to S3
    var put = putBytes(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/files/train/data.csv", small);
    expect(201, put);
    assertThat(body(put).get("sha256").asString()).isEqualTo(sha256(small));
    var putBig = http.send(request(alice, "/api/v1/datasets/digits-raw/versions/" + v + "/files/train/big.bin")
        .header("X-Content-SHA256", sha256(big)).PUT(HttpRequest.BodyPublishers.ofByteArray(big)).build(),
        HttpResponse.BodyHandlers.ofString());
    expect(201, putBig);
    assertThat(body(putBig).get("size").asLong()).isEqualTo(big.length);

    // a wrong declared checksum keeps nothing
    var wrong = http.send(request(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/files/wrong.bin")
        .header("X-Content-SHA256", sha256(small)).PUT(HttpRequest.BodyPublishers.ofByteArray(big)).build(),
        HttpResponse.BodyHandlers.ofString());
    expect(422, wrong);
    assertThat(wrong.body()).contains("X-Content-SHA256");
    expect(404, get(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/files/wrong.bin"));

    var commit = post(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/commit", null);
    expect(200, commit);
    JsonNode committed = body(commit);
    assertThat(committed.get("status").asString()).isEqualTo("committed");
    assertThat(committed.get("fileCount").asLong()).isEqualTo(2);
    assertThat(committed.get("totalBytes").asLong()).isEqualTo(small.length + big.length);
    assertThat(committed.get("tags").toString()).contains("latest");

    // every write afterwards is a 409, and the bytes stay as they were
    String file = "/api/v1/datasets/" + ds + "/versions/" + v + "/files/train/data.csv";
    assertThat(putBytes(alice, file, "changed".getBytes()).statusCode()).isEqualTo(409);
    assertThat(delete(alice, file).statusCode()).isEqualTo(409);
    assertThat(post(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/uploads",
        "{\"path\": \"x\", \"size\": 10}").statusCode()).isEqualTo(409);
    assertThat(post(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/commit", null).statusCode()).isEqualTo(409);
    assertThat(download(alice, file)).isEqualTo(small);
    assertThat(download(alice, "/api/v1/datasets/" + ds + "/versions/latest/files/train/big.bin")).isEqualTo(big);

    // references resolve by number, tag and name alone
    assertThat(body(get(alice, "/api/v1/dataset-versions/digits-raw:1")).get("id").asString()).isEqualTo(committed.get("id").asString());
    assertThat(body(get(alice, "/api/v1/dataset-versions/digits-raw")).get("version").asInt()).isEqualTo(v);
    expect(200, send(alice, "PUT", "/api/v1/datasets/" + ds + "/tags/clean", "{\"version\": " + v + "}"));
    assertThat(body(get(alice, "/api/v1/dataset-versions/digits-raw:clean")).get("version").asInt()).isEqualTo(v);
    expect(422, send(alice, "PUT", "/api/v1/datasets/" + ds + "/tags/latest", "{\"version\": " + v + "}"));
    expect(404, get(alice, "/api/v1/dataset-versions/digits-raw:9"));

    // latest moves on the next commit; the list shows counts, bytes, author, message
    int v2 = version(alice, ds);
    expect(201, putBytes(alice, "/api/v1/datasets/" + ds + "/versions/" + v2 + "/files/a.txt", "a".getBytes()));
    expect(200, post(alice, "/api/v1/datasets/" + ds + "/versions/" + v2 + "/commit", null));
    assertThat(body(get(alice, "/api/v1/dataset-versions/digits-raw:latest")).get("version").asInt()).isEqualTo(v2);
    JsonNode versions = body(get(alice, "/api/v1/datasets/" + ds + "/versions"));
    assertThat(versions.get("items").get(0).get("version").asInt()).isEqualTo(v2);
    assertThat(versions.get("items").get(1).get("fileCount").asLong()).isEqualTo(2);
    assertThat(versions.get("items").get(1).get("author").asString()).isEqualTo(alice.userId());
    assertThat(versions.get("items").get(1).get("message").asString()).isEqualTo("test");
    assertThat(body(get(alice, "/api/v1/datasets/" + ds)).get("latestVersion").asInt()).isEqualTo(v2);
  }

  @Test
  void presignedMultipartUploadsResumeAndAreVerifiedOnCommit() throws Exception {
    String ds = dataset(alice, "images");
    int v = version(alice, ds);
    byte[] file = random(11 * 1024 * 1024 + 5, 2);
    var start = post(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/uploads",
        "{\"path\": \"shards/part-0.bin\", \"size\": " + file.length + ", \"sha256\": \"" + sha256(file) + "\", \"partSize\": 5242880}");
    expect(201, start);
    JsonNode upload = body(start);
    String uploadId = upload.get("id").asString();
    assertThat(upload.get("parts")).hasSize(3);

    // the client sends parts 1 and 3, then "crashes"
    putPart(upload.get("parts").get(0), file);
    putPart(upload.get("parts").get(2), file);
    String uploadPath = "/api/v1/datasets/" + ds + "/versions/" + v + "/uploads/" + uploadId;
    expect(409, post(alice, uploadPath + "/complete", null));
    expect(409, post(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/commit", null));

    // ...and resumes: S3 says what it has, and fresh URLs come for what is missing
    JsonNode resumed = body(get(alice, uploadPath));
    List<Integer> done = new ArrayList<>();
    resumed.get("completedParts").forEach(p -> done.add(p.get("partNumber").asInt()));
    assertThat(done).containsExactly(1, 3);
    assertThat(resumed.get("parts")).hasSize(1);
    putPart(resumed.get("parts").get(0), file);
    var complete = post(alice, uploadPath + "/complete", null);
    expect(200, complete);
    assertThat(body(complete).get("verified").asBoolean()).isFalse();

    var commit = post(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/commit", null);
    expect(200, commit);
    JsonNode listed = body(get(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/files"));
    assertThat(listed.get("items").get(0).get("verified").asBoolean()).isTrue();
    assertThat(listed.get("items").get(0).get("sha256").asString()).isEqualTo(sha256(file));
    assertThat(download(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/files/shards/part-0.bin")).isEqualTo(file);
  }

  @Test
  void aDeclaredChecksumThatDoesNotMatchFailsTheCommit() throws Exception {
    String ds = dataset(alice, "tampered");
    int v = version(alice, ds);
    byte[] file = random(1000, 3);
    JsonNode upload = body(post(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/uploads",
        "{\"path\": \"f.bin\", \"size\": 1000, \"sha256\": \"" + sha256(new byte[1000]) + "\"}"));
    putPart(upload.get("parts").get(0), file);
    expect(200, post(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/uploads/" + upload.get("id").asString() + "/complete", null));
    var commit = post(alice, "/api/v1/datasets/" + ds + "/versions/" + v + "/commit", null);
    expect(422, commit);
    assertThat(commit.body()).contains("files[f.bin]").contains(sha256(file));
    assertThat(body(get(alice, "/api/v1/datasets/" + ds + "/versions/" + v)).get("status").asString()).isEqualTo("draft");
  }

  private void putPart(JsonNode part, byte[] file) throws Exception {
    int n = part.get("partNumber").asInt();
    long size = part.get("size").asLong();
    int from = (int) ((n - 1) * 5242880L);
    var r = http.send(HttpRequest.newBuilder(URI.create(part.get("url").asString()))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(file, from, (int) size)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @Test
  void oddPathsAreNormalisedOrRejected() throws Exception {
    String ds = dataset(alice, "paths");
    int v = version(alice, ds);
    String base = "/api/v1/datasets/" + ds + "/versions/" + v;
    // in a URL the server's firewall refuses '//' outright; in a body the path is normalised
    assertThat(putBytes(alice, base + "/files/a//b/c.txt", "x".getBytes()).statusCode()).isEqualTo(400);
    var normalised = post(alice, base + "/uploads", "{\"path\": \"a//b/./c.txt\", \"size\": 1}");
    expect(201, normalised);
    assertThat(body(normalised).get("path").asString()).isEqualTo("a/b/c.txt");
    putPart(body(normalised).get("parts").get(0), "x".getBytes());
    expect(200, post(alice, base + "/uploads/" + body(normalised).get("id").asString() + "/complete", null));
    String unicode = "données/日本語 ü.txt";
    expect(201, putBytes(alice, base + "/files/" + encodePath(unicode), "u".getBytes()));
    // '..' is refused by the server's firewall (400) or by us (422): it never reaches S3 either way
    int dots = putBytes(alice, base + "/files/%2E%2E/x", "x".getBytes()).statusCode();
    assertThat(dots).isIn(400, 422);
    var upload = post(alice, base + "/uploads", "{\"path\": \"../x\", \"size\": 1}");
    expect(422, upload);
    assertThat(body(upload).get("errors").get(0).get("field").asString()).isEqualTo("path");
    var longName = putBytes(alice, base + "/files/" + "n".repeat(1000), "x".getBytes());
    expect(422, longName);
    assertThat(longName.body()).contains("longer than 255");
    expect(422, post(alice, base + "/uploads", "{\"path\": \"/etc/passwd\", \"size\": 1}"));
    expect(422, post(alice, base + "/uploads", "{\"path\": \"a\\u0000b\", \"size\": 1}"));

    for (int i = 0; i < 5; i++) {
      expect(201, putBytes(alice, base + "/files/many/f" + i, new byte[] {(byte) i}));
    }
    JsonNode page1 = body(get(alice, base + "/files?prefix=many/&limit=3"));
    assertThat(page1.get("items").findValuesAsString("path")).containsExactly("many/f0", "many/f1", "many/f2");
    JsonNode page2 = body(get(alice, base + "/files?prefix=many/&limit=3&cursor=" + page1.get("nextCursor").asString()));
    assertThat(page2.get("items").findValuesAsString("path")).containsExactly("many/f3", "many/f4");
    assertThat(page2.get("nextCursor").isNull()).isTrue();
    JsonNode all = body(get(alice, base + "/files?limit=500"));
    assertThat(all.get("items").findValuesAsString("path")).contains("a/b/c.txt", unicode);
  }

  private static String encodePath(String path) {
    return String.join("/", java.util.Arrays.stream(path.split("/"))
        .map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20")).toList());
  }

  @Test
  void anotherTeamGets404OnEveryEndpoint() throws Exception {
    String ds = dataset(alice, "private-data");
    int v = version(alice, ds);
    String base = "/api/v1/datasets/" + ds + "/versions/" + v;
    expect(201, putBytes(alice, base + "/files/f.txt", "secret data".getBytes()));
    String uploadId = body(post(alice, base + "/uploads", "{\"path\": \"u.bin\", \"size\": 3}")).get("id").asString();
    String versionId = body(get(alice, base)).get("id").asString();

    for (String ref : List.of(ds, "private-data")) {
      String b = "/api/v1/datasets/" + ref + "/versions/" + v;
      assertThat(get(bob, "/api/v1/datasets/" + ref).statusCode()).isEqualTo(404);
      assertThat(delete(bob, "/api/v1/datasets/" + ref).statusCode()).isEqualTo(404);
      assertThat(post(bob, "/api/v1/datasets/" + ref + "/versions", "{}").statusCode()).isEqualTo(404);
      assertThat(get(bob, "/api/v1/datasets/" + ref + "/versions").statusCode()).isEqualTo(404);
      assertThat(get(bob, b).statusCode()).isEqualTo(404);
      assertThat(delete(bob, b).statusCode()).isEqualTo(404);
      assertThat(putBytes(bob, b + "/files/f.txt", "evil".getBytes()).statusCode()).isEqualTo(404);
      assertThat(get(bob, b + "/files").statusCode()).isEqualTo(404);
      assertThat(get(bob, b + "/files/f.txt").statusCode()).isEqualTo(404);
      assertThat(delete(bob, b + "/files/f.txt").statusCode()).isEqualTo(404);
      assertThat(post(bob, b + "/uploads", "{\"path\": \"x\", \"size\": 1}").statusCode()).isEqualTo(404);
      assertThat(get(bob, b + "/uploads/" + uploadId).statusCode()).isEqualTo(404);
      assertThat(post(bob, b + "/uploads/" + uploadId + "/complete", null).statusCode()).isEqualTo(404);
      assertThat(delete(bob, b + "/uploads/" + uploadId).statusCode()).isEqualTo(404);
      assertThat(post(bob, b + "/commit", null).statusCode()).isEqualTo(404);
      assertThat(send(bob, "PUT", "/api/v1/datasets/" + ref + "/tags/mine", "{\"version\": 1}").statusCode()).isEqualTo(404);
      assertThat(delete(bob, "/api/v1/datasets/" + ref + "/tags/mine").statusCode()).isEqualTo(404);
    }
    assertThat(get(bob, "/api/v1/dataset-versions/private-data:1").statusCode()).isEqualTo(404);
    assertThat(get(bob, "/internal/v1/dataset-versions/" + versionId + "/manifest").statusCode()).isEqualTo(404);
    assertThat(post(bob, "/internal/v1/dataset-refs/use", "{\"refs\": [\"private-data:1\"]}").statusCode()).isEqualTo(422);
    assertThat(body(get(bob, "/api/v1/datasets")).get("items").findValuesAsString("name")).doesNotContain("private-data");
    // a dataset in another team's project cannot be made either
    String alicesProject = project(alice.teamId());
    expect(404, post(bob, "/api/v1/datasets", "{\"projectId\": \"" + alicesProject + "\", \"name\": \"sneaky\"}"));
    // and bob's own dataset of the same name is his, not alice's
    dataset(bob, "private-data");
    assertThat(body(get(bob, "/api/v1/datasets/private-data")).get("id").asString()).isNotEqualTo(ds);
    assertThat(download(alice, base + "/files/f.txt")).isEqualTo("secret data".getBytes());
  }

  @Test
  void versionsInUseCannotBeDeletedAndDeletedOnesTakeTheirBytes() throws Exception {
    String ds = dataset(alice, "used");
    int v = version(alice, ds);
    String base = "/api/v1/datasets/" + ds + "/versions/" + v;
    expect(201, putBytes(alice, base + "/files/f.txt", "data".getBytes()));
    expect(200, post(alice, base + "/commit", null));
    var used = post(alice, "/internal/v1/dataset-refs/use", "{\"refs\": [\"used:1\"], \"usedBy\": \"job_0123\"}");
    expect(200, used);
    assertThat(body(used).get("versions").get(0).get("usedBy").toString()).contains("job_0123");

    var refused = delete(alice, base);
    expect(409, refused);
    assertThat(refused.body()).contains("job_0123");
    expect(409, delete(alice, "/api/v1/datasets/" + ds));

    expect(204, delete(alice, "/internal/v1/dataset-usages/job_0123"));
    String datasetPrefix = "teams/" + alice.teamId() + "/datasets/" + ds + "/";
    assertThat(objects(datasetPrefix)).isNotEmpty();
    expect(204, delete(alice, base));
    assertThat(objects(datasetPrefix)).isEmpty();
    expect(404, get(alice, base));
    assertThat(body(get(alice, "/api/v1/datasets/" + ds)).get("latestVersion").isNull()).isTrue();
    expect(204, delete(alice, "/api/v1/datasets/" + ds));
    expect(404, get(alice, "/api/v1/datasets/" + ds));
  }

  @Test
  void jobOutputsGetOneDraftPerJobAndReferencesMustBeCommitted() throws Exception {
    String projectId = project(alice.teamId());
    String req = "{\"projectId\": \"" + projectId + "\", \"dataset\": \"features\", \"jobId\": \"job_abc\", \"message\": \"from job_abc\"}";
    JsonNode first = body(post(alice, "/internal/v1/dataset-outputs", req));
    JsonNode again = body(post(alice, "/internal/v1/dataset-outputs", req));
    assertThat(again.get("id").asString()).isEqualTo(first.get("id").asString());
    assertThat(first.get("producedByJob").asString()).isEqualTo("job_abc");
    var draftRef = post(alice, "/internal/v1/dataset-refs/use", "{\"refs\": [\"features:1\", \"nope:1\"]}");
    expect(422, draftRef);
    assertThat(draftRef.body()).contains("refs[0]").contains("draft").contains("refs[1]");
  }

  private List<String> objects(String prefix) {
    var p = SharedInfrastructure.s3();
    try (S3Client s3 = S3Clients.client(new S3Properties(p.endpoint(), "us-east-1", "incline-test", p.accessKey(), p.secretKey(), true, false))) {
      return s3.listObjectsV2(b -> b.bucket("incline-test").prefix(prefix)).contents().stream().map(o -> o.key()).toList();
    }
  }
}
