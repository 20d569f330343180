package dev.incline.modelserver.error;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.util.DisconnectedClientHelper;

/**
 * Errors under {@code /v2} are Open Inference Protocol errors, {@code {"error": "<message>"}}, which
 * KServe and Triton clients parse; that includes Spring MVC's own (unknown path, wrong method). Anywhere
 * else they are RFC 9457 problem details with a stable type, as in every other Incline service.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
public class OipErrors extends ResponseEntityExceptionHandler {

  static final String PROBLEM_TYPE_BASE = "https://incline.dev/problems/";
  private static final Logger log = LoggerFactory.getLogger(OipErrors.class);

  /** The body of an Open Inference Protocol error. */
  public record OipError(String error) {}

  @ExceptionHandler(InferenceException.class)
  ResponseEntity<Object> inference(InferenceException e, HttpServletRequest request) {
    HttpHeaders headers = new HttpHeaders();
    if (e.status() == HttpStatus.SERVICE_UNAVAILABLE) {
      headers.set(HttpHeaders.RETRY_AFTER, "1");
    }
    return render(request, e.status(), slug(e.status()), e.getMessage(), headers);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<Object> unexpected(Exception e, HttpServletRequest request) {
    if (DisconnectedClientHelper.isClientDisconnectedException(e)) {
      log.debug("client went away during {} {}: {}", request.getMethod(), request.getRequestURI(), e.toString());
      return null; // nobody to answer
    }
    log.error("unexpected error on {} {}", request.getMethod(), request.getRequestURI(), e);
    return render(request, HttpStatus.INTERNAL_SERVER_ERROR, "internal", "unexpected server error; see the server log",
        new HttpHeaders());
  }

  /** Spring MVC's own errors (404 for an unknown path, 405, 406, 415, ...). */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
      HttpStatusCode status, WebRequest request) {
    String detail = body instanceof ProblemDetail problem && problem.getDetail() != null ? problem.getDetail() : e.getMessage();
    HttpServletRequest servletRequest = ((ServletWebRequest) request).getRequest();
    return render(servletRequest, status, slug(status), detail, headers);
  }

  private static ResponseEntity<Object> render(HttpServletRequest request, HttpStatusCode status, String type,
      String message, HttpHeaders headers) {
    if (isOip(request)) {
      return ResponseEntity.status(status).headers(headers).contentType(MediaType.APPLICATION_JSON)
          .body(new OipError(message));
    }
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, message);
    problem.setType(URI.create(PROBLEM_TYPE_BASE + type));
    return ResponseEntity.status(status).headers(headers).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
  }

  static boolean isOip(HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    return path.equals("/v2") || path.startsWith("/v2/");
  }

  static String slug(HttpStatusCode status) {
    HttpStatus known = HttpStatus.resolve(status.value());
    return known == null ? "http-" + status.value() : known.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
