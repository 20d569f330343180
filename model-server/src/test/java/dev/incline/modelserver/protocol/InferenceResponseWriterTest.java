package dev.incline.modelserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class InferenceResponseWriterTest {

  private final InferenceResponseWriter writer = new InferenceResponseWriter();

  private String write(InferenceResponse response) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writer.write(response, out);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void writesTheProtocolsResponseWithFlatData() {
    String json = write(new InferenceResponse("digits", "1", "req-1", List.of(
        Tensor.of("scores", Datatype.FP32, new long[] {2, 2}, new float[] {0.5f, -1f, 3.25f, 0.1f}))));
    assertThat(json).isEqualTo("{\"model_name\":\"digits\",\"model_version\":\"1\",\"id\":\"req-1\",\"outputs\":["
        + "{\"name\":\"scores\",\"datatype\":\"FP32\",\"shape\":[2,2],\"data\":[0.5,-1.0,3.25,0.1]}]}");
  }

  @Test
  void leavesOutAnAbsentIdAndWritesOnlyTheTensorsSize() {
    float[] oversized = {1, 2, 99, 99};
    String json = write(new InferenceResponse("m", "1", null,
        List.of(new Tensor("y", Datatype.FP32, new long[] {2}, oversized, 2))));
    assertThat(json).doesNotContain("\"id\"").contains("\"data\":[1.0,2.0]");
  }

  @Test
  void writesEveryDatatype() {
    String json = write(new InferenceResponse("m", "1", null, List.of(
        Tensor.of("f64", Datatype.FP64, new long[] {1}, new double[] {0.1}),
        Tensor.of("f16", Datatype.FP16, new long[] {2}, new short[] {Float.floatToFloat16(1.5f), Float.floatToFloat16(-2f)}),
        Tensor.of("i64", Datatype.INT64, new long[] {1}, new long[] {Long.MIN_VALUE}),
        Tensor.of("i32", Datatype.INT32, new long[] {1}, new int[] {-7}),
        Tensor.of("i16", Datatype.INT16, new long[] {1}, new short[] {-300}),
        Tensor.of("i8", Datatype.INT8, new long[] {1}, new byte[] {-128}),
        Tensor.of("u8", Datatype.UINT8, new long[] {1}, new byte[] {(byte) 255}),
        Tensor.of("b", Datatype.BOOL, new long[] {2}, new byte[] {1, 0}),
        Tensor.of("s", Datatype.BYTES, new long[] {2}, new String[] {"a\"b", "é"}))));
    assertThat(json)
        .contains("\"name\":\"f64\",\"datatype\":\"FP64\",\"shape\":[1],\"data\":[0.1]")
        .contains("\"data\":[1.5,-2.0]")
        .contains("\"data\":[-9223372036854775808]")
        .contains("\"data\":[-7]")
        .contains("\"data\":[-300]")
        .contains("\"data\":[-128]")
        .contains("\"data\":[255]")
        .contains("\"data\":[true,false]")
        .contains("\"data\":[\"a\\\"b\",\"é\"]");
  }

  @Test
  void writesNonFiniteFloatsAsStrings() {
    String json = write(new InferenceResponse("m", "1", null,
        List.of(Tensor.of("y", Datatype.FP32, new long[] {2}, new float[] {Float.NaN, Float.POSITIVE_INFINITY}))));
    assertThat(json).contains("\"data\":[\"NaN\",\"Infinity\"]");
  }
}
