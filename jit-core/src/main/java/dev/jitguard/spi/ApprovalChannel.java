package dev.jitguard.spi;

import dev.jitguard.RequestRecord;
import dev.jitguard.rule.PrivilegeRule;

/**
 * How a pending request reaches its approvers, and how they learn the outcome. Decisions come back through
 * {@link dev.jitguard.PrivilegeGuard#approve} and {@link dev.jitguard.PrivilegeGuard#deny}, whatever the channel
 * (an in-process call, a webhook, a chat button), so every approval passes the same decision function: no
 * self-approval, approver eligibility, distinct-approver thresholds.
 *
 * <p><b>Contract.</b> Implementations must be thread-safe. {@link #requestPending} is called once per pending request,
 * after it was stored and audited; if it throws, the request cannot reach anyone, so it is denied with
 * {@link dev.jitguard.ReasonCode#APPROVAL_FAILURE} (fail closed). {@link #requestDecided} is a notification:
 * an exception there is logged and changes nothing. Implementations may call back into the guard from another thread,
 * but should not block the calling thread on it.
 */
public interface ApprovalChannel {

  /**
   * A request needs approvers: deliver it (a message, a ticket, a webhook).
   *
   * @param request the pending request
   * @param rule the rule that decides who may approve it
   * @throws RuntimeException if it could not be delivered; the request is then denied
   */
  void requestPending(RequestRecord request, PrivilegeRule rule);

  /**
   * A request reached a final status (approved, denied, withdrawn, expired): tell the requester and the approvers
   * who no longer need to act. Best effort.
   *
   * @param request the request in its final status
   */
  default void requestDecided(RequestRecord request) {}

  /**
   * A request is still pending after the policy's reminder delay: remind its approvers. Best effort.
   *
   * @param request the pending request
   * @param rule the rule that decides who may approve it
   */
  default void remind(RequestRecord request, PrivilegeRule rule) {}

  /**
   * A request is still pending after the policy's escalation delay: members of the fallback groups may now approve
   * it; tell them. Best effort.
   *
   * @param request the pending request, now escalated
   * @param rule the rule, whose {@link dev.jitguard.rule.Escalation#groups() escalation groups} are the fallback approvers
   */
  default void escalated(RequestRecord request, PrivilegeRule rule) {}

  /**
   * Someone used break-glass: tell the approvers who were skipped, loudly. Best effort; the use is audited and its
   * review stays open whatever happens here.
   *
   * @param request the break-glass request (approved, review open)
   * @param rule the rule whose approvers were skipped
   */
  default void breakGlassUsed(RequestRecord request, PrivilegeRule rule) {}

  /**
   * The in-process channel: does nothing and waits for approve/deny calls on the guard (approvers find work with
   * {@link dev.jitguard.PrivilegeGuard#pendingApprovals}).
   *
   * @return the channel
   */
  static ApprovalChannel inProcess() {
    return (request, rule) -> { };
  }
}
