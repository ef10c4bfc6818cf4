package dev.jitguard;

/** Where a request is in its lifecycle: {@code PENDING → APPROVED | DENIED | EXPIRED | WITHDRAWN}. */
public enum RequestStatus {
  /** Waiting for approvals. */
  PENDING,
  /** Approved by policy or by enough approvers; a grant was issued. */
  APPROVED,
  /** Denied by an approver, or by a failure (fail closed). */
  DENIED,
  /** Not decided within the policy's pending time-to-live. */
  EXPIRED,
  /** Withdrawn by the requester. */
  WITHDRAWN;

  /**
   * Whether the status is final.
   *
   * @return true for every status but {@link #PENDING}
   */
  public boolean isTerminal() {
    return this != PENDING;
  }
}
