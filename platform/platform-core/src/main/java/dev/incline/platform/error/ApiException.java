package dev.incline.platform.error;

import org.springframework.http.HttpStatus;

/**
 * The few exceptions that services throw on purpose. Each knows its HTTP status and its stable
 * problem type; {@link ProblemDetailsAdvice} renders them as RFC 9457 problem details.
 */
public abstract class ApiException extends RuntimeException {

  private final HttpStatus status;
  private final String type;

  protected ApiException(HttpStatus status, String type, String detail) {
    super(detail);
    this.status = status;
    this.type = type;
  }

  public HttpStatus status() {
    return status;
  }

  /** Short slug, rendered as {@code https://incline.dev/problems/<type>}. */
  public String type() {
    return type;
  }
}
