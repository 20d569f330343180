package dev.incline.modelserver.protocol;

import java.util.List;

/**
 * An inference result as the protocol answers it.
 *
 * @param modelName the model that ran
 * @param modelVersion its version
 * @param id the request's id; null when it had none
 * @param outputs the output tensors
 */
public record InferenceResponse(String modelName, String modelVersion, String id, List<Tensor> outputs) {}
