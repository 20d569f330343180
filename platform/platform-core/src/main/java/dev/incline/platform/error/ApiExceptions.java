package dev.incline.platform.error;

import org.springframework.http.HttpStatus;

/** Factories for the less common problems, so that their types are spelled in one place. */
public final class ApiExceptions {
  private ApiExceptions() {}

  public static ApiException payloadTooLarge(String detail) {
    return new Simple(HttpStatus.CONTENT_TOO_LARGE, "content-too-large", detail);
  }

  public static ApiException badRequest(String type, String detail) {
    return new Simple(HttpStatus.BAD_REQUEST, type, detail);
  }

  public static ApiException forbidden(String detail) {
    return new Simple(HttpStatus.FORBIDDEN, "forbidden", detail);
  }

  public static ApiException unavailable(String detail) {
    return new Simple(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", detail);
  }

  private static final class Simple extends ApiException {
    Simple(HttpStatus status, String type, String detail) {
      super(status, type, detail);
    }
  }
}
