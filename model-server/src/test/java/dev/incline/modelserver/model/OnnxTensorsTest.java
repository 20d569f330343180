package dev.incline.modelserver.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.incline.modelserver.protocol.Datatype;
import dev.incline.modelserver.protocol.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Protocol tensors into ONNX Runtime tensors and back, on the real native library. */
class OnnxTensorsTest {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  static Stream<Tensor> everyDatatype() {
    return Stream.of(
        Tensor.of("fp32", Datatype.FP32, new long[] {2, 3}, new float[] {1, -2.5f, 3e-8f, Float.MAX_VALUE, 0, -0f}),
        Tensor.of("fp64", Datatype.FP64, new long[] {3}, new double[] {0.1, -1e300, Math.PI}),
        Tensor.of("fp16", Datatype.FP16, new long[] {2}, new short[] {Float.floatToFloat16(1.5f), Float.floatToFloat16(-65504f)}),
        Tensor.of("int64", Datatype.INT64, new long[] {2, 1}, new long[] {Long.MAX_VALUE, Long.MIN_VALUE}),
        Tensor.of("int32", Datatype.INT32, new long[] {2}, new int[] {Integer.MAX_VALUE, -1}),
        Tensor.of("int16", Datatype.INT16, new long[] {2}, new short[] {Short.MIN_VALUE, 7}),
        Tensor.of("int8", Datatype.INT8, new long[] {2}, new byte[] {Byte.MIN_VALUE, Byte.MAX_VALUE}),
        Tensor.of("uint8", Datatype.UINT8, new long[] {2}, new byte[] {0, (byte) 255}),
        Tensor.of("bool", Datatype.BOOL, new long[] {1, 3}, new byte[] {1, 0, 1}),
        Tensor.of("bytes", Datatype.BYTES, new long[] {2, 2}, new String[] {"a", "héllo", "", "日本"}),
        Tensor.of("scalar", Datatype.FP32, new long[] {}, new float[] {42}),
        Tensor.of("empty", Datatype.INT64, new long[] {0, 4}, new long[] {}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyDatatype")
  void roundTripsThroughOnnxRuntime(Tensor tensor) throws OrtException {
    try (OnnxTensor onnx = OnnxTensors.create(ENV, tensor)) {
      assertThat(onnx.getInfo().getShape()).containsExactly(tensor.shape());
      assertThat(onnx.getInfo().onnxType).isEqualTo(onnxTypeOf(tensor.datatype()));
      assertThat(OnnxTensors.read(tensor.name(), onnx)).isEqualTo(tensor);
    }
  }

  @Test
  void usesOnlyTheFirstSizeElementsOfAnOversizedParseBuffer() throws OrtException {
    Tensor parsed = new Tensor("x", Datatype.FP32, new long[] {2}, new float[] {1, 2, 0, 0, 0, 0, 0, 0}, 2);
    try (OnnxTensor onnx = OnnxTensors.create(ENV, parsed)) {
      Tensor back = OnnxTensors.read("x", onnx);
      assertThat((float[]) back.data()).containsExactly(1, 2);
    }
    Tensor strings = new Tensor("s", Datatype.BYTES, new long[] {1}, new String[] {"a", null, null}, 1);
    try (OnnxTensor onnx = OnnxTensors.create(ENV, strings)) {
      assertThat((String[]) OnnxTensors.read("s", onnx).data()).containsExactly("a");
    }
  }

  @Test
  void booleansAreOnnxBoolNotBytes() throws OrtException {
    try (OnnxTensor onnx = OnnxTensors.create(ENV, Tensor.of("b", Datatype.BOOL, new long[] {2}, new byte[] {1, 0}))) {
      assertThat(onnx.getInfo().type).isEqualTo(OnnxJavaType.BOOL);
      assertThat((boolean[]) onnx.getValue()).containsExactly(true, false);
    }
  }

  private static Object onnxTypeOf(Datatype datatype) {
    return Stream.of(ai.onnxruntime.TensorInfo.OnnxTensorType.values())
        .filter(t -> Datatype.fromOnnx(t).orElse(null) == datatype).findFirst().orElseThrow();
  }
}
