package dev.jitguard;

import java.util.Objects;

/**
 * Thrown by {@link PrivilegeGuard#require}: the subject may not use the privilege now. Carries the same
 * {@link Decision} that {@link PrivilegeGuard#check} returns, with its reason code and a hint on how to get access.
 * No stack trace is captured: denial is an expected outcome, not a bug, and must stay cheap.
 */
public final class ElevationRequiredException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Decision decision;

  /**
   * Creates the exception.
   *
   * @param decision the denial
   */
  public ElevationRequiredException(Decision decision) {
    super(Objects.requireNonNull(decision, "decision cannot be null").message()
        + (decision.hint().isEmpty() ? "" : " " + decision.hint()), null, false, false);
    this.decision = decision;
  }

  /** @return the decision: why, and what to do */
  public Decision decision() {
    return decision;
  }

  /** @return the privilege that is required */
  public Privilege privilege() {
    return decision.privilege();
  }

  /** @return the reason code */
  public ReasonCode reason() {
    return decision.reason();
  }
}
