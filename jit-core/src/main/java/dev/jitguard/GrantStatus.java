package dev.jitguard;

/**
 * Where a grant is in its lifecycle: {@code SCHEDULED → ACTIVE → EXPIRED | REVOKED | CONSUMED}. SCHEDULED, ACTIVE
 * and EXPIRED follow from time and are computed at each check ({@link Grant#statusAt}); REVOKED and CONSUMED are
 * stored.
 */
public enum GrantStatus {
  /** Issued, starts later. */
  SCHEDULED,
  /** Usable now. */
  ACTIVE,
  /** Past its expiry. */
  EXPIRED,
  /** Revoked before its expiry. */
  REVOKED,
  /** All of its budget of uses was used. */
  CONSUMED;

  /**
   * Whether the grant can never be used again.
   *
   * @return true for EXPIRED, REVOKED and CONSUMED
   */
  public boolean isTerminal() {
    return this == EXPIRED || this == REVOKED || this == CONSUMED;
  }
}
