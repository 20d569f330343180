package dev.incline.modelserver.model;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import dev.incline.modelserver.protocol.Datatype;
import dev.incline.modelserver.protocol.Tensor;
import java.lang.reflect.Array;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;

/**
 * Converts between the protocol's {@link Tensor} and ONNX Runtime's {@link OnnxTensor}.
 *
 * <p>Inputs: the parsed primitive array is wrapped in a buffer of the matching type and ONNX Runtime
 * copies it once into native memory; nothing is boxed and no intermediate array is made. Outputs:
 * ONNX Runtime copies native memory into a heap buffer, whose backing array becomes the tensor's data.
 */
public final class OnnxTensors {
  private OnnxTensors() {}

  public static OnnxTensor create(OrtEnvironment env, Tensor tensor) throws OrtException {
    long[] shape = tensor.shape();
    int n = tensor.size();
    Object data = tensor.data();
    return switch (tensor.datatype()) {
      case FP32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) data, 0, n), shape);
      case FP64 -> OnnxTensor.createTensor(env, DoubleBuffer.wrap((double[]) data, 0, n), shape);
      case FP16 -> OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) data, 0, n), shape, OnnxJavaType.FLOAT16);
      case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap((long[]) data, 0, n), shape);
      case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap((int[]) data, 0, n), shape);
      case INT16 -> OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) data, 0, n), shape, OnnxJavaType.INT16);
      case INT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) data, 0, n), shape, OnnxJavaType.INT8);
      case UINT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) data, 0, n), shape, OnnxJavaType.UINT8);
      case BOOL -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) data, 0, n), shape, OnnxJavaType.BOOL);
      case BYTES -> {
        String[] strings = (String[]) data;
        yield OnnxTensor.createTensor(env, strings.length == n ? strings : Arrays.copyOf(strings, n), shape);
      }
      default -> throw new IllegalArgumentException(tensor.datatype() + " is not supported");
    };
  }

  /** The tensor's elements, copied out of native memory, under {@code name}. */
  public static Tensor read(String name, OnnxTensor tensor) throws OrtException {
    TensorInfo info = tensor.getInfo();
    Datatype datatype = Datatype.fromOnnx(info.onnxType).filter(Datatype::supported)
        .orElseThrow(() -> new IllegalArgumentException("output '" + name + "' has ONNX type " + info.onnxType
            + ", which this server cannot return"));
    long[] shape = info.getShape();
    int n = Math.toIntExact(info.getNumElements());
    Object data = switch (datatype) {
      case FP32 -> array(tensor.getFloatBuffer(), n);
      case FP64 -> array(tensor.getDoubleBuffer(), n);
      case FP16, INT16 -> array(tensor.getShortBuffer(), n); // FP16: the raw binary16 bits
      case INT64 -> array(tensor.getLongBuffer(), n);
      case INT32 -> array(tensor.getIntBuffer(), n);
      case INT8, UINT8, BOOL -> array(tensor.getByteBuffer(), n);
      case BYTES -> strings(tensor.getValue(), n);
      default -> throw new IllegalArgumentException(datatype + " is not supported");
    };
    return new Tensor(name, datatype, shape, data, n);
  }

  /** The heap buffer's own array where it is exactly the elements (ONNX Runtime allocates it so), else a copy. */
  private static Object array(Buffer buffer, int n) {
    if (buffer.hasArray() && buffer.arrayOffset() == 0 && buffer.position() == 0 && buffer.remaining() == n) {
      return buffer.array();
    }
    return switch (buffer) {
      case FloatBuffer b -> { float[] a = new float[n]; b.get(a); yield a; }
      case DoubleBuffer b -> { double[] a = new double[n]; b.get(a); yield a; }
      case ShortBuffer b -> { short[] a = new short[n]; b.get(a); yield a; }
      case LongBuffer b -> { long[] a = new long[n]; b.get(a); yield a; }
      case IntBuffer b -> { int[] a = new int[n]; b.get(a); yield a; }
      case ByteBuffer b -> { byte[] a = new byte[n]; b.get(a); yield a; }
      default -> throw new IllegalArgumentException("unexpected buffer " + buffer.getClass());
    };
  }

  /** ONNX Runtime returns string tensors as nested {@code String[]...[]} by rank (a plain String for rank 0). */
  private static String[] strings(Object value, int n) {
    String[] out = new String[n];
    int filled = flatten(value, out, 0);
    if (filled != n) {
      throw new IllegalStateException("string tensor has " + filled + " elements, its shape says " + n);
    }
    return out;
  }

  private static int flatten(Object value, String[] out, int at) {
    if (value instanceof String s) {
      out[at] = s;
      return at + 1;
    }
    if (value instanceof String[] strings) {
      System.arraycopy(strings, 0, out, at, strings.length);
      return at + strings.length;
    }
    int length = Array.getLength(value);
    for (int i = 0; i < length; i++) {
      at = flatten(Array.get(value, i), out, at);
    }
    return at;
  }
}
