package dev.incline.modelserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incline.modelserver.error.InferenceException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.HttpStatus;

class InferenceRequestReaderTest {

  private final InferenceRequestReader reader = new InferenceRequestReader(1 << 20);

  private InferenceRequest read(String json) {
    return reader.read(json.getBytes(StandardCharsets.UTF_8));
  }

  private InferenceException error(String json) {
    try {
      read(json);
    } catch (InferenceException e) {
      return e;
    }
    throw new AssertionError("expected an error for " + json);
  }

  private Tensor single(String datatype, String shape, String data) {
    InferenceRequest request = read("""
        {"inputs": [{"name": "x", "shape": %s, "datatype": "%s", "data": %s}]}""".formatted(shape, datatype, data));
    assertThat(request.inputs()).hasSize(1);
    return request.inputs().getFirst();
  }

  @Test
  void readsFp32IntoAFloatArrayWithTheShape() {
    Tensor tensor = single("FP32", "[2, 3]", "[1, 2.5, -3e-2, 4, 5, 6.25]");
    assertThat(tensor.name()).isEqualTo("x");
    assertThat(tensor.datatype()).isEqualTo(Datatype.FP32);
    assertThat(tensor.shape()).containsExactly(2, 3);
    assertThat(tensor.size()).isEqualTo(6);
    assertThat((float[]) tensor.data()).containsExactly(1f, 2.5f, -0.03f, 4f, 5f, 6.25f);
  }

