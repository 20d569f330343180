package dev.incline.modelserver;

import static dev.incline.modelserver.OipClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The server over HTTP on real ONNX Runtime, serving the test models of {@code src/test/resources/models}
 * through {@code model-dir} (digits, types) and one listed model (digits again, as digits-v2 version 2).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = ModelServerApplication.CONFIG_NAME)
class ModelServerIT {

  @DynamicPropertySource
  static void models(DynamicPropertyRegistry registry) {
    registry.add("incline.model-server.model-dir", () -> TestModels.dir().toString());
    registry.add("incline.model-server.models[0].name", () -> "digits-v2");
    registry.add("incline.model-server.models[0].path", () -> TestModels.digits().toString());
    registry.add("incline.model-server.models[0].version", () -> "2");
  }

  @LocalServerPort int port;
  OipClient client;

  @BeforeEach
  void awaitReady() {
    client = new OipClient(port);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.get("/v2/health/ready").statusCode() == 200);
  }

  @Test
  void isLiveAndReadyOnceEveryModelIsLoaded() throws Exception {
    HttpResponse<String> live = client.get("/v2/health/live");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(json(live).get("live").asBoolean()).isTrue();
    HttpResponse<String> ready = client.get("/v2/health/ready");
    assertThat(json(ready).get("ready").asBoolean()).isTrue();
    for (String model : List.of("digits", "types", "digits-v2")) {
      HttpResponse<String> modelReady = client.get("/v2/models/" + model + "/ready");
      assertThat(modelReady.statusCode()).isEqualTo(200);
      assertThat(json(modelReady).get("name").asString()).isEqualTo(model);
      assertThat(json(modelReady).get("ready").asBoolean()).isTrue();
    }
    assertThat(client.get("/v2/models/digits-v2/versions/2/ready").statusCode()).isEqualTo(200);
    HttpResponse<String> actuator = client.get("/actuator/health/readiness");
    assertThat(actuator.statusCode()).isEqualTo(200);
    assertThat(json(actuator).get("status").asString()).isEqualTo("UP");
  }

  @Test
  void serverMetadataNamesTheServerAndItsVersion() throws Exception {
    JsonNode metadata = json(client.get("/v2"));
    assertThat(metadata.get("name").asString()).isEqualTo("incline-model-server");
    assertThat(metadata.get("version").asString()).isEqualTo("0.1.0-SNAPSHOT");
    assertThat(metadata.get("extensions").isArray()).isTrue();
  }

  @Test
  void modelMetadataIsTheSessionsSignature() throws Exception {
    HttpResponse<String> response = client.get("/v2/models/digits");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response)).isEqualTo(json("""
        {"name": "digits", "versions": ["1"], "platform": "onnxruntime_onnx",
         "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 64]}],
         "outputs": [{"name": "scores", "datatype": "FP32", "shape": [-1, 10]}]}"""));

    JsonNode types = json(client.get("/v2/models/types"));
    assertThat(types.get("inputs")).isEqualTo(json("""
        [{"name": "int64_in", "datatype": "INT64", "shape": [-1, 2]},
         {"name": "int32_in", "datatype": "INT32", "shape": [2, 2]},
         {"name": "fp64_in", "datatype": "FP64", "shape": [-1]},
         {"name": "bool_in", "datatype": "BOOL", "shape": [-1, 3]},
         {"name": "bytes_in", "datatype": "BYTES", "shape": [-1]},
         {"name": "fp16_in", "datatype": "FP16", "shape": [-1]},
         {"name": "uint8_in", "datatype": "UINT8", "shape": [-1]},
         {"name": "int8_in", "datatype": "INT8", "shape": [-1]},
         {"name": "int16_in", "datatype": "INT16", "shape": [-1]}]"""));
    assertThat(types.get("outputs").size()).isEqualTo(9);
    assertThat(types.get("outputs").get(3)).isEqualTo(json("{\"name\": \"bool_out\", \"datatype\": \"BOOL\", \"shape\": [-1, 3]}"));

    JsonNode versioned = json(client.get("/v2/models/digits-v2/versions/2"));
    assertThat(versioned.get("versions")).isEqualTo(json("[\"2\"]"));
  }

  @Test
  void inferenceOnABatchOfThreeReturnsTheLinearLayersScores() throws Exception {
    float[] input = TestModels.digitsInput(3);
    HttpResponse<String> response = client.post("/v2/models/digits/infer", OipClient.digitsRequest(input, "req-42"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonNode body = json(response);
    assertThat(body.get("model_name").asString()).isEqualTo("digits");
    assertThat(body.get("model_version").asString()).isEqualTo("1");
    assertThat(body.get("id").asString()).isEqualTo("req-42");
    JsonNode scores = body.get("outputs").get(0);
    assertThat(scores.get("name").asString()).isEqualTo("scores");
    assertThat(scores.get("datatype").asString()).isEqualTo("FP32");
    assertThat(scores.get("shape")).isEqualTo(json("[3, 10]"));
    assertScores(scores.get("data"), TestModels.digitsScores(input));
  }

  @Test
  void nestedDataAndTheVersionedPathGiveTheSameScores() throws Exception {
    float[] input = TestModels.digitsInput(2);
    StringBuilder nested = new StringBuilder("[");
    for (int r = 0; r < 2; r++) {
      nested.append(r == 0 ? "[" : ",[");
      for (int i = 0; i < 64; i++) {
        nested.append(i == 0 ? "" : ",").append(input[r * 64 + i]);
      }
      nested.append("]");
    }
    nested.append("]");
    HttpResponse<String> response = client.post("/v2/models/digits-v2/versions/2/infer",
        "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [2, 64], \"data\": " + nested + "}]}");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = json(response);
    assertThat(body.get("model_name").asString()).isEqualTo("digits-v2");
    assertThat(body.get("model_version").asString()).isEqualTo("2");
    assertThat(body.has("id")).isFalse();
    assertScores(body.get("outputs").get(0).get("data"), TestModels.digitsScores(input));
  }

  @Test
  void concurrentRequestsShareOneSessionAndEachGetsItsOwnAnswer() throws Exception {
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<Void>> results = new ArrayList<>();
      for (int n = 1; n <= 24; n++) {
        int rows = n % 5 + 1;
        float[] input = TestModels.digitsInput(rows);
        for (int k = 0; k < input.length; k++) {
          input[k] += n; // each request different
        }
        results.add(pool.submit((Callable<Void>) () -> {
          HttpResponse<String> response = client.post("/v2/models/digits/infer", OipClient.digitsRequest(input, null));
          assertThat(response.statusCode()).isEqualTo(200);
          assertScores(json(response).get("outputs").get(0).get("data"), TestModels.digitsScores(input));
          return null;
        }));
      }
      for (Future<Void> result : results) {
        result.get();
      }
    }
  }

  @Test
  void everyDatatypeRoundTripsThroughTheModel() throws Exception {
    HttpResponse<String> response = client.post("/v2/models/types/infer", """
        {"inputs": [
          {"name": "int64_in", "datatype": "INT64", "shape": [2, 2], "data": [[1, -2], [9223372036854775806, -9223372036854775808]]},
          {"name": "int32_in", "datatype": "INT32", "shape": [2, 2], "data": [1, -2, 3, 1073741823]},
          {"name": "fp64_in", "datatype": "FP64", "shape": [3], "data": [1.0, -0.2, 1e300]},
          {"name": "bool_in", "datatype": "BOOL", "shape": [1, 3], "data": [[true, false, true]]},
          {"name": "bytes_in", "datatype": "BYTES", "shape": [3], "data": ["hello", "", "héllo wörld ✓"]},
          {"name": "fp16_in", "datatype": "FP16", "shape": [3], "data": [1.5, -0.25, 65504]},
          {"name": "uint8_in", "datatype": "UINT8", "shape": [3], "data": [0, 128, 255]},
          {"name": "int8_in", "datatype": "INT8", "shape": [2], "data": [-128, 127]},
          {"name": "int16_in", "datatype": "INT16", "shape": [2], "data": [-32768, 32767]}]}""");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).get("outputs")).isEqualTo(json("""
        [{"name": "int64_out", "datatype": "INT64", "shape": [2, 2], "data": [2, -1, 9223372036854775807, -9223372036854775807]},
         {"name": "int32_out", "datatype": "INT32", "shape": [2, 2], "data": [2, -4, 6, 2147483646]},
         {"name": "fp64_out", "datatype": "FP64", "shape": [3], "data": [0.5, -0.1, 5.0E299]},
         {"name": "bool_out", "datatype": "BOOL", "shape": [1, 3], "data": [false, true, false]},
         {"name": "bytes_out", "datatype": "BYTES", "shape": [3], "data": ["hello", "", "héllo wörld ✓"]},
         {"name": "fp16_out", "datatype": "FP16", "shape": [3], "data": [1.5, -0.25, 65504.0]},
         {"name": "uint8_out", "datatype": "UINT8", "shape": [3], "data": [0, 128, 255]},
         {"name": "int8_out", "datatype": "INT8", "shape": [2], "data": [-128, 127]},
         {"name": "int16_out", "datatype": "INT16", "shape": [2], "data": [-32768, 32767]}]"""));
  }

  @Test
  void returnsOnlyTheOutputsAskedFor() throws Exception {
    String inputs = typesInputs();
    HttpResponse<String> response = client.post("/v2/models/types/infer",
        "{\"inputs\": " + inputs + ", \"outputs\": [{\"name\": \"bytes_out\"}, {\"name\": \"int32_out\"}]}");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode outputs = json(response).get("outputs");
    assertThat(outputs.size()).isEqualTo(2);
    assertThat(outputs.get(0).get("name").asString()).isEqualTo("bytes_out");
    assertThat(outputs.get(1).get("name").asString()).isEqualTo("int32_out");
  }

  static Stream<Arguments> badRequests() {
    String digits = "/v2/models/digits/infer";
    String types = "/v2/models/types/infer";
    return Stream.of(
        Arguments.of("unknown input", digits,
            "{\"inputs\": [{\"name\": \"pixels\", \"datatype\": \"FP32\", \"shape\": [1, 64], \"data\": " + zeros(64) + "}]}",
            "model 'digits' has no input 'pixels'; its inputs are 'input'"),
        Arguments.of("missing input", types,
            "{\"inputs\": [{\"name\": \"fp64_in\", \"datatype\": \"FP64\", \"shape\": [1], \"data\": [1]}]}",
            "model 'types' needs inputs 'int64_in', 'int32_in', 'bool_in', 'bytes_in', 'fp16_in', 'uint8_in', 'int8_in', 'int16_in'"),
        Arguments.of("no inputs at all", digits, "{\"inputs\": []}", "model 'digits' needs input 'input'"),
        Arguments.of("wrong datatype", digits,
            "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP64\", \"shape\": [1, 64], \"data\": " + zeros(64) + "}]}",
            "input 'input' has datatype FP64; model 'digits' takes FP32"),
        Arguments.of("wrong fixed dimension", digits,
            "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [1, 63], \"data\": " + zeros(63) + "}]}",
            "input 'input' has shape [1, 63]; model 'digits' takes [-1, 64] (-1: any size)"),
        Arguments.of("wrong rank", digits,
            "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [64], \"data\": " + zeros(64) + "}]}",
            "input 'input' has shape [64]; model 'digits' takes [-1, 64]"),
        Arguments.of("fixed shape of another model input", types,
            "{\"inputs\": [{\"name\": \"int32_in\", \"datatype\": \"INT32\", \"shape\": [2, 3], \"data\": [1, 2, 3, 4, 5, 6]}]}",
            "input 'int32_in' has shape [2, 3]; model 'types' takes [2, 2]"),
        Arguments.of("data length is not the shape's", digits,
            "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [2, 64], \"data\": " + zeros(64) + "}]}",
            "input 'input' has 64 values in \"data\"; shape [2, 64] needs 128"),
        Arguments.of("malformed JSON", digits, "{\"inputs\": [{\"name\": \"input\", ", "request body ends in the middle"),
        Arguments.of("not JSON", digits, "inputs=1", "request body is not valid JSON (line 1, column"),
        Arguments.of("empty body", digits, "", "request body must be a JSON object"),
        Arguments.of("unknown output", digits,
            "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [1, 64], \"data\": " + zeros(64) + "}],"
                + " \"outputs\": [{\"name\": \"probabilities\"}]}",
            "model 'digits' has no output 'probabilities'; its outputs are 'scores'"),
        Arguments.of("unknown datatype", digits,
            "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"float32\", \"shape\": [1, 64], \"data\": " + zeros(64) + "}]}",
            "input 'input' has datatype \"float32\", which the Open Inference Protocol does not define"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void badRequestsAre400WithAnOipError(String what, String path, String body, String message) throws Exception {
    HttpResponse<String> response = client.post(path, body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonNode error = json(response);
    assertThat(error.propertyNames()).containsExactly("error");
    assertThat(error.get("error").asString()).contains(message);
  }

  @Test
  void unknownModelIs404Everywhere() throws Exception {
    for (HttpResponse<String> response : List.of(
        client.get("/v2/models/nope"),
        client.get("/v2/models/nope/ready"),
        client.post("/v2/models/nope/infer", "{\"inputs\": []}"),
        client.get("/v2/models/digits/versions/7"),
        client.post("/v2/models/digits/versions/7/infer", "{\"inputs\": []}"))) {
      assertThat(response.statusCode()).isEqualTo(404);
      assertThat(json(response).get("error").asString()).containsAnyOf("model 'nope' is not served here",
          "model 'digits' has no version '7'; version '1' is served");
    }
  }

  @Test
  void springsOwnErrorsUnderV2AreOipErrorsToo() throws Exception {
    HttpResponse<String> unknownPath = client.get("/v2/nothing/here");
    assertThat(unknownPath.statusCode()).isEqualTo(404);
    assertThat(json(unknownPath).has("error")).isTrue();
    HttpResponse<String> wrongMethod = client.get("/v2/models/digits/infer");
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(json(wrongMethod).has("error")).isTrue();
    HttpResponse<String> outside = client.get("/nothing");
    assertThat(outside.statusCode()).isEqualTo(404);
    assertThat(outside.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(json(outside).get("type").asString()).isEqualTo("https://incline.dev/problems/not-found");
  }

  @Test
  void binaryDataExtensionIsRefusedClearly() throws Exception {
    HttpResponse<String> response = client.post("/v2/models/digits/infer", "{}", "Inference-Header-Content-Length", "2");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("error").asString()).contains("binary tensor data extension");
  }

  @Test
  void prometheusShowsRequestCountsByOutcomeTheLatencyHistogramAndInFlight() throws Exception {
    assertThat(client.post("/v2/models/digits/infer", OipClient.digitsRequest(TestModels.digitsInput(1), null)).statusCode())
        .isEqualTo(200);
    assertThat(client.post("/v2/models/digits/infer", "{\"inputs\": []}").statusCode()).isEqualTo(400);

    HttpResponse<String> scrape = client.get("/actuator/prometheus");
    assertThat(scrape.statusCode()).isEqualTo(200);
    String metrics = scrape.body();
    assertThat(counter(metrics, "incline_inference_requests_total", "model=\"digits\"", "outcome=\"ok\"")).isGreaterThanOrEqualTo(1);
    assertThat(counter(metrics, "incline_inference_requests_total", "model=\"digits\"", "outcome=\"invalid\"")).isGreaterThanOrEqualTo(1);
    assertThat(metrics).containsPattern("incline_inference_duration_seconds_bucket\\{[^}]*le=\"0\\.001\"[^}]*model=\"digits\"|"
        + "incline_inference_duration_seconds_bucket\\{[^}]*model=\"digits\"[^}]*le=\"");
    assertThat(counter(metrics, "incline_inference_duration_seconds_count", "model=\"digits\"")).isGreaterThanOrEqualTo(1);
    assertThat(metrics).containsPattern("(?m)^incline_inference_in_flight(\\{[^}]*\\})? 0");
    assertThat(metrics).containsPattern("(?m)^incline_inference_queued(\\{[^}]*\\})? 0");
  }

  /** The value of the first sample of {@code name} whose labels include all of {@code labels}; -1 when none. */
  static double counter(String scrape, String name, String... labels) {
    return scrape.lines()
        .filter(line -> line.startsWith(name + "{") && Stream.of(labels).allMatch(line::contains))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .findFirst().orElse(-1);
  }

  private String typesInputs() {
    return """
        [{"name": "int64_in", "datatype": "INT64", "shape": [1, 2], "data": [1, 2]},
         {"name": "int32_in", "datatype": "INT32", "shape": [2, 2], "data": [1, 2, 3, 4]},
         {"name": "fp64_in", "datatype": "FP64", "shape": [1], "data": [1]},
         {"name": "bool_in", "datatype": "BOOL", "shape": [1, 3], "data": [true, true, true]},
         {"name": "bytes_in", "datatype": "BYTES", "shape": [1], "data": ["x"]},
         {"name": "fp16_in", "datatype": "FP16", "shape": [1], "data": [1]},
         {"name": "uint8_in", "datatype": "UINT8", "shape": [1], "data": [1]},
         {"name": "int8_in", "datatype": "INT8", "shape": [1], "data": [1]},
         {"name": "int16_in", "datatype": "INT16", "shape": [1], "data": [1]}]""";
  }

  private static String zeros(int n) {
    return "[" + String.join(",", java.util.Collections.nCopies(n, "0")) + "]";
  }

  static void assertScores(JsonNode data, float[] expected) {
    assertThat(data.size()).isEqualTo(expected.length);
    for (int k = 0; k < expected.length; k++) {
      assertThat(data.get(k).floatValue()).as("score %d", k).isCloseTo(expected[k], within(1e-4f));
    }
  }
}
