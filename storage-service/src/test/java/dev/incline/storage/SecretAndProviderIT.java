package dev.incline.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.embedded.SharedInfrastructure;
import dev.incline.platform.s3.S3Clients;
import dev.incline.platform.s3.S3Properties;
import dev.incline.platform.security.Caller;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

@ExtendWith(OutputCaptureExtension.class)
class SecretAndProviderIT extends StorageServiceTestBase {

  private static final String VALUE = "wandb-v1-9f8e7d6c5b4a39281706f5e4d3c2b1a0";

  private final Caller alice = caller("team_salice");
  private final Caller bob = caller("team_sbob");

  @Autowired JdbcClient jdbc;

  @Test
  void secretValuesGoInAndNeverComeOut(CapturedOutput output) throws Exception {
    var created = send(alice, "PUT", "/api/v1/secrets/WANDB_KEY", "{\"value\": \"" + VALUE + "\"}");
    expect(201, created);
    assertThat(created.body()).doesNotContain(VALUE).contains("WANDB_KEY").contains("\"scope\":\"team\"");
    expect(200, send(alice, "PUT", "/api/v1/secrets/WANDB_KEY", "{\"value\": \"" + VALUE + "\"}"));
    String projectId = project(alice.teamId());
    expect(201, send(alice, "PUT", "/api/v1/secrets/WANDB_KEY?projectId=" + projectId, "{\"value\": \"project-value\"}"));

    var list = get(alice, "/api/v1/secrets");
    assertThat(body(list).get("items").findValuesAsString("name")).containsExactly("WANDB_KEY");
    assertThat(list.body()).doesNotContain(VALUE);
    assertThat(get(alice, "/api/v1/secrets/WANDB_KEY").body()).doesNotContain(VALUE);

    // at rest: AES-GCM, the value is nowhere in the row
    byte[] stored = jdbc.sql("SELECT ciphertext FROM secret WHERE team_id = ? AND project_id = ''").param(alice.teamId())
        .query(byte[].class).single();
    assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(VALUE);

    // job-service's view: the project's value wins over the team's
    JsonNode team = body(post(alice, "/internal/v1/secrets/resolve", "{\"names\": [\"WANDB_KEY\"], \"reveal\": true}"));
    assertThat(team.get("values").get("WANDB_KEY").asString()).isEqualTo(VALUE);
    JsonNode project = body(post(alice, "/internal/v1/secrets/resolve",
        "{\"projectId\": \"" + projectId + "\", \"names\": [\"WANDB_KEY\"], \"reveal\": true}"));
    assertThat(project.get("values").get("WANDB_KEY").asString()).isEqualTo("project-value");
    var missing = post(alice, "/internal/v1/secrets/resolve", "{\"names\": [\"WANDB_KEY\", \"NOPE\"]}");
    expect(422, missing);
    assertThat(missing.body()).contains("secrets[1]").doesNotContain(VALUE);

    // bad input answers without echoing the value
    var badName = send(alice, "PUT", "/api/v1/secrets/1-bad", "{\"value\": \"" + VALUE + "\"}");
    expect(422, badName);
    assertThat(badName.body()).doesNotContain(VALUE);
    var malformed = send(alice, "PUT", "/api/v1/secrets/OTHER", "{\"value\": \"" + VALUE + "\", ");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body()).doesNotContain(VALUE);
    // unquoted, the value is one bare token: Jackson's own message would quote it
    var unquoted = send(alice, "PUT", "/api/v1/secrets/OTHER", "{\"value\": wandbv19f8e7d6c5b4a39281706}");
    assertThat(unquoted.statusCode()).isEqualTo(400);
    assertThat(unquoted.body()).doesNotContain("wandbv19f8e7d6c5b4a39281706").contains("line 1");
    var wrongType = send(alice, "PUT", "/api/v1/secrets/OTHER", "{\"value\": {\"nested\": \"" + VALUE + "\"}}");
    assertThat(wrongType.statusCode()).isIn(400, 422);
    assertThat(wrongType.body()).doesNotContain(VALUE);

    // another team sees nothing of it
    expect(404, get(bob, "/api/v1/secrets/WANDB_KEY"));
    expect(404, delete(bob, "/api/v1/secrets/WANDB_KEY"));
    assertThat(body(get(bob, "/api/v1/secrets")).get("items")).isEmpty();
    expect(422, post(bob, "/internal/v1/secrets/resolve", "{\"names\": [\"WANDB_KEY\"], \"reveal\": true}"));
    expect(404, send(bob, "PUT", "/api/v1/secrets/X?projectId=" + projectId, "{\"value\": \"v\"}"));
    expect(404, get(bob, "/api/v1/secrets?projectId=" + projectId));