  @Test
  void flattensNestedDataRowMajor() {
    Tensor nested = single("FP32", "[2, 2, 2]", "[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]");
    assertThat((float[]) nested.data()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
  }

  @Test
  void readsEveryDatatypeIntoItsPrimitiveArray() {
    assertThat((double[]) single("FP64", "[2]", "[0.1, -1e300]").data()).containsExactly(0.1, -1e300);
    assertThat((short[]) single("FP16", "[2]", "[1.5, -0.25]").data())
        .containsExactly(Float.floatToFloat16(1.5f), Float.floatToFloat16(-0.25f));
    assertThat((long[]) single("INT64", "[2]", "[9223372036854775807, -9223372036854775808]").data())
        .containsExactly(Long.MAX_VALUE, Long.MIN_VALUE);
    assertThat((int[]) single("INT32", "[2]", "[2147483647, -2147483648]").data())
        .containsExactly(Integer.MAX_VALUE, Integer.MIN_VALUE);
    assertThat((short[]) single("INT16", "[2]", "[32767, -32768]").data()).containsExactly((short) 32767, (short) -32768);
    assertThat((byte[]) single("INT8", "[2]", "[127, -128]").data()).containsExactly((byte) 127, (byte) -128);
    assertThat((byte[]) single("UINT8", "[2]", "[0, 255]").data()).containsExactly((byte) 0, (byte) 255);
    assertThat((byte[]) single("BOOL", "[3]", "[true, false, true]").data()).containsExactly(1, 0, 1);
    assertThat((String[]) single("BYTES", "[2]", "[\"héllo\", \"\"]").data()).containsExactly("héllo", "");
  }

  @Test
  void takesDataThatComesBeforeDatatypeAndShape() {
    InferenceRequest request = read("""
        {"inputs": [{"data": [[1, 2], [3, 4]], "name": "x", "shape": [2, 2], "datatype": "INT64"}]}""");
    Tensor tensor = request.inputs().getFirst();
    assertThat((long[]) tensor.data()).startsWith(1, 2, 3, 4);
    assertThat(tensor.size()).isEqualTo(4);
  }

  @Test
  void takesShapeAfterData() {
    Tensor tensor = read("""
        {"inputs": [{"name": "x", "datatype": "FP32", "data": [1, 2, 3], "shape": [3]}]}""").inputs().getFirst();
    assertThat(tensor.size()).isEqualTo(3);
    assertThat((float[]) tensor.data()).startsWith(1, 2, 3);
  }

  @Test
  void readsIdOutputsAndSkipsParameters() {
    InferenceRequest request = read("""
        {"id": "req-7", "parameters": {"a": [1, {"b": 2}]},
         "inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "parameters": {"binary_data_size": 4}, "data": [1]},
                    {"name": "y", "shape": [0], "datatype": "BYTES", "data": []}],
         "outputs": [{"name": "b", "parameters": {"binary_data": false}}, {"name": "a"}],
         "extra": {"ignored": true}}""");
    assertThat(request.id()).isEqualTo("req-7");
    assertThat(request.inputs()).extracting(Tensor::name).containsExactly("x", "y");
    assertThat(request.inputs().get(1).size()).isZero();
    assertThat(request.outputs()).containsExactly("b", "a");
  }

  @Test
  void requestWithoutOutputsAsksForAll() {
    assertThat(read("{\"inputs\": []}").outputs()).isEmpty();
    assertThat(read("{\"inputs\": [], \"outputs\": []}").outputs()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      not JSON                 | {"inputs": [{"name": "x",,}]}                                                              | request body is not valid JSON (line 1, column
      truncated                | {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1                     | request body ends in the middle
      truncated in a name      | {"inputs": [{"name": "x",                                                                  | request body ends in the middle of a JSON value
      not an object            | [1, 2]                                                                                     | request body must be a JSON object
      trailing content         | {"inputs": []} {}                                                                          | more after its JSON object
      no inputs                | {"id": "a"}                                                                                | request has no "inputs"
      inputs not an array      | {"inputs": {}}                                                                             | "inputs" must be an array
      no name                  | {"inputs": [{"shape": [1], "datatype": "FP32", "data": [1]}]}                               | inputs[0] has no "name"
      no datatype              | {"inputs": [{"name": "x", "shape": [1], "data": [1]}]}                                       | input 'x' has no "datatype"
      no shape                 | {"inputs": [{"name": "x", "datatype": "FP32", "data": [1]}]}                                 | input 'x' has no "shape"
      no data                  | {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32"}]}                                | input 'x' has no "data"
      unknown datatype         | {"inputs": [{"name": "x", "shape": [1], "datatype": "FLOAT", "data": [1]}]}                  | datatype "FLOAT", which the Open Inference Protocol does not define
      unsupported datatype     | {"inputs": [{"name": "x", "shape": [1], "datatype": "UINT32", "data": [1]}]}                 | datatype UINT32, which this server does not support
      negative dimension       | {"inputs": [{"name": "x", "shape": [-1], "datatype": "FP32", "data": [1]}]}                  | "shape" must be an array of non-negative integers
      fractional dimension     | {"inputs": [{"name": "x", "shape": [1.5], "datatype": "FP32", "data": [1]}]}                 | "shape" must be an array of non-negative integers
      too few values           | {"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [1, 2, 3]}]}          | input 'x' has 3 values in "data"; shape [2, 2] needs 4
      too many values          | {"inputs": [{"name": "x", "shape": [2], "datatype": "FP32", "data": [[1, 2], [3]]}]}         | input 'x' has 3 values in "data"; shape [2] needs 2
      too many, shape last     | {"inputs": [{"name": "x", "datatype": "FP32", "data": [1, 2, 3], "shape": [2]}]}             | input 'x' has 3 values in "data"; shape [2] needs 2
      data not an array        | {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": 1}]}                     | "data" must be an array
      string for FP32          | {"inputs": [{"name": "x", "shape": [2], "datatype": "FP32", "data": [1, "2"]}]}              | input 'x' "data"[1] is not a FP32 number
      float for INT64          | {"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1.5]}]}                | input 'x' "data"[0] is not an INT64 integer
      INT64 overflow           | {"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [9223372036854775808]}]} | input 'x' "data"[0] is out of range for INT64
      INT32 overflow           | {"inputs": [{"name": "x", "shape": [1], "datatype": "INT32", "data": [2147483648]}]}          | input 'x' "data"[0] is out of range for INT32
      UINT8 negative           | {"inputs": [{"name": "x", "shape": [1], "datatype": "UINT8", "data": [-1]}]}                  | input 'x' "data"[0] is out of range for UINT8
      INT8 overflow            | {"inputs": [{"name": "x", "shape": [1], "datatype": "INT8", "data": [128]}]}                  | input 'x' "data"[0] is out of range for INT8
      number for BOOL          | {"inputs": [{"name": "x", "shape": [1], "datatype": "BOOL", "data": [1]}]}                    | input 'x' "data"[0] is not a BOOL (true or false)
      number for BYTES         | {"inputs": [{"name": "x", "shape": [1], "datatype": "BYTES", "data": [1]}]}                   | input 'x' "data"[0] is not a BYTES value
      object in data           | {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [{}]}]}                   | input 'x' "data"[0] is not a FP32 number
      duplicate input          | {"inputs": [{"name": "x", "shape": [0], "datatype": "FP32", "data": []}, {"name": "x", "shape": [0], "datatype": "FP32", "data": []}]} | input 'x' is given more than once
      duplicate output         | {"inputs": [], "outputs": [{"name": "a"}, {"name": "a"}]}                                    | output 'a' is asked for more than once
      output without name      | {"inputs": [], "outputs": [{}]}                                                               | outputs[0] has no "name"
      id not a string          | {"id": 5, "inputs": []}                                                                       | id must be a string
      shape too large for body | {"inputs": [{"name": "x", "shape": [1000000, 1000], "datatype": "FP32", "data": []}]}        | values do not fit in a request of at most 1048576 bytes
      """)
  void rejectsWithAMessageThatSaysWhatIsWrong(String what, String json, String message) {
    InferenceException e = error(json);
    assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
    assertThat(e.getMessage()).contains(message);
  }

  @Test
  void malformedJsonErrorDoesNotQuoteTheBody() {
    InferenceException e = error("{\"inputs\": [secret-value]}");
    assertThat(e.getMessage()).startsWith("request body is not valid JSON").doesNotContain("secret");
  }

  @Test
  void bodyOverTheLimitIs413EvenWithoutContentLength() {
    InferenceRequestReader small = new InferenceRequestReader(100);
    String json = "{\"inputs\": [{\"name\": \"x\", \"shape\": [40], \"datatype\": \"FP32\", \"data\": ["
        + String.join(",", java.util.Collections.nCopies(40, "1")) + "]}]}";
    assertThatThrownBy(() -> small.read(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(InferenceException.class, e -> {
          assertThat(e.status()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
          assertThat(e.getMessage()).contains("larger than 100 bytes");
        });
  }

  @Test
  void aSmallBodyThatClaimsAHugeShapeAllocatesOnlyForWhatArrives() {
    InferenceRequestReader generous = new InferenceRequestReader(1L << 40);
    String json = "{\"inputs\": [{\"name\": \"x\", \"shape\": [2000000000], \"datatype\": \"FP64\", \"data\": [1]}]}";
    assertThatThrownBy(() -> generous.read(json.getBytes(StandardCharsets.UTF_8)))
        .hasMessage("input 'x' has 1 value in \"data\"; shape [2000000000] needs 2000000000");
  }

  @Test
  void keepsInputOrder() {
    InferenceRequest request = read("""
        {"inputs": [{"name": "b", "shape": [0], "datatype": "FP32", "data": []},
                    {"name": "a", "shape": [0], "datatype": "FP32", "data": []}]}""");
    assertThat(request.inputs()).extracting(Tensor::name).isEqualTo(List.of("b", "a"));
  }
}
