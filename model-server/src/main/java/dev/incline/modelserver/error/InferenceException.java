package dev.incline.modelserver.error;

import org.springframework.http.HttpStatus;

/**
 * A request the server answers with an Open Inference Protocol error, {@code {"error": "<message>"}}.
 * The message is for the caller: it names what was wrong, never echoes request data beyond names.
 */
public class InferenceException extends RuntimeException {

  private final HttpStatus status;

  public InferenceException(HttpStatus status, String message) {
    super(message, null, false, false); // no stack trace: these are answers, not bugs
    this.status = status;
  }

  public HttpStatus status() {
    return status;
  }

  public static InferenceException badRequest(String message) {
    return new InferenceException(HttpStatus.BAD_REQUEST, message);
  }

  public static InferenceException notFound(String message) {
    return new InferenceException(HttpStatus.NOT_FOUND, message);
  }

  public static InferenceException unavailable(String message) {
    return new InferenceException(HttpStatus.SERVICE_UNAVAILABLE, message);
  }

  public static InferenceException tooLarge(String message) {
    return new InferenceException(HttpStatus.CONTENT_TOO_LARGE, message);
  }

  public static InferenceException internal(String message) {
    return new InferenceException(HttpStatus.INTERNAL_SERVER_ERROR, message);
  }
}
