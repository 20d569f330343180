package dev.incline.modelserver.protocol;

import java.io.OutputStream;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.json.JsonFactory;

/**
 * Writes an inference response straight from the output tensors' primitive arrays with Jackson's
 * streaming generator. Data is flat and row-major, as the protocol's JSON form has it. Non-finite
 * floats (NaN, Infinity) are written as the strings {@code "NaN"}, {@code "Infinity"}: JSON has no
 * such numbers. Thread-safe.
 */
public final class InferenceResponseWriter {

  private final JsonFactory json = JsonFactory.builder()
      .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
      // No flush and no close of the servlet stream: a response that fits the container's buffer then
      // goes out in one piece with a Content-Length instead of chunked.
      .disable(StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
      .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
      .build();

  public void write(InferenceResponse response, OutputStream out) {
    try (JsonGenerator g = json.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      g.writeStringProperty("model_name", response.modelName());
      if (response.modelVersion() != null) {
        g.writeStringProperty("model_version", response.modelVersion());
      }
      if (response.id() != null) {
        g.writeStringProperty("id", response.id());
      }
      g.writeArrayPropertyStart("outputs");
      for (Tensor tensor : response.outputs()) {
        g.writeStartObject();
        g.writeStringProperty("name", tensor.name());
        g.writeStringProperty("datatype", tensor.datatype().name());
        g.writeName("shape");
        g.writeArray(tensor.shape(), 0, tensor.shape().length);
        g.writeName("data");
        writeData(g, tensor);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
  }

  private static void writeData(JsonGenerator g, Tensor tensor) {
    int n = tensor.size();
    switch (tensor.datatype()) {
      case FP32 -> {
        float[] a = (float[]) tensor.data();
        g.writeStartArray();
        for (int i = 0; i < n; i++) {
          g.writeNumber(a[i]);
        }
        g.writeEndArray();
      }
      case FP64 -> g.writeArray((double[]) tensor.data(), 0, n);
      case FP16 -> {
        short[] a = (short[]) tensor.data();
        g.writeStartArray();
        for (int i = 0; i < n; i++) {
          g.writeNumber(Float.float16ToFloat(a[i]));
        }
        g.writeEndArray();
      }
      case INT64 -> g.writeArray((long[]) tensor.data(), 0, n);
      case INT32 -> g.writeArray((int[]) tensor.data(), 0, n);
      case INT16 -> {
        short[] a = (short[]) tensor.data();
        g.writeStartArray();
        for (int i = 0; i < n; i++) {
          g.writeNumber(a[i]);
        }
        g.writeEndArray();
      }
      case INT8, UINT8 -> {
        byte[] a = (byte[]) tensor.data();
        boolean unsigned = tensor.datatype() == Datatype.UINT8;
        g.writeStartArray();
        for (int i = 0; i < n; i++) {
          g.writeNumber(unsigned ? a[i] & 0xFF : a[i]);
        }
        g.writeEndArray();
      }
      case BOOL -> {
        byte[] a = (byte[]) tensor.data();
        g.writeStartArray();
        for (int i = 0; i < n; i++) {
          g.writeBoolean(a[i] != 0);
        }
        g.writeEndArray();
      }
      case BYTES -> g.writeArray((String[]) tensor.data(), 0, n);
      default -> throw new IllegalArgumentException(tensor.datatype() + " is not supported");
    }
  }
}
