package dev.incline.modelserver.model;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Model metadata and model readiness, with or without the version in the path. */
@RestController
class ModelController {

  /** The protocol's name for models that ONNX Runtime runs (as Triton and KServe report them). */
  static final String PLATFORM = "onnxruntime_onnx";

  private final ModelRepository models;

  ModelController(ModelRepository models) {
    this.models = models;
  }

  record TensorMetadata(String name, String datatype, long[] shape) {
    static TensorMetadata of(TensorSpec spec) {
      return new TensorMetadata(spec.name(), spec.datatype().name(), spec.shape());
    }
  }

  record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
      List<TensorMetadata> outputs) {}

  record ModelReady(String name, boolean ready) {}

  @GetMapping({"/v2/models/{name}", "/v2/models/{name}/versions/{version}"})
  ModelMetadata metadata(@PathVariable String name, @PathVariable(required = false) String version) {
    ServedModel model = models.require(name, version);
    return new ModelMetadata(model.name(), List.of(model.version()), PLATFORM,
        model.inputs().stream().map(TensorMetadata::of).toList(),
        model.outputs().stream().map(TensorMetadata::of).toList());
  }

  /** 200 when ready, else 503 (so that a probe can use it as it is); the body says the same. */
  @GetMapping({"/v2/models/{name}/ready", "/v2/models/{name}/versions/{version}/ready"})
  ResponseEntity<ModelReady> ready(@PathVariable String name, @PathVariable(required = false) String version) {
    ServedModel model = models.require(name, version);
    return ResponseEntity.status(model.ready() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
        .body(new ModelReady(model.name(), model.ready()));
  }
}
