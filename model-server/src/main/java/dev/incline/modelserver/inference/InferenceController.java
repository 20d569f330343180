package dev.incline.modelserver.inference;

import dev.incline.modelserver.error.InferenceException;
import dev.incline.modelserver.protocol.InferenceResponse;
import dev.incline.modelserver.protocol.InferenceResponseWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /v2/models/<name>[/versions/<v>]/infer}. Reads and writes the servlet streams itself,
 * past Spring's message converters: the body goes straight into primitive arrays and the response
 * straight out of them, with no object tree in between.
 */
@RestController
class InferenceController {

  /** The protocol's binary tensor data extension, which this server does not implement. */
  static final String BINARY_HEADER = "Inference-Header-Content-Length";

  private final InferenceService inference;
  private final InferenceResponseWriter writer;

  InferenceController(InferenceService inference, InferenceResponseWriter writer) {
    this.inference = inference;
    this.writer = writer;
  }

  @PostMapping({"/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer"})
  void infer(@PathVariable String name, @PathVariable(required = false) String version, HttpServletRequest request,
      HttpServletResponse response) throws IOException {
    if (request.getHeader(BINARY_HEADER) != null) {
      throw InferenceException.badRequest("the binary tensor data extension (" + BINARY_HEADER
          + ") is not supported; send tensors as JSON");
    }
    InferenceResponse result = inference.infer(name, version, request.getInputStream(), request.getContentLengthLong());
    response.setStatus(HttpServletResponse.SC_OK);
    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    writer.write(result, response.getOutputStream());
  }
}
