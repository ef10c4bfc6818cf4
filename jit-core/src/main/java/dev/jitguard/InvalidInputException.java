package dev.jitguard;

import java.util.Objects;

/**
 * Bad input to the API: a value that can never be valid, whatever the policy says. The message names the field, what
 * is wrong with the value and how to fix it; nothing was changed. User-supplied text in the message is escaped.
 */
public final class InvalidInputException extends IllegalArgumentException {
  /** Serialization version. */
  private static final long serialVersionUID = 1L;

  /** The input field at fault, as the caller named it. */
  private final String field;

  /**
   * Creates the exception.
   *
   * @param field the name of the offending field, as the caller spelled it (for example {@code justification})
   * @param message the full message: field, problem, fix
   */
  public InvalidInputException(String field, String message) {
    super(Objects.requireNonNull(message, "message cannot be null"));
    this.field = Objects.requireNonNull(field, "field cannot be null");
  }

  /**
   * The field that was rejected, so that a web layer can point at it.
   *
   * @return the field name
   */
  public String field() {
    return field;
  }
}
