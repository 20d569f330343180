package dev.incline.jobs.ports;

import dev.incline.platform.error.ApiException;
import org.springframework.http.HttpStatus;

/** A port the job does not expose, or whose endpoint the runtime has not reported yet. */
class PortNotFoundException extends ApiException {
  PortNotFoundException(String detail) {
    super(HttpStatus.NOT_FOUND, "not-found", detail);
  }
}
