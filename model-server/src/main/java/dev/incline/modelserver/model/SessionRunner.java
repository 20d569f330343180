package dev.incline.modelserver.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Map;
import java.util.Set;

/** Runs a session: directly, or on threads of the caller's choosing. */
@FunctionalInterface
public interface SessionRunner {

  /** Runs on the calling thread. */
  SessionRunner DIRECT = OrtSession::run;

  /**
   * Returns only once ONNX Runtime is done with {@code inputs}, whatever happens to the calling thread:
   * the caller closes them next, and native memory freed under a running session crashes the process.
   */
  OrtSession.Result run(OrtSession session, Map<String, OnnxTensor> inputs, Set<String> outputs) throws OrtException;
}