    expect(204, delete(alice, "/api/v1/secrets/WANDB_KEY"));
    expect(404, get(alice, "/api/v1/secrets/WANDB_KEY"));
    assertThat(output.getAll()).doesNotContain(VALUE);
  }

  private static S3Client s3() {
    var p = SharedInfrastructure.s3();
    return S3Clients.client(new S3Properties(p.endpoint(), "us-east-1", "x", p.accessKey(), p.secretKey(), true, false));
  }

  private String providerJson(String name, String endpoint, String bucket, String accessKey, String secretKey) {
    return "{\"name\": \"" + name + "\", \"endpoint\": \"" + endpoint + "\", \"region\": \"us-east-1\", \"bucket\": \"" + bucket
        + "\", \"accessKey\": \"" + accessKey + "\", \"secretKey\": \"" + secretKey + "\"}";
  }

  @Test
  void aTeamsOwnBucketIsCheckedOnCreateAndHoldsItsDatasets(CapturedOutput output) throws Exception {
    var p = SharedInfrastructure.s3();
    try (S3Client s3 = s3()) {
      s3.createBucket(b -> b.bucket("team-own-bucket"));
    }
    String endpoint = p.endpoint().toString();
    var wrongSecret = post(alice, "/api/v1/storage-providers", providerJson("own", endpoint, "team-own-bucket", p.accessKey(), "wrong-secret-value"));
    expect(422, wrongSecret);
    assertThat(wrongSecret.body()).contains("secretKey").doesNotContain("wrong-secret-value");
    var noBucket = post(alice, "/api/v1/storage-providers", providerJson("own", endpoint, "no-such-bucket", p.accessKey(), p.secretKey()));
    expect(422, noBucket);
    assertThat(body(noBucket).get("errors").get(0).get("field").asString()).isEqualTo("bucket");
    var unreachable = post(alice, "/api/v1/storage-providers", providerJson("own", "http://127.0.0.1:1", "team-own-bucket", p.accessKey(), p.secretKey()));
    expect(422, unreachable);
    assertThat(body(unreachable).get("errors").get(0).get("field").asString()).isEqualTo("endpoint");

    var created = post(alice, "/api/v1/storage-providers", providerJson("own", endpoint, "team-own-bucket", p.accessKey(), p.secretKey()));
    expect(201, created);
    assertThat(created.body()).doesNotContain(p.secretKey()).doesNotContain("secretKey");
    String providerId = body(created).get("id").asString();
    assertThat(get(alice, "/api/v1/storage-providers").body()).contains(providerId).doesNotContain(p.secretKey());
    expect(404, get(bob, "/api/v1/storage-providers/" + providerId));
    expect(404, delete(bob, "/api/v1/storage-providers/" + providerId));
    assertThat(get(bob, "/api/v1/storage-providers").body()).doesNotContain(providerId);
    expect(404, post(bob, "/api/v1/datasets", "{\"projectId\": \"" + project(bob.teamId()) + "\", \"name\": \"on-alices\", \"storageProviderId\": \"" + providerId + "\"}"));

    var ds = post(alice, "/api/v1/datasets", "{\"projectId\": \"" + project(alice.teamId()) + "\", \"name\": \"external\", \"storageProviderId\": \"" + providerId + "\"}");
    expect(201, ds);
    int v = body(post(alice, "/api/v1/datasets/external/versions", "{}")).get("version").asInt();
    expect(201, putBytes(alice, "/api/v1/datasets/external/versions/" + v + "/files/x.txt", "in the team's bucket".getBytes()));
    try (S3Client s3 = s3()) {
      assertThat(s3.listObjectsV2(b -> b.bucket("team-own-bucket").prefix("teams/" + alice.teamId() + "/datasets/")).contents()).hasSize(1);
    }
    var redirect = http.send(request(alice, "/api/v1/datasets/external/versions/" + v + "/files/x.txt").GET().build(),
        HttpResponse.BodyHandlers.discarding());
    String location = redirect.headers().firstValue("Location").orElseThrow();
    assertThat(location).contains("team-own-bucket");
    assertThat(http.send(HttpRequest.newBuilder(URI.create(location)).build(), HttpResponse.BodyHandlers.ofString()).body())
        .isEqualTo("in the team's bucket");
    var inUse = delete(alice, "/api/v1/storage-providers/" + providerId);
    expect(409, inUse);
    assertThat(inUse.body()).contains("external");
    assertThat(output.getAll()).doesNotContain("wrong-secret-value");
  }
}
