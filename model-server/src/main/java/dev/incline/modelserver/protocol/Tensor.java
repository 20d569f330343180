package dev.incline.modelserver.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor as the protocol carries it: its elements flat and row-major in one primitive array of the
 * datatype's {@link Datatype#arrayType() array type}, never boxed. The array may be longer than
 * {@link #size()} (a parse buffer that grew); only the first {@code size} elements count.
 *
 * @param name input or output name
 * @param datatype element type
 * @param shape dimensions, each 0 or more
 * @param data the elements: {@code float[]}, {@code long[]}, {@code String[]}, ...
 * @param size number of elements, the product of {@code shape}
 */
public record Tensor(String name, Datatype datatype, long[] shape, Object data, int size) {

  public Tensor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(datatype, "datatype");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    if (data.getClass() != datatype.arrayType()) {
      throw new IllegalArgumentException(datatype + " elements go in a " + datatype.arrayType().getSimpleName()
          + ", not a " + data.getClass().getSimpleName());
    }
    if (size < 0 || size > java.lang.reflect.Array.getLength(data)) {
      throw new IllegalArgumentException("size " + size + " does not fit the data array");
    }
  }

  /** A tensor whose array holds exactly its elements. */
  public static Tensor of(String name, Datatype datatype, long[] shape, Object data) {
    return new Tensor(name, datatype, shape, data, java.lang.reflect.Array.getLength(data));
  }

  /** The number of elements that a shape describes; -1 if that is more than an array can hold or a dimension is negative. */
  public static long elementCount(long[] shape) {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) {
        return -1;
      }
      try {
        count = Math.multiplyExact(count, dim);
      } catch (ArithmeticException e) {
        return -1;
      }
    }
    return count;
  }

  /** Shapes as the protocol writes them, {@code [3, 64]}. */
  public static String format(long[] shape) {
    return Arrays.toString(shape);
  }

  @Override
  public String toString() {
    return "Tensor[" + name + " " + datatype + " " + format(shape) + "]";
  }

  // Arrays compare by content, so that tests can compare tensors.
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Tensor other) || !name.equals(other.name) || datatype != other.datatype
        || !Arrays.equals(shape, other.shape) || size != other.size) {
      return false;
    }
    return switch (data) {
      case float[] a -> Arrays.equals(a, 0, size, (float[]) other.data, 0, size);
      case double[] a -> Arrays.equals(a, 0, size, (double[]) other.data, 0, size);
      case long[] a -> Arrays.equals(a, 0, size, (long[]) other.data, 0, size);
      case int[] a -> Arrays.equals(a, 0, size, (int[]) other.data, 0, size);
      case short[] a -> Arrays.equals(a, 0, size, (short[]) other.data, 0, size);
      case byte[] a -> Arrays.equals(a, 0, size, (byte[]) other.data, 0, size);
      case String[] a -> Arrays.equals(a, 0, size, (String[]) other.data, 0, size);
      default -> false;
    };
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, datatype, Arrays.hashCode(shape), size);
  }
}
