package dev.jitguard.internal;

import dev.jitguard.Decision;
import dev.jitguard.Grant;
import dev.jitguard.OperationRefusedException;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestRecord;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.internal.util.Text;
import dev.jitguard.spi.ElevationPolicy;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an operation is refused: the refusal is audited, then thrown to the caller with a reason, a message and a hint.
 * One shape for an id the caller may not act on and an id that does not exist, so ids cannot be probed.
 */
public final class Refusals {
  private static final Logger LOG = LoggerFactory.getLogger(Refusals.class);
  /** The privilege a refusal names when it must not name the real one. */
  static final Privilege UNKNOWN = Privilege.of("unknown");
  /**
   * The acts that only the policy can allow (approvers decide): while the policy fails, they are refused with
   * POLICY_FAILURE for real and guessed ids alike. Revocation and review, which administrators may also do, are
   * refused as for an unknown id instead, since the actor's authority cannot be established.
   */
  private static final java.util.Set<String> DECISIONS = java.util.Set.of("approve", "deny", "extend");

  private final Ledger ledger;
  private final ElevationPolicy policy;

  /**
   * Creates the refusals.
   *
   * @param ledger where refusals are recorded
   * @param policy asked whether it works before a refusal says that a record is not there
   */
  Refusals(Ledger ledger, ElevationPolicy policy) {
    this.ledger = ledger;
    this.policy = policy;
  }

  /**
   * An audited refusal about a request the actor may see.
   *
   * @param r the request, or null when none was read
   * @param actor who tried
   * @param action what they tried ("approve", "withdraw", ...)
   * @param reason why not
   * @param message what happened
   * @param hint what to do
   * @param now the guard's time
   * @return the exception to throw
   */
  OperationRefusedException refuse(RequestRecord r, Subject actor, String action, ReasonCode reason, String message,
      String hint, Instant now) {
    return refuse(r, null, actor, action, reason, message, hint, now);
  }

  /** An audited refusal about a grant the actor may see. */
  OperationRefusedException refuse(Grant g, Subject actor, String action, ReasonCode reason, String message,
      String hint, Instant now) {
    return refuse(null, g, actor, action, reason, message, hint, now);
  }

  private OperationRefusedException refuse(RequestRecord r, Grant g, Subject actor, String action,
      ReasonCode reason, String message, String hint, Instant now) {
    return refuse(r, g, actor, action, reason, message, hint, now, false);
  }

  /** @param anonymous whether the answer must not name the privilege (only the audit record does) */
  private OperationRefusedException refuse(RequestRecord r, Grant g, Subject actor, String action,
      ReasonCode reason, String message, String hint, Instant now, boolean anonymous) {
    Privilege p = r != null ? r.privilege() : g != null ? g.privilege() : null;
    AuditEvent.Builder e = AuditEvent.builder(AuditEventType.OPERATION_REFUSED, now).actor(actor.id()).reason(reason)
        .detail("action", action);
    if (r != null) {
      e.requestId(r.id()).subject(r.requesterId()).privilege(p).policyVersion(r.policyVersion());
    }
    if (g != null) {
      e.grantId(g.id()).subject(g.subjectId()).privilege(p);
    }
    ledger.record(e.build());
    return new OperationRefusedException(new Decision.Denied(p != null && !anonymous ? p : UNKNOWN, reason, message,
        hint));
  }

  /**
   * The answer for an id the actor may not act on, and for an id that does not exist: the same words, no privilege
   * named. Only the audit record, which the actor does not see, names the record.
   *
   * @param kind "request" or "grant"
   * @param id the id asked for
   * @param actor who asked
   * @param action what they tried
   * @param r the request, if it exists
   * @param g the grant, if it exists
   * @param now the guard's time
   * @return the exception to throw
   */
  OperationRefusedException notFound(String kind, String id, Subject actor, String action, RequestRecord r, Grant g,
      Instant now) {
    try {
      if (DECISIONS.contains(action)) {
        policy.snapshot().version();
      }
    } catch (RuntimeException ex) {
      // Whether the actor may act cannot be known: the same answer for a real id and a guessed one, fail closed.
      LOG.error("policy failed while deciding whether {} may {} {} {}", Text.quote(actor.id()), action, kind, id, ex);
      return refuse(r, g, actor, action, ReasonCode.POLICY_FAILURE, "The policy could not be evaluated; nothing was "
          + "changed.", "Retry; if it persists, tell the operators (fail closed).", now, true);
    }
    AuditEvent.Builder e = AuditEvent.builder(AuditEventType.OPERATION_REFUSED, now).actor(actor.id())
        .reason(ReasonCode.NOT_PERMITTED).detail("action", action).detail(kind, id);
    if (r != null) {
      e.requestId(r.id()).subject(r.requesterId()).privilege(r.privilege());
    }
    if (g != null) {
      e.grantId(g.id()).subject(g.subjectId()).privilege(g.privilege());
    }
    ledger.record(e.build());
    return new OperationRefusedException(notFoundDecision(kind, id, actor, action));
  }

  /** The denial behind {@link #notFound}, for answers that are returned rather than thrown. */
  static Decision.Denied notFoundDecision(String kind, String id, Subject actor, String action) {
    return new Decision.Denied(UNKNOWN, ReasonCode.NOT_PERMITTED,
        "No " + kind + " " + id + " that " + Text.quote(actor.id()) + " may " + action + ".",
        "Check the id; only the " + (kind.equals("grant") ? "holder, " : "requester, ")
            + "approvers of the privilege and administrators may act on it.");
  }

  /**
   * The refusal of an operation on a closed guard.
   *
   * @param action what was tried
   * @return the exception to throw
   */
  static OperationRefusedException closed(String action) {
    return new OperationRefusedException(new Decision.Denied(Privilege.of("jitguard.closed"),
        ReasonCode.GUARD_CLOSED, "Cannot " + action + ": the guard is closed.", "Retry later."));
  }
}
