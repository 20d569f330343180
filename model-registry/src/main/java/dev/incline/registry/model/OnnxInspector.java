package dev.incline.registry.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.incline.registry.model.Views.Signature;
import dev.incline.registry.model.Views.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Loads an ONNX file in ONNX Runtime and reads its signature; a file that does not load is rejected. */
final class OnnxInspector {

  /** The file cannot be loaded; the message says why and is safe to show. */
  static final class InvalidModelException extends Exception {
    InvalidModelException(String message) {
      super(message);
    }
  }

  private OnnxInspector() {}

  static Signature inspect(Path file, String shownName) throws InvalidModelException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(file.toString(), options)) {
      return new Signature(specs(session.getInputInfo()), specs(session.getOutputInfo()));
    } catch (OrtException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage().strip();
      throw new InvalidModelException(message.replace(file.toString(), shownName));
    } catch (RuntimeException e) { // the native loader's own failures
      throw new InvalidModelException("ONNX Runtime cannot load it: " + e.getMessage());
    }
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> nodes) {
    List<TensorSpec> out = new ArrayList<>();
    for (NodeInfo node : nodes.values()) {
      if (node.getInfo() instanceof TensorInfo info) {
        out.add(new TensorSpec(node.getName(), datatype(info.onnxType), info.getShape()));
      } else {
        out.add(new TensorSpec(node.getName(), node.getInfo().toString(), new long[0]));
      }
    }
    return out;
  }

  /** Open Inference Protocol datatype names, as model-server uses them. */
  static String datatype(TensorInfo.OnnxTensorType type) {
    String t = type.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "");
    return switch (t) {
      case "FLOAT" -> "FP32";
      case "DOUBLE" -> "FP64";
      case "FLOAT16" -> "FP16";
      case "BFLOAT16" -> "BF16";
      case "STRING" -> "BYTES";
      default -> t; // BOOL, INT8..INT64, UINT8..UINT64
    };
  }
}
