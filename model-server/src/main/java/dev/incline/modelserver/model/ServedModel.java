package dev.incline.modelserver.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.incline.modelserver.error.InferenceException;
import dev.incline.modelserver.protocol.Datatype;
import dev.incline.modelserver.protocol.InferenceRequest;
import dev.incline.modelserver.protocol.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model: its ONNX Runtime session, loaded once and shared by every request ({@link OrtSession#run}
 * is thread-safe), and its signature. Checks each request against the signature before ONNX Runtime
 * sees it, because ONNX Runtime's own errors for a missing input or a wrong type are cryptic, and for
 * a missing input it may even run the graph with nothing there.
 */
public final class ServedModel {

  /** Where a model is in its life. */
  public enum State { LOADING, READY, FAILED }

  private static final Logger log = LoggerFactory.getLogger(ServedModel.class);

  private final ModelSource source;
  private volatile State state = State.LOADING;
  private volatile String failure;
  private volatile Loaded loaded;
  private boolean closed; // guarded by this

  public ServedModel(ModelSource source) {
    this.source = source;
  }

  /** What a loaded model knows about itself. */
  private record Loaded(
      OrtSession session,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      Map<String, TensorSpec> inputsByName,
      Set<String> returnable,
      Map<String, String> unreturnable) {}

  public String name() {
    return source.name();
  }

  public String version() {
    return source.version();
  }

  public State state() {
    return state;
  }

  /** Why loading failed; null unless {@link State#FAILED}. */
  public String failure() {
    return failure;
  }

  public boolean ready() {
    return state == State.READY;
  }

  /** A 503 with the reason unless the model is ready. */
  public void requireReady() {
    requireLoaded();
  }

  public List<TensorSpec> inputs() {
    return requireLoaded().inputs();
  }

  public List<TensorSpec> outputs() {
    return requireLoaded().outputs();
  }

  /** Creates the session and reads the signature. Never throws: a failure leaves the model {@link State#FAILED}. */
  void load(OrtEnvironment env, OrtSession.SessionOptions options) {
    long start = System.nanoTime();
    OrtSession session = null;
    try {
      if (!Files.isRegularFile(source.path())) {
        throw new NoSuchFileException(source.path().toString(), null, "no such file");
      }
      session = env.createSession(source.path().toString(), options);
      Loaded signature = signature(session);
      synchronized (this) {
        if (closed) { // the server stopped while this model was loading
          closeQuietly(session);
          return;
        }
        loaded = signature;
        state = State.READY;
      }
      log.info("model '{}' version {} loaded from {} in {} ms: inputs {}, outputs {}", name(), version(), source.path(),
          (System.nanoTime() - start) / 1_000_000, describe(signature.inputs()), describe(signature.outputs()));
    } catch (Exception e) {
      if (session != null) {
        closeQuietly(session);
      }
      failure = "failed to load " + source.path() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage().strip());
      state = State.FAILED;
      // ONNX Runtime's and our own messages say it all; a stack trace only for the unexpected
      boolean expected = e instanceof OrtException || e instanceof IOException || e instanceof IllegalStateException;
      log.error("model '{}' {}", name(), failure, expected ? null : e);
    }
  }

  private Loaded signature(OrtSession session) throws OrtException {
    List<TensorSpec> inputs = new ArrayList<>();
    for (NodeInfo node : session.getInputInfo().values()) {
      if (!(node.getInfo() instanceof TensorInfo info)) {
        throw new IllegalStateException("input '" + node.getName() + "' is not a tensor (" + node.getInfo()
            + "); the Open Inference Protocol carries tensors only");
      }
      Datatype datatype = Datatype.fromOnnx(info.onnxType).orElseThrow(() -> new IllegalStateException(
          "input '" + node.getName() + "' has ONNX type " + info.onnxType + ", which the Open Inference Protocol cannot carry"));
      inputs.add(new TensorSpec(node.getName(), datatype, info.getShape()));
    }
    List<TensorSpec> outputs = new ArrayList<>();
    Set<String> returnable = new LinkedHashSet<>();
    Map<String, String> unreturnable = new LinkedHashMap<>();
    for (NodeInfo node : session.getOutputInfo().values()) {
      // Classic ML exporters add outputs such as a sequence of maps (sklearn's ZipMap): the protocol
      // cannot carry them, but the model's tensor outputs are still worth serving.
      if (!(node.getInfo() instanceof TensorInfo info)) {
        unreturnable.put(node.getName(), "is not a tensor (" + node.getInfo() + ")");
        continue;
      }
      var datatype = Datatype.fromOnnx(info.onnxType);
      if (datatype.isEmpty()) {
        unreturnable.put(node.getName(), "has ONNX type " + info.onnxType + ", which the protocol cannot carry");
        continue;
      }
      outputs.add(new TensorSpec(node.getName(), datatype.get(), info.getShape()));
      if (datatype.get().supported()) {
        returnable.add(node.getName());
      } else {
        unreturnable.put(node.getName(), "has datatype " + datatype.get() + ", which this server cannot return");
      }
    }
    if (!unreturnable.isEmpty()) {
      log.warn("model '{}': outputs that are left out of responses: {}", name(), unreturnable);
    }
    Map<String, TensorSpec> byName = new HashMap<>();
    inputs.forEach(spec -> byName.put(spec.name(), spec));
    return new Loaded(session, List.copyOf(inputs), List.copyOf(outputs), Map.copyOf(byName),
        Collections.unmodifiableSet(returnable), Collections.unmodifiableMap(unreturnable));
  }

  /**
   * Checks the request's inputs and outputs against the signature, runs the session and returns the
   * outputs asked for (all that can be returned when none are named), in the order asked or the model's.
   */
  public List<Tensor> infer(OrtEnvironment env, InferenceRequest request, SessionRunner runner) {
    Loaded model = requireLoaded();
    check(model, request.inputs());
    Set<String> outputs = outputs(model, request.outputs());
    Map<String, OnnxTensor> feeds = new HashMap<>(request.inputs().size() * 2);
    try {
      for (Tensor input : request.inputs()) {
        feeds.put(input.name(), OnnxTensors.create(env, input));
      }
      try (OrtSession.Result result = runner.run(model.session(), feeds, outputs)) {
        List<Tensor> tensors = new ArrayList<>(result.size());
        for (Map.Entry<String, OnnxValue> output : result) {
          tensors.add(OnnxTensors.read(output.getKey(), (OnnxTensor) output.getValue()));
        }
        return tensors;
      }
    } catch (OrtException e) {
      String message = e.getMessage() == null ? e.getCode().toString() : e.getMessage().strip();
      if (e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT) {
        // Inputs that fit the signature can still be wrong for the graph (a Reshape that does not divide).
        throw InferenceException.badRequest("model '" + name() + "' rejected the inputs: " + message);
      }
      log.warn("model '{}' failed: {}", name(), message);
      throw InferenceException.internal("model '" + name() + "' failed: " + message);
    } finally {
      OnnxValue.close(feeds);
    }
  }

  private void check(Loaded model, List<Tensor> inputs) {
    for (Tensor input : inputs) {
      TensorSpec spec = model.inputsByName().get(input.name());
      if (spec == null) {
        throw InferenceException.badRequest("model '" + name() + "' has no input '" + input.name() + "'; its inputs are "
            + names(model.inputs()));
      }
      if (input.datatype() != spec.datatype()) {
        throw InferenceException.badRequest("input '" + input.name() + "' has datatype " + input.datatype()
            + "; model '" + name() + "' takes " + spec.datatype());
      }
      if (!spec.fits(input.shape())) {
        throw InferenceException.badRequest("input '" + input.name() + "' has shape " + Tensor.format(input.shape())
            + "; model '" + name() + "' takes " + spec.formatShape() + " (-1: any size)");
      }
    }
    if (inputs.size() < model.inputs().size()) { // names are unique and known: some are missing
      Set<String> given = inputs.stream().map(Tensor::name).collect(Collectors.toSet());
      String missing = model.inputs().stream().map(TensorSpec::name).filter(n -> !given.contains(n))
          .map(n -> "'" + n + "'").collect(Collectors.joining(", "));
      throw InferenceException.badRequest("model '" + name() + "' needs input" + (missing.contains(",") ? "s " : " ")
          + missing);
    }
  }

  private Set<String> outputs(Loaded model, List<String> asked) {
    if (asked.isEmpty()) {
      if (model.returnable().isEmpty()) {
        throw InferenceException.internal("model '" + name() + "' has no output this server can return: "
            + model.unreturnable());
      }
      return model.returnable();
    }
    Set<String> outputs = new LinkedHashSet<>(asked);
    for (String output : asked) {
      if (model.unreturnable().containsKey(output)) {
        throw InferenceException.badRequest("output '" + output + "' of model '" + name() + "' "
            + model.unreturnable().get(output));
      }
      if (!model.returnable().contains(output)) {
        throw InferenceException.badRequest("model '" + name() + "' has no output '" + output + "'; its outputs are "
            + names(model.outputs()));
      }
    }
    return outputs;
  }

  private Loaded requireLoaded() {
    Loaded current = loaded;
    if (current == null || state != State.READY) {
      throw InferenceException.unavailable(state == State.FAILED
          ? "model '" + name() + "' is not ready: " + failure
          : "model '" + name() + "' is not ready: still loading");
    }
    return current;
  }

  synchronized void close() {
    closed = true;
    Loaded current = loaded;
    loaded = null;
    if (current != null) {
      closeQuietly(current.session());
    }
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException e) {
      log.warn("closing a session failed: {}", e.getMessage());
    }
  }

  private static String names(List<TensorSpec> specs) {
    return specs.stream().map(s -> "'" + s.name() + "'").collect(Collectors.joining(", "));
  }

  private static String describe(List<TensorSpec> specs) {
    return specs.stream().map(s -> s.name() + " " + s.datatype() + " " + s.formatShape()).collect(Collectors.joining(", "));
  }
}
