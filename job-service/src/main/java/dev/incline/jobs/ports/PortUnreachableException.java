package dev.incline.jobs.ports;

import dev.incline.platform.error.ApiException;
import org.springframework.http.HttpStatus;

/** The job runs but nothing answers on the port (not listening yet, or it crashed). */
class PortUnreachableException extends ApiException {
  PortUnreachableException(String detail) {
    super(HttpStatus.BAD_GATEWAY, "port-unreachable", detail);
  }
}
