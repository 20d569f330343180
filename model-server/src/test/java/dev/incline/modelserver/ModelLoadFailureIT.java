package dev.incline.modelserver;

import static dev.incline.modelserver.OipClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A model file that is broken or missing: that model and the server are not ready, the others serve. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = ModelServerApplication.CONFIG_NAME)
class ModelLoadFailureIT {

  @DynamicPropertySource
  static void models(DynamicPropertyRegistry registry) {
    registry.add("incline.model-server.models[0].name", () -> "digits");
    registry.add("incline.model-server.models[0].path", () -> TestModels.digits().toString());
    registry.add("incline.model-server.models[1].name", () -> "broken");
    registry.add("incline.model-server.models[1].path", () -> TestModels.dir().resolveSibling("not-a-model.onnx").toString());
    registry.add("incline.model-server.models[2].name", () -> "missing");
    registry.add("incline.model-server.models[2].path", () -> Path.of("/nonexistent/model.onnx").toString());
  }

  @LocalServerPort int port;
  OipClient client;

  @BeforeEach
  void awaitLoadsToEnd() {
    client = new OipClient(port);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.get("/v2/models/digits/ready").statusCode() == 200
        && json(client.get("/v2/models/broken")).get("error").asString().contains("failed to load")
        && json(client.get("/v2/models/missing")).get("error").asString().contains("failed to load"));
  }

  @Test
  void aModelThatFailedToLoadIsNotReadyAndSaysWhy() throws Exception {
    HttpResponse<String> metadata = client.get("/v2/models/broken");
    assertThat(metadata.statusCode()).isEqualTo(503);
    assertThat(json(metadata).get("error").asString()).startsWith("model 'broken' is not ready: failed to load ")
        .contains("not-a-model.onnx");
    assertThat(json(client.get("/v2/models/missing")).get("error").asString())
        .isEqualTo("model 'missing' is not ready: failed to load /nonexistent/model.onnx: /nonexistent/model.onnx: no such file");

    HttpResponse<String> ready = client.get("/v2/models/broken/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(json(ready).get("ready").asBoolean()).isFalse();

    HttpResponse<String> infer = client.post("/v2/models/broken/infer", "{\"inputs\": []}");
    assertThat(infer.statusCode()).isEqualTo(503);
    assertThat(infer.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(json(infer).get("error").asString()).startsWith("model 'broken' is not ready: failed to load");
  }

  @Test
  void theServerIsNotReadyButTheOtherModelsServe() throws Exception {
    HttpResponse<String> ready = client.get("/v2/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(json(ready).get("ready").asBoolean()).isFalse();
    assertThat(client.get("/actuator/health/readiness").statusCode()).isEqualTo(503);
    assertThat(client.get("/v2/health/live").statusCode()).isEqualTo(200);

    float[] input = TestModels.digitsInput(1);
    HttpResponse<String> infer = client.post("/v2/models/digits/infer", OipClient.digitsRequest(input, null));
    assertThat(infer.statusCode()).isEqualTo(200);
    ModelServerIT.assertScores(json(infer).get("outputs").get(0).get("data"), TestModels.digitsScores(input));
  }
}
