package dev.incline.modelserver.protocol;

import java.util.List;

/**
 * A parsed {@code POST /v2/models/<name>/infer} body.
 *
 * @param id the caller's request id, echoed in the response; null when absent
 * @param inputs the input tensors, in request order, names unique
 * @param outputs the outputs asked for by name, in request order; empty: every output of the model
 */
public record InferenceRequest(String id, List<Tensor> inputs, List<String> outputs) {
  public InferenceRequest {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
