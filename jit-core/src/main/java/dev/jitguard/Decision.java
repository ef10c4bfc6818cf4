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
   * The privilege may be used: an active grant allows it. Immutable; equal when its grant, reason, message and hint
   * are equal.
   *
   * <p>The decision a check returns for a grant ({@link Grant#toDecision()}) is built with the grant and shared by
   * every check; its message is written when asked for, so that a live grant does not keep a message nobody reads.
   */
  final class Granted implements Decision {
    private final Grant grant;
    private final ReasonCode reason;
    /** Null for the grant's own decision: the message is then written from the grant when asked for. */
    private final String message;
    private final String hint;

    /**
     * Rejects nulls.
     *
     * @param grant the grant that allows it
     * @param reason {@link ReasonCode#GRANTED}, {@link ReasonCode#APPROVED} or {@link ReasonCode#AUTO_APPROVED}
     * @param message explanation
     * @param hint next step (usually empty)
     */
    public Granted(Grant grant, ReasonCode reason, String message, String hint) {
      this.grant = Objects.requireNonNull(grant, "grant cannot be null");
      this.reason = Objects.requireNonNull(reason, "reason cannot be null");
      this.message = Objects.requireNonNull(message, "message cannot be null");
      this.hint = Objects.requireNonNull(hint, "hint cannot be null");
    }

    /** The grant's own decision (GRANTED, no hint), its message written on demand. */
    Granted(Grant grant) {
      this.grant = grant;
      this.reason = ReasonCode.GRANTED;
      this.message = null;
      this.hint = "";
    }

    /** @return the grant that allows it */
    public Grant grant() {
      return grant;
    }

    @Override
    public ReasonCode reason() {
      return reason;
    }

    @Override
    public String message() {
      String m = message;
      return m != null ? m : grant.grantedMessage();
    }

    @Override
    public String hint() {
      return hint;
    }

    @Override
    public Outcome outcome() {
      return Outcome.GRANTED;
    }

    @Override
    public Privilege privilege() {
      return grant.privilege();
    }

    @Override
    public boolean equals(Object o) {
      return o == this || (o instanceof Granted g && grant.equals(g.grant) && reason == g.reason
          && message().equals(g.message()) && hint.equals(g.hint));
    }

    @Override
    public int hashCode() {
      return Objects.hash(grant, reason, message(), hint);
    }

    @Override
    public String toString() {
      return "Granted[grant=" + grant + ", reason=" + reason + ", message=" + message() + ", hint=" + hint + "]";
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
