package dev.jitguard.spi;

/**
 * Thrown by {@link GrantStore#insert(dev.jitguard.RequestRecord)} when the subject already has a pending request for
 * the same thing: the same privilege and the same action call (both time-bound, or the same action name and argument
 * digest; requests for different calls are different requests). A shared store enforces this with a unique index, so
 * two instances cannot both insert one. The guard reads the existing request and returns it; nothing was written.
 */
public final class DuplicatePendingRequestException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was duplicated
   */
  public DuplicatePendingRequestException(String message) {
    super(message);
  }
}
