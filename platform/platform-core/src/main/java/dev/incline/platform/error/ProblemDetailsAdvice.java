package dev.incline.platform.error;

import java.net.URI;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Renders every error as RFC 9457 problem details with a stable {@code type}. Spring MVC's own
 * exceptions (unsupported media type, missing parameter, ...) come through the base class.
 */
@RestControllerAdvice
@org.springframework.core.annotation.Order(org.springframework.core.Ordered.HIGHEST_PRECEDENCE)
public class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {

  public static final String TYPE_BASE = "https://incline.dev/problems/";
  private static final Logger log = LoggerFactory.getLogger(ProblemDetailsAdvice.class);

  public static ProblemDetail problem(HttpStatusCode status, String type, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(URI.create(TYPE_BASE + type));
    return problem;
  }

  @ExceptionHandler(ApiException.class)
  ResponseEntity<ProblemDetail> api(ApiException e) {
    ProblemDetail problem = problem(e.status(), e.type(), e.getMessage());
    if (e instanceof InvalidRequestException invalid) {
      problem.setProperty("errors", invalid.errors());
    }
    return ResponseEntity.status(e.status()).body(problem);
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
    var error = new InvalidRequestException.FieldError(e.getName(), "has an invalid value");
    ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "invalid-parameter", e.getName() + " has an invalid value");
    problem.setProperty("errors", List.of(error));
    return ResponseEntity.badRequest().body(problem);
  }

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    List<InvalidRequestException.FieldError> errors = e.getBindingResult().getFieldErrors().stream()
        .map(f -> new InvalidRequestException.FieldError(f.getField(), f.getDefaultMessage()))
        .toList();
    ResponseEntity<ProblemDetail> body = api(new InvalidRequestException(errors));
    return ResponseEntity.status(body.getStatusCode()).body(body.getBody());
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    // Where it went wrong, never what was there: Jackson's own message quotes the offending token,
    // which may be a secret's value.
    String detail = "request body is not valid JSON for this endpoint";
    Throwable cause = e.getMostSpecificCause();
    if (cause instanceof tools.jackson.core.JacksonException je) {
      if (je instanceof tools.jackson.databind.DatabindException && !je.getPath().isEmpty()) {
        detail = "request body has a value of the wrong type or shape at " + je.getPathReference()
            .replaceAll("^[^\\[]*\\[", "[");
      } else if (je.getLocation() != null && je.getLocation().getLineNr() > 0) {
        detail += " (line " + je.getLocation().getLineNr() + ", column " + je.getLocation().getColumnNr() + ")";
      }
    }
    return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, "malformed-request", detail));
  }

  /** Spring MVC's own errors (413, 405, 415, ...) get a stable type too, named after their status. */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
      HttpStatusCode status, WebRequest request) {
    if (body instanceof ProblemDetail problem && (problem.getType() == null || "about:blank".equals(problem.getType().toString()))) {
      problem.setType(URI.create(TYPE_BASE + slug(status)));
    }
    return super.handleExceptionInternal(e, body, headers, status, request);
  }

  static String slug(HttpStatusCode status) {
    HttpStatus known = HttpStatus.resolve(status.value());
    return known == null ? "http-" + status.value() : known.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> unexpected(Exception e) throws Exception {
    if (e instanceof org.springframework.security.access.AccessDeniedException
        || e instanceof org.springframework.web.context.request.async.AsyncRequestNotUsableException) {
      throw e;
    }
    log.error("unexpected error", e);
    return ResponseEntity.internalServerError()
        .body(problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "unexpected server error; see the service log"));
  }
}
