package dev.jitguard.audit;

/**
 * A line of an audit log, a checkpoint or a verification state that does not follow the audit schema (see
 * {@link AuditJson}): not JSON, an unknown or duplicated field, a value of the wrong type, an unsupported version. The
 * message says which field and why; any text taken from the input is escaped to printable ASCII.
 */
public final class AuditFormatException extends IllegalArgumentException {
  /** Serialization version. */
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is wrong, escaped
   */
  public AuditFormatException(String message) {
    super(message);
  }

  /**
   * Creates the exception.
   *
   * @param message what is wrong, escaped
   * @param cause the underlying parse failure
   */
  public AuditFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
