package dev.incline.modelserver.model;

import dev.incline.modelserver.protocol.Datatype;
import dev.incline.modelserver.protocol.Tensor;

/**
 * An input or output of a model as its ONNX Runtime session declares it.
 *
 * @param name tensor name
 * @param datatype element type
 * @param shape dimensions; -1 for a dynamic one (a symbolic name such as {@code N}, or none)
 */
public record TensorSpec(String name, Datatype datatype, long[] shape) {

  /** Whether a tensor of this shape fits: the same rank, and every fixed dimension equal. */
  public boolean fits(long[] actual) {
    if (actual.length != shape.length) {
      return false;
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] >= 0 && shape[i] != actual[i]) {
        return false;
      }
    }
    return true;
  }

  public String formatShape() {
    return Tensor.format(shape);
  }
}
