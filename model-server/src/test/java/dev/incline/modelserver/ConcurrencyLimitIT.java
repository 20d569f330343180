package dev.incline.modelserver;

import static dev.incline.modelserver.OipClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.modelserver.OipClient.SlowRequest;
import dev.incline.modelserver.inference.ConcurrencyLimiter;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * One inference at a time and no queue: a request that holds the only slot (its body not sent yet, the
 * server waits reading it) makes the next one a 503 at once, deterministically.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    ModelServerApplication.CONFIG_NAME,
    "incline.model-server.max-concurrency=1",
    "incline.model-server.queue-timeout=0s",
    "incline.model-server.max-request-size=8KB"})
class ConcurrencyLimitIT {

  static final String INFER = "/v2/models/digits/infer";

  @DynamicPropertySource
  static void models(DynamicPropertyRegistry registry) {
    registry.add("incline.model-server.models[0].name", () -> "digits");
    registry.add("incline.model-server.models[0].path", () -> TestModels.digits().toString());
  }

  @LocalServerPort int port;
  @Autowired ConcurrencyLimiter limiter;
  OipClient client;

  @BeforeEach
  void awaitReady() {
    client = new OipClient(port);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.get("/v2/health/ready").statusCode() == 200);
  }

  @Test
  void aSaturatedServerAnswers503AtOnceAndRecovers() throws Exception {
    float[] slowInput = TestModels.digitsInput(2);
    try (SlowRequest slow = new SlowRequest(port, INFER, OipClient.digitsRequest(slowInput, "slow"), 20)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> limiter.inFlight() == 1);

      HttpResponse<String> refused = client.post(INFER, OipClient.digitsRequest(TestModels.digitsInput(1), null));
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(json(refused).get("error").asString()).isEqualTo("server is busy: 1 inference request(s) in flight; retry later");

      String held = slow.finish();
      assertThat(SlowRequest.status(held)).isEqualTo(200);
      ModelServerIT.assertScores(json(SlowRequest.body(held)).get("outputs").get(0).get("data"),
          TestModels.digitsScores(slowInput));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> limiter.inFlight() == 0);
    assertThat(client.post(INFER, OipClient.digitsRequest(TestModels.digitsInput(1), null)).statusCode()).isEqualTo(200);

    String metrics = client.get("/actuator/prometheus").body();
    assertThat(ModelServerIT.counter(metrics, "incline_inference_requests_total", "model=\"digits\"", "outcome=\"rejected\""))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void aBodyOverMaxRequestSizeIs413WithOrWithoutContentLength() throws Exception {
    String large = OipClient.digitsRequest(TestModels.digitsInput(64), null);
    assertThat(large.length()).isGreaterThan(8192);

    HttpResponse<String> declared = client.post(INFER, large);
    assertThat(declared.statusCode()).isEqualTo(413);
    assertThat(json(declared).get("error").asString())
        .isEqualTo("request body is larger than 8192 bytes (incline.model-server.max-request-size)");

    // no Content-Length: chunked, so the limit is found while reading
    HttpResponse<String> chunked = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(client.uri(INFER)).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(large.getBytes(StandardCharsets.UTF_8)))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(chunked.statusCode()).isEqualTo(413);
    assertThat(json(chunked).get("error").asString()).contains("larger than 8192 bytes");
  }
}
