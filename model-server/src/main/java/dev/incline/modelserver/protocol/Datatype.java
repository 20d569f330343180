package dev.incline.modelserver.protocol;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The Open Inference Protocol's tensor datatypes, with the ONNX element type of each. Those that ONNX
 * Runtime's Java API cannot feed ({@link #supported()} false) still appear in model metadata.
 *
 * <p>In a {@link Tensor} the elements live in one primitive array per datatype: see {@link #arrayType()}.
 */
public enum Datatype {
  BOOL(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, OnnxJavaType.BOOL, byte[].class),
  UINT8(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, OnnxJavaType.UINT8, byte[].class),
  UINT16(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16, null, null),
  UINT32(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32, null, null),
  UINT64(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64, null, null),
  INT8(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8, OnnxJavaType.INT8, byte[].class),
  INT16(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16, OnnxJavaType.INT16, short[].class),
  INT32(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, OnnxJavaType.INT32, int[].class),
  INT64(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, OnnxJavaType.INT64, long[].class),
  /** Half precision: JSON numbers on the wire, IEEE 754 binary16 bits in a {@code short[]} here. */
  FP16(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, OnnxJavaType.FLOAT16, short[].class),
  FP32(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, OnnxJavaType.FLOAT, float[].class),
  FP64(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, OnnxJavaType.DOUBLE, double[].class),
  /** Strings on the wire (the JSON form of BYTES); a {@code String[]} here. */
  BYTES(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING, OnnxJavaType.STRING, String[].class);

  private static final String SUPPORTED_NAMES = Arrays.stream(values()).filter(Datatype::supported)
      .map(Enum::name).collect(Collectors.joining(", "));

  private final OnnxTensorType onnxType;
  private final OnnxJavaType javaType;
  private final Class<?> arrayType;

  Datatype(OnnxTensorType onnxType, OnnxJavaType javaType, Class<?> arrayType) {
    this.onnxType = onnxType;
    this.javaType = javaType;
    this.arrayType = arrayType;
  }

  /** Whether this server can take and return tensors of this type. */
  public boolean supported() {
    return javaType != null;
  }

  /** ONNX Runtime's Java type; null where unsupported. */
  public OnnxJavaType javaType() {
    return javaType;
  }

  /** The primitive array that holds a tensor's elements; null where unsupported. */
  public Class<?> arrayType() {
    return arrayType;
  }

  /** The datatype named in a request; empty for a name the protocol does not define. */
  public static Optional<Datatype> fromName(String name) {
    for (Datatype type : values()) {
      if (type.name().equals(name)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  /** The datatype of an ONNX element type; empty for those the protocol has no name for (complex, float8, ...). */
  public static Optional<Datatype> fromOnnx(OnnxTensorType onnxType) {
    for (Datatype type : values()) {
      if (type.onnxType == onnxType) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  /** The names of the supported datatypes, for error messages. */
  public static String supportedNames() {
    return SUPPORTED_NAMES;
  }
}
