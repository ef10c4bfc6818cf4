package dev.jitguard.event;

/** What happened. Names are stable: they appear in audit lines and are safe to query on. */
public enum AuditEventType {
  /** A request was made (pending or about to be auto-approved). */
  REQUESTED,
  /** A request was refused by policy when it was made (not eligible, justification too short, ...). */
  REQUEST_DENIED,
  /** A request was approved by a policy condition, without a person. */
  AUTO_APPROVED,
  /** One approver approved; more approvals are needed. */
  APPROVAL_RECORDED,
  /** A request received its last required approval. */
  APPROVED,
  /** An approver denied a request, or a failure denied it (fail closed). */
  DENIED,
  /** An approve, deny, revoke, withdraw or extend attempt was refused (self-approval, not permitted, ...). */
  OPERATION_REFUSED,
  /** The requester withdrew a pending request. */
  WITHDRAWN,
  /** A pending request ran out of time. */
  REQUEST_EXPIRED,
  /** A grant was issued. */
  GRANTED,
  /** The first use of a grant (later uses are summarised in {@link #USES}). */
  USED,
  /** How many more times a grant was used since the last summary ({@link AuditEvent#count()}). */
  USES,
  /** A check was denied (the first per subject, privilege and reason in each flush period). */
  CHECK_DENIED,
  /** How many more checks were denied since the last summary ({@link AuditEvent#count()}). */
  CHECKS_DENIED,
  /** A grant reached its expiry. */
  GRANT_EXPIRED,
  /** A grant was revoked. */
  REVOKED,
  /** A grant's expiry was extended. */
  EXTENDED,
  /** A budgeted grant's last use was taken. */
  CONSUMED,
  /** An approver denied, but the policy's deny threshold is not reached yet. */
  DENIAL_RECORDED,
  /** Approvers were reminded of a request still pending. */
  REMINDER_SENT,
  /** A pending request was escalated to the fallback approver groups. */
  ESCALATED,
  /** A grant will expire soon (the policy's expiry warning lead time). */
  GRANT_EXPIRING,
  /** A subject used break-glass: emergency self-elevation without approvers. */
  BREAK_GLASS,
  /** A break-glass use was reviewed after the fact. */
  REVIEWED,
  /**
   * The wall clock jumped by more than a second against elapsed time: set back (the guard keeps counting elapsed
   * time, so no grant lasts longer) or set forward (the guard follows it, which may only end grants early). Recorded
   * once per jump, with the details {@code direction}, {@code by}, {@code wall} and {@code guard_time}.
   */
  CLOCK_JUMPED,
  /**
   * The grant store returned a grant record whose version went backwards against one this guard had seen: an ended
   * record no newer than the live one cached (after a database restore, or a failover to a replica a write behind),
   * or a newer record saying an ended grant is live again. The ended record is kept, so access never comes back.
   * Details: {@code arrived_version}, {@code arrived_status}, {@code cached_version}, {@code cached_status}.
   */
  STORE_ANOMALY,
  /**
   * The file audit sink cut off the end of its log that a failed write (a full disk, a crash) left: a record cut
   * short, without its line feed, whose caller got an error. Recorded by the sink itself (actor {@code system}), once
   * per cut, with the details {@code file}, {@code offset} (where the file now ends), {@code bytes_removed},
   * {@code sha256} (of the removed bytes) and {@code found} ({@code after_failed_write} or {@code on_open}).
   */
  TORN_TAIL_RECOVERED
}
