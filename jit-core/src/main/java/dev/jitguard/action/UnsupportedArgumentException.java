package dev.jitguard.action;

/**
 * An action argument has a type {@link CanonicalArguments} cannot encode canonically (and no
 * {@link ArgumentEncoder} was registered for it). Raised at start-up where the method's parameter types are known,
 * or at call time otherwise; never replaced by an identity-hash digest that would bind an approval to nothing.
 */
public final class UnsupportedArgumentException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which argument, which type, and how to fix it
   */
  public UnsupportedArgumentException(String message) {
    super(message);
  }
}
