package dev.incline.platform.error;

import org.springframework.http.HttpStatus;

/** The request is well formed but conflicts with the resource's current state. */
public class ConflictException extends ApiException {
  public ConflictException(String type, String detail) {
    super(HttpStatus.CONFLICT, type, detail);
  }
}
