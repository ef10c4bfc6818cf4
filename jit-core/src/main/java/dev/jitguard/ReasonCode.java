package dev.jitguard;

/**
 * Why a decision came out the way it did. Codes are stable and machine-readable (for metrics, problem responses and
 * audit queries); the {@link Decision#message()} explains them to a person.
 */
public enum ReasonCode {
  /** An active grant allows the call. */
  GRANTED,
  /** The request was approved by policy without a person. */
  AUTO_APPROVED,
  /** Emergency self-elevation (break-glass), without approvers; audited loudly and reviewed afterwards. */
  BREAK_GLASS,
  /** The request was approved by the required number of approvers. */
  APPROVED,
  /** The request waits for approvals. */
  PENDING_APPROVAL,

  /** The subject has no grant for the privilege. */
  NO_GRANT,
  /** The subject's grant has expired. */
  GRANT_EXPIRED,
  /** The subject's grant starts later (scheduled). */
  GRANT_NOT_YET_ACTIVE,
  /** The subject's grant was revoked. */
  GRANT_REVOKED,
  /** The subject's grant had a budget of uses and all were used. */
  GRANT_CONSUMED,
  /** An action approval exists for this action but with other arguments: what was approved is not what runs. */
  ACTION_MISMATCH,
  /** The subject's metered grant has less left than this call's amount; smaller calls may still pass. */
  AMOUNT_EXCEEDED,
  /**
   * The subject's only grant is metered, and the check did not say how much the call spends; the host must check
   * with the call's amount.
   */
  AMOUNT_REQUIRED,

  /** The policy does not know the privilege. */
  UNKNOWN_PRIVILEGE,
  /** The subject is not eligible to request the privilege. */
  NOT_ELIGIBLE,
  /** The privilege's rule does not allow break-glass. */
  BREAK_GLASS_NOT_ALLOWED,
  /** The policy requires approvers to give a comment. */
  COMMENT_REQUIRED,
  /** The break-glass use was already reviewed, or the request is not a break-glass one. */
  NO_OPEN_REVIEW,
  /** A deny rule of the policy matches the subject; deny rules win over every allow. */
  EXPLICITLY_DENIED,
  /** The policy requires a justification and none was given. */
  JUSTIFICATION_REQUIRED,
  /** The justification is shorter than the policy's minimum. */
  JUSTIFICATION_TOO_SHORT,
  /** The policy requires a ticket reference and none was given. */
  TICKET_REQUIRED,
  /** The ticket reference does not match the policy's pattern. */
  TICKET_INVALID,
  /** The requested duration is longer than the policy's maximum. */
  DURATION_EXCEEDS_MAX,
  /** The requested number of uses is larger than the policy's maximum. */
  USES_EXCEED_MAX,
  /** The requested amount limit is larger than the policy's maximum amount. */
  AMOUNT_EXCEEDS_MAX,
  /** The requested start time is in the past or too far in the future. */
  START_OUT_OF_RANGE,

  /** An approver tried to approve or decide their own request; never allowed, administrators included. */
  SELF_APPROVAL,
  /** The acting person may not approve or manage this privilege, or the id does not exist (indistinguishable). */
  NOT_PERMITTED,
  /** The approver has already approved this request; a person counts once. */
  ALREADY_APPROVED,
  /** The request is no longer pending (approved, denied, withdrawn or expired). */
  REQUEST_NOT_PENDING,
  /** The request's pending time-to-live ran out before enough approvals. */
  REQUEST_EXPIRED,
  /** The requester withdrew the request. */
  WITHDRAWN,
  /** An approver denied the request. */
  DENIED_BY_APPROVER,
  /** The grant is no longer active (expired, revoked or consumed), so it cannot be changed. */
  GRANT_NOT_ACTIVE,
  /** The extension would pass the policy's maximum duration. */
  EXTENSION_EXCEEDS_CAP,

  /** The policy could not be evaluated (it threw); denied, fail closed. */
  POLICY_FAILURE,
  /** The grant store failed; denied, fail closed. */
  STORE_FAILURE,
  /** The approval channel failed to deliver the request; denied, fail closed. */
  APPROVAL_FAILURE,
  /** The audit sink failed to record the decision; denied, fail closed. */
  AUDIT_FAILURE,
  /** The guard is closed. */
  GUARD_CLOSED,

  /**
   * No authenticated subject: the caller is anonymous, or the host could not say who it is. Framework integrations
   * (such as {@code jit-spring}) deny with it before the guard is asked; the guard itself always has a subject.
   */
  NO_SUBJECT
}
