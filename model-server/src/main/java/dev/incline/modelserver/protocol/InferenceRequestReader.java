package dev.incline.modelserver.protocol;

import dev.incline.modelserver.error.InferenceException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.json.JsonFactory;

/**
 * Parses an inference request straight from the body's bytes into primitive arrays: one pass of
 * Jackson's streaming parser, no tree, no boxed numbers. Checks what the protocol alone decides (JSON
 * form, datatype names, shape against the number of elements); the model's signature is checked by
 * the model. Thread-safe.
 *
 * <p>Tensor data may be flat or nested; nesting is flattened row-major. When an input's {@code data}
 * comes before its {@code datatype} (the protocol does not fix the order, though clients send name,
 * shape, datatype, data), the data's JSON is set aside and parsed once the datatype is known.
 */
public final class InferenceRequestReader {

  /** More dimensions than any ONNX Runtime tensor has; only keeps a silly shape from allocating much. */
  private static final int MAX_RANK = 32;

  private final JsonFactory json;
  private final long maxBytes;

  /** @param maxBytes the largest body accepted; a longer one is a 413 */
  public InferenceRequestReader(long maxBytes) {
    this.maxBytes = maxBytes;
    int maxString = (int) Math.min(Integer.MAX_VALUE, maxBytes);
    this.json = JsonFactory.builder()
        .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
        // the servlet container owns the request stream
        .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
        // a BYTES element may be as long as the body allows (Jackson's default stops at 20 M chars)
        .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(maxString).build())
        .build();
  }

  public InferenceRequest read(byte[] body) {
    return read(new ByteArrayInputStream(body));
  }

  public InferenceRequest read(InputStream body) {
    try (JsonParser parser = json.createParser(ObjectReadContext.empty(), new LimitedInputStream(body, maxBytes))) {
      return readRequest(parser);
    } catch (JacksonException e) {
      throw translate(e);
    }
  }

  /** The largest body accepted. */
  public long maxBytes() {
    return maxBytes;
  }

  /** The error for a body that Content-Length already says is too large, before reading it. */
  public InferenceException tooLarge() {
    return InferenceException.tooLarge("request body is larger than " + maxBytes
        + " bytes (incline.model-server.max-request-size)");
  }

  private InferenceException translate(JacksonException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof BodyTooLarge) {
        return tooLarge();
      }
    }
    // Where, never what: Jackson's own message quotes the offending input.
    boolean truncated = e instanceof tools.jackson.core.exc.UnexpectedEndOfInputException
        || String.valueOf(e.getOriginalMessage()).contains("end-of-input"); // not every EOF has the subclass
    String problem = truncated
        ? "request body ends in the middle of a JSON value"
        : e instanceof tools.jackson.core.exc.StreamConstraintsException
            ? "request body exceeds a JSON parser limit (nesting depth or number length)"
            : "request body is not valid JSON";
    TokenStreamLocation location = e.getLocation();
    if (location != null && location.getLineNr() > 0) {
      problem += " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
    return InferenceException.badRequest(problem);
  }

  private InferenceRequest readRequest(JsonParser p) {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw bad("request body must be a JSON object with \"inputs\"");
    }
    String id = null;
    List<Tensor> inputs = null;
    List<String> outputs = List.of();
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken value = p.nextToken();
      switch (field) {
        case "id" -> id = value == JsonToken.VALUE_NULL ? null : string(p, value, "id");
        case "inputs" -> inputs = readInputs(p, value);
        case "outputs" -> outputs = readOutputs(p, value);
        default -> p.skipChildren(); // "parameters", and whatever a newer client adds
      }
    }
    if (p.nextToken() != null) {
      throw bad("request body has more after its JSON object");
    }
    if (inputs == null) {
      throw bad("request has no \"inputs\"");
    }
    return new InferenceRequest(id, inputs, outputs);
  }

  private List<Tensor> readInputs(JsonParser p, JsonToken value) {
    if (value != JsonToken.START_ARRAY) {
      throw bad("\"inputs\" must be an array of tensors");
    }
    List<Tensor> inputs = new ArrayList<>(4);
    Set<String> names = new HashSet<>(4);
    JsonToken token;
    while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
      if (token != JsonToken.START_OBJECT) {
        throw bad("inputs[" + inputs.size() + "] must be an object");
      }
      Tensor input = readInput(p, inputs.size());
      if (!names.add(input.name())) {
        throw bad("input '" + input.name() + "' is given more than once");
      }
      inputs.add(input);
    }
    return inputs;
  }

  private Tensor readInput(JsonParser p, int index) {
    String name = null;
    Datatype datatype = null;
    long[] shape = null;
    Elements data = null;
    byte[] deferred = null;
    String field;
    while ((field = p.nextName()) != null) {
      JsonToken value = p.nextToken();
      String where = name != null ? "input '" + name + "'" : "inputs[" + index + "]";
      switch (field) {
        case "name" -> name = string(p, value, "inputs[" + index + "].name");
        case "datatype" -> datatype = datatype(p, value, where);
        case "shape" -> shape = shape(p, value, where);
        case "data" -> {
          if (datatype != null) {
            data = data(p, value, datatype, shape, where);
          } else {
            deferred = copy(p);
          }
        }
        default -> p.skipChildren(); // "parameters"; the binary data extension is refused by the controller
      }
    }
    String where = name != null ? "input '" + name + "'" : "inputs[" + index + "]";
    if (name == null) {
      throw bad(where + " has no \"name\"");
    }
    if (datatype == null) {
      throw bad(where + " has no \"datatype\"");
    }
    if (shape == null) {
      throw bad(where + " has no \"shape\"");
    }
    if (data == null && deferred == null) {
      throw bad(where + " has no \"data\"");
    }
    if (data == null) {
      try (JsonParser again = json.createParser(ObjectReadContext.empty(), deferred)) {
        data = data(again, again.nextToken(), datatype, shape, where);
      }
    }
    long expected = Tensor.elementCount(shape);
    if (data.count != expected) {
      throw bad(where + " has " + data.count + (data.count == 1 ? " value" : " values") + " in \"data\"; shape "
          + Tensor.format(shape)
          + " needs " + expected);
    }
    return new Tensor(name, datatype, shape, data.array(), data.size);
  }

  private Datatype datatype(JsonParser p, JsonToken value, String where) {
    String name = string(p, value, where + ".datatype");
    Datatype datatype = Datatype.fromName(name).orElseThrow(() -> bad(where + " has datatype \"" + abbreviate(name)
        + "\", which the Open Inference Protocol does not define; this server takes " + Datatype.supportedNames()));
    if (!datatype.supported()) {
      throw bad(where + " has datatype " + datatype + ", which this server does not support; it takes "
          + Datatype.supportedNames());
    }
    return datatype;
  }

  private long[] shape(JsonParser p, JsonToken value, String where) {
    if (value != JsonToken.START_ARRAY) {
      throw bad(where + " \"shape\" must be an array of non-negative integers");
    }
    long[] shape = new long[4];
    int rank = 0;
    JsonToken token;
    while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
      long dim = token == JsonToken.VALUE_NUMBER_INT ? longOrMinusOne(p) : -1;
      if (dim < 0) {
        throw bad(where + " \"shape\" must be an array of non-negative integers");
      }
      if (rank == MAX_RANK) {
        throw bad(where + " \"shape\" has more than " + MAX_RANK + " dimensions");
      }
      if (rank == shape.length) {
        shape = Arrays.copyOf(shape, rank * 2);
      }
      shape[rank++] = dim;
    }
    shape = Arrays.copyOf(shape, rank);
    if (Tensor.elementCount(shape) < 0 || Tensor.elementCount(shape) > Integer.MAX_VALUE - 8) {
      throw bad(where + " has shape " + Tensor.format(shape) + ", more elements than one tensor can hold");
    }
    return shape;
  }

  private static long longOrMinusOne(JsonParser p) {
    try {
      return p.getLongValue();
    } catch (InputCoercionException e) {
      return -1;
    }
  }

  private Elements data(JsonParser p, JsonToken value, Datatype datatype, long[] shape, String where) {
    if (value != JsonToken.START_ARRAY) {
      throw bad(where + " \"data\" must be an array (flat, or nested like the shape)");
    }
    long expected = shape == null ? -1 : Tensor.elementCount(shape);
    // Each element takes at least two bytes ("0,"): a shape that needs more cannot be what follows.
    if (expected > maxBytes / 2 + 1) {
      throw bad(where + " has shape " + Tensor.format(shape) + ": " + expected + " values do not fit in a request of at most "
          + maxBytes + " bytes");
    }
    // Sized by the shape, but not beyond 64 Ki elements before they arrive: a small body that claims a
    // huge shape must not make the server allocate for it. Larger tensors grow by doubling.
    int capacity = expected >= 0 ? (int) Math.min(expected, 1 << 16) : 16;
    long storeAtMost = expected >= 0 ? expected : Integer.MAX_VALUE - 8;
    Elements elements = Elements.of(datatype, capacity, where);
    int depth = 1;
    while (depth > 0) {
      JsonToken token = p.nextToken();
      if (token == JsonToken.START_ARRAY) {
        depth++;
      } else if (token == JsonToken.END_ARRAY) {
        depth--;
      } else if (token == null) {
        throw bad("request body ends in the middle of " + where + " \"data\"");
      } else if (elements.count < storeAtMost) {
        elements.add(p, token);
      } else {
        elements.count++; // too many for the shape: counted for the message, not kept
      }
    }
    return elements;
  }

  private List<String> readOutputs(JsonParser p, JsonToken value) {
    if (value != JsonToken.START_ARRAY) {
      throw bad("\"outputs\" must be an array of {\"name\": ...}");
    }
    List<String> outputs = new ArrayList<>(2);
    JsonToken token;
    while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
      String where = "outputs[" + outputs.size() + "]";
      if (token != JsonToken.START_OBJECT) {
        throw bad(where + " must be an object with a \"name\"");
      }
      String name = null;
      String field;
      while ((field = p.nextName()) != null) {
        JsonToken fieldValue = p.nextToken();
        if (field.equals("name")) {
          name = string(p, fieldValue, where + ".name");
        } else {
          p.skipChildren(); // "parameters" (binary_data, classification: extensions this server lacks)
        }
      }
      if (name == null) {
        throw bad(where + " has no \"name\"");
      }
      if (outputs.contains(name)) {
        throw bad("output '" + name + "' is asked for more than once");
      }
      outputs.add(name);
    }
    return outputs;
  }

  private byte[] copy(JsonParser p) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator generator = json.createGenerator(ObjectWriteContext.empty(), out)) {
      generator.copyCurrentStructure(p);
    }
    return out.toByteArray();
  }

  private static String string(JsonParser p, JsonToken value, String what) {
    if (value != JsonToken.VALUE_STRING) {
      throw bad(what + " must be a string");
    }
    return p.getString();
  }

  private static String abbreviate(String s) {
    return s.length() <= 32 ? s : s.substring(0, 32) + "...";
  }

  private static InferenceException bad(String message) {
    return InferenceException.badRequest(message);
  }

  /**
   * A growing primitive array of one datatype's elements. One subclass per array type, so that the
   * parse loop stores without boxing; {@code count} may pass {@code size} when there are too many.
   */
  private abstract static class Elements {
    final String where;
    final Datatype datatype;
    int size;
    long count;

    Elements(String where, Datatype datatype) {
      this.where = where;
      this.datatype = datatype;
    }

    static Elements of(Datatype datatype, int capacity, String where) {
      return switch (datatype) {
        case FP32 -> new Floats(capacity, where);
        case FP64 -> new Doubles(capacity, where);
        case FP16 -> new Halfs(capacity, where);
        case INT64 -> new Longs(capacity, where);
        case INT32 -> new Ints(capacity, where);
        case INT16 -> new Shorts(capacity, where, Short.MIN_VALUE, Short.MAX_VALUE);
        case INT8 -> new Bytes(datatype, capacity, where, Byte.MIN_VALUE, Byte.MAX_VALUE);
        case UINT8 -> new Bytes(datatype, capacity, where, 0, 255);
        case BOOL -> new Booleans(capacity, where);
        case BYTES -> new Strings(capacity, where);
        default -> throw new IllegalArgumentException(datatype + " is not supported");
      };
    }

    abstract void add(JsonParser p, JsonToken token);

    abstract Object array();

    int grown() {
      if (size >= Integer.MAX_VALUE - 8) {
        throw bad(where + " has more values than one tensor can hold");
      }
      return (int) Math.min(Integer.MAX_VALUE - 8, Math.max(16, (long) size * 2));
    }

    double number(JsonParser p, JsonToken token) {
      if (token != JsonToken.VALUE_NUMBER_FLOAT && token != JsonToken.VALUE_NUMBER_INT) {
        throw notA("number");
      }
      return p.getDoubleValue();
    }

    long integer(JsonParser p, JsonToken token, long min, long max) {
      if (token != JsonToken.VALUE_NUMBER_INT) {
        throw notA("integer");
      }
      long value;
      try {
        value = p.getLongValue();
      } catch (InputCoercionException e) {
        throw outOfRange();
      }
      if (value < min || value > max) {
        throw outOfRange();
      }
      return value;
    }

    InferenceException notA(String what) {
      return bad(where + " \"data\"[" + count + "] is not " + (datatype == Datatype.INT8 || datatype == Datatype.INT16
          || datatype == Datatype.INT32 || datatype == Datatype.INT64 ? "an " : "a ") + datatype + " " + what);
    }

    InferenceException outOfRange() {
      return bad(where + " \"data\"[" + count + "] is out of range for " + datatype);
    }
  }

  private static final class Floats extends Elements {
    float[] values;

    Floats(int capacity, String where) {
      super(where, Datatype.FP32);
      values = new float[capacity];
    }

    @Override
    void add(JsonParser p, JsonToken token) {
      if (token != JsonToken.VALUE_NUMBER_FLOAT && token != JsonToken.VALUE_NUMBER_INT) {
        throw notA("number");
      }
      if (size == values.length) {
        values = Arrays.copyOf(values, grown());
      }
      values[size++] = p.getFloatValue();
      count++;
    }

    @Override
    Object array() {
      return values;
    }
  }

  private static final class Doubles extends Elements {
    double[] values;

    Doubles(int capacity, String where) {
      super(where, Datatype.FP64);
      values = new double[capacity];
    }

    @Override
    void add(JsonParser p, JsonToken token) {
      double value = number(p, token);
      if (size == values.length) {
        values = Arrays.copyOf(values, grown());
      }
      values[size++] = value;
      count++;
    }

    @Override
    Object array() {
      return values;
    }
  }

  private static final class Halfs extends Elements {
    short[] values;

    Halfs(int capacity, String where) {
      super(where, Datatype.FP16);
      values = new short[capacity];
    }

    @Override
    void add(JsonParser p, JsonToken token) {
      if (token != JsonToken.VALUE_NUMBER_FLOAT && token != JsonToken.VALUE_NUMBER_INT) {
        throw notA("number");
      }
      if (size == values.length) {
        values = Arrays.copyOf(values, grown());
      }
      values[size++] = Float.floatToFloat16(p.getFloatValue());
      count++;
    }

    @Override
    Object array() {
      return values;
    }
  }

  private static final class Longs extends Elements {
    long[] values;

    Longs(int capacity, String where) {
      super(where, Datatype.INT64);
      values = new long[capacity];
    }

    @Override
    void add(JsonParser p, JsonToken token) {
      long value = integer(p, token, Long.MIN_VALUE, Long.MAX_VALUE);
      if (size == values.length) {
        values = Arrays.copyOf(values, grown());
      }
      values[size++] = value;
      count++;
    }

    @Override
    Object array() {
      return values;
    }
  }

  private static final class Ints extends Elements {
    int[] values;

    Ints(int capacity, String where) {
      super(where, Datatype.INT32);
      values = new int[capacity];
    }

    @Override
    void add(JsonParser p, JsonToken token) {
      int value = (int) integer(p, token, Integer.MIN_VALUE, Integer.MAX_VALUE);
      if (size == values.length) {
        values = Arrays.copyOf(values, grown());
      }
      values[size++] = value;
      count++;
    }

    @Override
    Object array() {
      return values;
    }
  }

  private static final class Shorts extends Elements {
    final long min;
    final long max;
    short[] values;

    Shorts(int capacity, String where, long min, long max) {
      super(where, Datatype.INT16);
      this.min = min;
      this.max = max;
      values = new short[capacity];
    }

    @Override
    void add(JsonParser p, JsonToken token) {
      short value = (short) integer(p, token, min, max);
      if (size == values.length) {
        values = Arrays.copyOf(values, grown());
      }
      values[size++] = value;
      count++;
    }

    @Override
    Object array() {
      return values;
    }
  }

  /** INT8 and UINT8 (stored as the same bits: 255 is (byte) -1). */
  private static final class Bytes extends Elements {
    final long min;
    final long max;
    byte[] values;

    Bytes(Datatype datatype, int capacity, String where, long min, long max) {
      super(where, datatype);
      this.min = min;
      this.max = max;
      values = new byte[capacity];
    }

    @Override
    void add(JsonParser p, JsonToken token) {
      byte value = (byte) integer(p, token, min, max);
      if (size == values.length) {
        values = Arrays.copyOf(values, grown());
      }
      values[size++] = value;
      count++;
    }

    @Override
    Object array() {
      return values;
    }
  }

  /** BOOL, one byte each (0 or 1), as ONNX Runtime stores them. */
  private static final class Booleans extends Elements {
    byte[] values;

    Booleans(int capacity, String where) {
      super(where, Datatype.BOOL);
      values = new byte[capacity];
    }

    @Override
    void add(JsonParser p, JsonToken token) {
      if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
        throw bad(where + " \"data\"[" + count + "] is not a BOOL (true or false)");
      }
      if (size == values.length) {
        values = Arrays.copyOf(values, grown());
      }
      values[size++] = (byte) (token == JsonToken.VALUE_TRUE ? 1 : 0);
      count++;
    }

    @Override
    Object array() {
      return values;
    }
  }

  private static final class Strings extends Elements {
    String[] values;

    Strings(int capacity, String where) {
      super(where, Datatype.BYTES);
      values = new String[capacity];
    }

    @Override
    void add(JsonParser p, JsonToken token) {
      if (token != JsonToken.VALUE_STRING) {
        throw bad(where + " \"data\"[" + count + "] is not a BYTES value (a JSON string)");
      }
      if (size == values.length) {
        values = Arrays.copyOf(values, grown());
      }
      values[size++] = p.getString();
      count++;
    }

    @Override
    Object array() {
      return values;
    }
  }

  /** Thrown, wrapped by Jackson, when the body passes the limit. */
  private static final class BodyTooLarge extends IOException {
    BodyTooLarge() {
      super("request body too large", null);
    }
  }

  /** Counts what the parser reads and stops at the limit, whether or not the client sent a Content-Length. */
  private static final class LimitedInputStream extends FilterInputStream {
    private long left;

    LimitedInputStream(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0 && --left < 0) {
        throw new BodyTooLarge();
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0 && (left -= n) < 0) {
        throw new BodyTooLarge();
      }
      return n;
    }

    @Override
    public void close() {
      // the container's stream is not ours to close
    }
  }
}
