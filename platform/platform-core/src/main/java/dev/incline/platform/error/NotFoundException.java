package dev.incline.platform.error;

import org.springframework.http.HttpStatus;

/** A resource that does not exist, or belongs to another team: both look the same from outside. */
public class NotFoundException extends ApiException {
  public NotFoundException(String what, String id) {
    super(HttpStatus.NOT_FOUND, "not-found", what + " '" + id + "' not found");
  }
}
