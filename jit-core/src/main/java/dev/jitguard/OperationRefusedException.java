package dev.jitguard;

import java.util.Objects;

/**
 * An approver's or requester's operation was refused: approving one's own request, approving without being an
 * eligible approver, acting on a request that is no longer pending, extending past the cap, and so on. The refusal
 * was audited; nothing changed. Carries a {@link Decision.Denied} with the reason code and a hint.
 */
public final class OperationRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Decision.Denied decision;

  /**
   * Creates the exception.
   *
   * @param decision the refusal
   */
  public OperationRefusedException(Decision.Denied decision) {
    super(Objects.requireNonNull(decision, "decision cannot be null").message()
        + (decision.hint().isEmpty() ? "" : " " + decision.hint()));
    this.decision = decision;
  }

  /** @return the refusal: why, and what to do */
  public Decision.Denied decision() {
    return decision;
  }

  /** @return the reason code */
  public ReasonCode reason() {
    return decision.reason();
  }
}
