package dev.incline.platform.error;

import java.util.List;
import org.springframework.http.HttpStatus;

/** Semantically invalid input (422), naming each field that is wrong. */
public class InvalidRequestException extends ApiException {

  private final List<FieldError> errors;

  public InvalidRequestException(List<FieldError> errors) {
    super(HttpStatus.UNPROCESSABLE_CONTENT, "invalid-request", summarize(errors));
    this.errors = List.copyOf(errors);
  }

  public InvalidRequestException(String field, String message) {
    this(List.of(new FieldError(field, message)));
  }

  public List<FieldError> errors() {
    return errors;
  }

  private static String summarize(List<FieldError> errors) {
    return errors.size() == 1
        ? errors.getFirst().field() + ": " + errors.getFirst().message()
        : errors.size() + " fields are invalid";
  }

  /** One wrong field; {@code field} is a JSON path such as {@code env.LR} or {@code inputs[0].dataset}. */
  public record FieldError(String field, String message) {}
}
