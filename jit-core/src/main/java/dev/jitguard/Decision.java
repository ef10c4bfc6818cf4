package dev.jitguard;

import java.util.List;
import java.util.Objects;

/**
 * The answer to "may this subject use this privilege now?", or to a request: granted, pending approval, or denied.
 * Every decision carries a machine-readable {@link ReasonCode}, a message for a person, and a hint of what to do next.
 * Messages and hints never contain unescaped user text.
 */
public sealed interface Decision permits Decision.Granted, Decision.Pending, Decision.Denied {

  /** @return granted, pending or denied */
  Outcome outcome();

  /** @return the privilege decided on */
  Privilege privilege();

  /** @return why */
  ReasonCode reason();

  /** @return a human-readable explanation */
  String message();

  /** @return what to do next (empty when nothing is needed) */
  String hint();

  /** @return true if the privilege may be used now */
  default boolean isGranted() {
    return outcome() == Outcome.GRANTED;
  }

  /**
   * The privilege may be used: an active grant allows it.
   *
   * @param grant the grant that allows it
   * @param reason {@link ReasonCode#GRANTED}, {@link ReasonCode#APPROVED} or {@link ReasonCode#AUTO_APPROVED}
   * @param message explanation
   * @param hint next step (usually empty)
   */
  record Granted(Grant grant, ReasonCode reason, String message, String hint) implements Decision {
    /**
     * Rejects nulls.
     *
     * @param grant see the record description
     * @param reason see the record description
     * @param message see the record description
     * @param hint see the record description
     */
    public Granted {
      Objects.requireNonNull(grant, "grant cannot be null");
      Objects.requireNonNull(reason, "reason cannot be null");
      Objects.requireNonNull(message, "message cannot be null");
      Objects.requireNonNull(hint, "hint cannot be null");
    }

    @Override
    public Outcome outcome() {
      return Outcome.GRANTED;
    }

    @Override
    public Privilege privilege() {
      return grant.privilege();
    }
  }

  /**
   * A request waits for approvers.
   *
   * @param request the pending request (status, approvals so far, deadline)
   * @param suggestedApprovers people who could approve it now (listed approvers, people on call), by id; may be
   *     empty
   * @param message explanation, naming what is still needed
   * @param hint next step
   */
  record Pending(RequestRecord request, List<String> suggestedApprovers, String message, String hint)
      implements Decision {
    /**
     * Rejects nulls.
     *
     * @param request see the record description
     * @param suggestedApprovers see the record description
     * @param message see the record description
     * @param hint see the record description
     */
    public Pending {
      Objects.requireNonNull(request, "request cannot be null");
      suggestedApprovers = List.copyOf(Objects.requireNonNull(suggestedApprovers,
          "suggestedApprovers cannot be null"));
      Objects.requireNonNull(message, "message cannot be null");
      Objects.requireNonNull(hint, "hint cannot be null");
    }

    @Override
    public Outcome outcome() {
      return Outcome.PENDING;
    }

    @Override
    public Privilege privilege() {
      return request.privilege();
    }

    @Override
    public ReasonCode reason() {
      return ReasonCode.PENDING_APPROVAL;
    }
  }

  /**
   * Not allowed.
   *
   * @param privilege the privilege
   * @param reason why
   * @param message explanation
   * @param hint what would make it allowed
   */
  record Denied(Privilege privilege, ReasonCode reason, String message, String hint) implements Decision {
    /**
     * Rejects nulls.
     *
     * @param privilege see the record description
     * @param reason see the record description
     * @param message see the record description
     * @param hint see the record description
     */
    public Denied {
      Objects.requireNonNull(privilege, "privilege cannot be null");
      Objects.requireNonNull(reason, "reason cannot be null");
      Objects.requireNonNull(message, "message cannot be null");
      Objects.requireNonNull(hint, "hint cannot be null");
    }

    @Override
    public Outcome outcome() {
      return Outcome.DENIED;
    }
  }
}
