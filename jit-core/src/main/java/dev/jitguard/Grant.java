package dev.jitguard;

import dev.jitguard.action.ActionBinding;
import dev.jitguard.internal.util.Text;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A privilege granted to one subject for a bounded time: the result of an approved request.
 *
 * <p>Validity is half-open, {@code [notBefore, expiresAt)}: at {@code expiresAt} exactly the grant is expired. Both
 * instants are kept at millisecond precision. A grant is either time-bound (any number of checks while valid) or has a
 * budget of uses (each granted check consumes one). It may also be metered: a total amount that the calls it allows
 * may spend together (refunds up to 250.00, say), each call declaring its amount. {@code capExpiresAt} is the latest instant extensions may reach
 * (the policy's maximum duration counted from the start). Immutable; a transition produces a new instance with
 * {@link #version()} one higher.
 */
public final class Grant {
  private final GrantId id;
  private final RequestId requestId;
  private final String subjectId;
  private final Privilege privilege;
  private final GrantStatus storedStatus;
  // Instants are held as epoch milliseconds (they are kept at that precision) and made on access: a live grant
  // stays small, and the check compares longs.
  private final long issuedAtMillis;
  private final long notBeforeMillis;
  private final long expiresAtMillis;
  private final long capExpiresAtMillis;
  private final String action;
  private final String argumentDigest;
  private final int usesGranted;
  private final int usesLeft;
  private final BigDecimal amountLimit;
  private final BigDecimal amountUsed;
  private final List<String> approvers;
  private final Instant endedAt;
  private final String endedBy;
  private final String endReason;
  private final String policyVersion;
  private final long version;
  private final Decision.Granted granted;

  private Grant(Builder b) {
    this.id = Objects.requireNonNull(b.id, "id cannot be null");
    this.requestId = Objects.requireNonNull(b.requestId, "requestId cannot be null");
    this.subjectId = Objects.requireNonNull(b.subjectId, "subjectId cannot be null");
    this.privilege = Objects.requireNonNull(b.privilege, "privilege cannot be null");
    this.storedStatus = Objects.requireNonNull(b.status, "status cannot be null");
    Instant issuedAt = Objects.requireNonNull(b.issuedAt, "issuedAt cannot be null").truncatedTo(ChronoUnit.MILLIS);
    Instant notBefore = Objects.requireNonNull(b.notBefore, "notBefore cannot be null")
        .truncatedTo(ChronoUnit.MILLIS);
    Instant expiresAt = Objects.requireNonNull(b.expiresAt, "expiresAt cannot be null")
        .truncatedTo(ChronoUnit.MILLIS);
    Instant capExpiresAt = Objects.requireNonNull(b.capExpiresAt, "capExpiresAt cannot be null")
        .truncatedTo(ChronoUnit.MILLIS);
    if (!expiresAt.isAfter(notBefore)) {
      throw new IllegalArgumentException("expiresAt " + expiresAt + " must be after notBefore " + notBefore);
    }
    if (expiresAt.isAfter(capExpiresAt)) {
      throw new IllegalArgumentException("expiresAt " + expiresAt + " must not pass capExpiresAt " + capExpiresAt);
    }
    if (b.usesGranted < 0 || b.usesLeft < 0 || b.usesLeft > b.usesGranted) {
      throw new IllegalArgumentException("uses must satisfy 0 <= usesLeft <= usesGranted, but were " + b.usesLeft
          + " and " + b.usesGranted);
    }
    this.issuedAtMillis = issuedAt.toEpochMilli();
    this.notBeforeMillis = notBefore.toEpochMilli();
    this.expiresAtMillis = expiresAt.toEpochMilli();
    this.capExpiresAtMillis = capExpiresAt.toEpochMilli();
    this.action = b.action;
    this.argumentDigest = b.argumentDigest;
    if ((action == null) != (argumentDigest == null)) {
      throw new IllegalArgumentException("action and argumentDigest must be set together");
    }
    this.usesGranted = b.usesGranted;
    this.usesLeft = b.usesLeft;
    if (b.amountLimit != null) {
      Amounts.limit("amountLimit", b.amountLimit);
      Amounts.callAmount("amountUsed", b.amountUsed);
      if (b.amountUsed.compareTo(b.amountLimit) > 0) {
        throw new IllegalArgumentException("amountUsed " + b.amountUsed.toPlainString()
            + " must not pass amountLimit " + b.amountLimit.toPlainString());
      }
    } else if (b.amountUsed != null) {
      throw new IllegalArgumentException("amountUsed needs an amountLimit");
    }
    this.amountLimit = b.amountLimit;
    this.amountUsed = b.amountUsed;
    this.approvers = List.copyOf(b.approvers);
    this.endedAt = b.endedAt;
    this.endedBy = b.endedBy;
    this.endReason = b.endReason;
    this.policyVersion = Objects.requireNonNull(b.policyVersion, "policyVersion cannot be null");
    this.version = b.version;
    this.granted = new Decision.Granted(this);
  }

  /** The message of {@link #toDecision()}, written when asked for. */
  String grantedMessage() {
    return "Privilege '" + privilege + "' granted to " + Text.quote(subjectId) + " until " + expiresAt()
        + " (grant " + id + ")";
  }

  /**
   * Starts a grant; used by the guard and by grant stores that load grants.
   *
   * @param id the grant id
   * @param requestId the request that produced it
   * @return the builder
   */
  public static Builder builder(GrantId id, RequestId requestId) {
    return new Builder(id, requestId);
  }

  /**
   * A builder holding this grant's values, for the next version.
   *
   * @return the builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(id, requestId);
    b.subjectId = subjectId;
    b.privilege = privilege;
    b.status = storedStatus;
    b.issuedAt = issuedAt();
    b.notBefore = notBefore();
    b.expiresAt = expiresAt();
    b.capExpiresAt = capExpiresAt();
    b.action = action;
    b.argumentDigest = argumentDigest;
    b.usesGranted = usesGranted;
    b.usesLeft = usesLeft;
    b.amountLimit = amountLimit;
    b.amountUsed = amountUsed;
    b.approvers = approvers;
    b.endedAt = endedAt;
    b.endedBy = endedBy;
    b.endReason = endReason;
    b.policyVersion = policyVersion;
    b.version = version;
    return b;
  }

  /** @return the id */
  public GrantId id() {
    return id;
  }

  /** @return the request that produced this grant */
  public RequestId requestId() {
    return requestId;
  }

  /** @return the canonical id of the subject holding the grant */
  public String subjectId() {
    return subjectId;
  }

  /** @return the privilege granted */
  public Privilege privilege() {
    return privilege;
  }

  /**
   * The status as stored: ACTIVE or SCHEDULED for an issued grant whatever the time, or a terminal status. Use
   * {@link #statusAt(Instant)} for the status at an instant.
   *
   * @return the stored status
   */
  public GrantStatus storedStatus() {
    return storedStatus;
  }

  /**
   * The status at an instant: stored terminal statuses win, otherwise it follows from {@code [notBefore, expiresAt)}.
   *
   * @param now the instant
   * @return the status
   */
  public GrantStatus statusAt(Instant now) {
    return statusAtMillis(now.toEpochMilli());
  }

  /**
   * {@link #statusAt(Instant)} for an epoch-millisecond instant, without allocating.
   *
   * @param nowMillis milliseconds since the epoch
   * @return the status
   */
  public GrantStatus statusAtMillis(long nowMillis) {
    if (storedStatus == GrantStatus.REVOKED || storedStatus == GrantStatus.CONSUMED
        || storedStatus == GrantStatus.EXPIRED) {
      return storedStatus;
    }
    if (nowMillis >= expiresAtMillis) {
      return GrantStatus.EXPIRED;
    }
    return nowMillis < notBeforeMillis ? GrantStatus.SCHEDULED : GrantStatus.ACTIVE;
  }

  /** @return when the grant was issued (the approval that completed the request) */
  public Instant issuedAt() {
    return Instant.ofEpochMilli(issuedAtMillis);
  }

  /** @return the first instant the grant is valid */
  public Instant notBefore() {
    return Instant.ofEpochMilli(notBeforeMillis);
  }

  /** @return the first instant the grant is no longer valid */
  public Instant expiresAt() {
    return Instant.ofEpochMilli(expiresAtMillis);
  }

  /**
   * {@link #expiresAt()} as milliseconds since the epoch, without allocating.
   *
   * @return the first millisecond the grant is no longer valid
   */
  public long expiresAtMillis() {
    return expiresAtMillis;
  }

  /** @return the latest instant an extension may reach */
  public Instant capExpiresAt() {
    return Instant.ofEpochMilli(capExpiresAtMillis);
  }

  /** @return the action this grant is bound to (JIT action approval), if any */
  public Optional<String> action() {
    return Optional.ofNullable(action);
  }

  /** @return the argument digest of the bound action, if any */
  public Optional<String> argumentDigest() {
    return Optional.ofNullable(argumentDigest);
  }

  /**
   * Whether the grant is bound to an action of this name (whatever its arguments), without allocating.
   *
   * @param action the action name
   * @return true if the grant is bound to that action
   */
  public boolean isBoundToAction(String action) {
    return this.action != null && this.action.equals(action);
  }

  /**
   * Whether the grant is bound to exactly this call: the same action and the same argument digest. Without
   * allocating.
   *
   * @param call the call
   * @return true if the grant approves that very call
   */
  public boolean isBoundTo(ActionBinding call) {
    return action != null && action.equals(call.action()) && argumentDigest.equals(call.argumentDigest());
  }

  /** @return true if the grant is bound to one exact action; it then never satisfies a plain check */
  public boolean isActionBound() {
    return action != null;
  }

  /** @return true if the grant has a budget of uses rather than being time-bound only */
  public boolean isBudgeted() {
    return usesGranted > 0;
  }

  /** @return the budget of uses, if the grant has one */
  public OptionalInt usesGranted() {
    return usesGranted == 0 ? OptionalInt.empty() : OptionalInt.of(usesGranted);
  }

  /** @return the uses left, if the grant has a budget */
  public OptionalInt usesLeft() {
    return usesGranted == 0 ? OptionalInt.empty() : OptionalInt.of(usesLeft);
  }

  /**
   * Whether the grant is metered: the calls it allows spend a total amount together, and each check must say how
   * much its call spends ({@link PrivilegeGuard#check(Subject, Privilege, BigDecimal)}). A plain check never uses a
   * metered grant.
   *
   * @return true if the grant has an amount limit
   */
  public boolean isMetered() {
    return amountLimit != null;
  }

  /** @return the total amount the grant's calls may spend together, if it is metered */
  public Optional<BigDecimal> amountLimit() {
    return Optional.ofNullable(amountLimit);
  }

  /** @return the amount spent so far, if the grant is metered */
  public Optional<BigDecimal> amountUsed() {
    return Optional.ofNullable(amountUsed);
  }

  /** @return the amount left to spend ({@code amountLimit - amountUsed}), if the grant is metered */
  public Optional<BigDecimal> amountLeft() {
    return amountLimit == null ? Optional.empty() : Optional.of(amountLimit.subtract(amountUsed));
  }

  /** @return the canonical ids of the approvers who produced the grant (empty when auto-approved) */
  public List<String> approvers() {
    return approvers;
  }

  /** @return when the grant was revoked or consumed */
  public Optional<Instant> endedAt() {
    return Optional.ofNullable(endedAt);
  }

  /** @return who revoked the grant */
  public Optional<String> endedBy() {
    return Optional.ofNullable(endedBy);
  }

  /** @return the reason given when the grant was revoked, verbatim */
  public Optional<String> endReason() {
    return Optional.ofNullable(endReason);
  }

  /** @return the version of the policy under which it was issued */
  public String policyVersion() {
    return policyVersion;
  }

  /** @return the optimistic-concurrency version */
  public long version() {
    return version;
  }

  /**
   * The decision a successful check returns for this grant. Built once with the grant, so that the check on the hot
   * path allocates nothing; its message is written when asked for.
   *
   * @return the granted decision
   */
  public Decision.Granted toDecision() {
    return granted;
  }

  @Override
  public String toString() {
    return "Grant[id=" + id + ", subject=" + Text.quote(subjectId) + ", privilege=" + privilege + ", status="
        + storedStatus + ", notBefore=" + notBefore() + ", expiresAt=" + expiresAt()
        + (usesGranted > 0 ? ", usesLeft=" + usesLeft + "/" + usesGranted : "")
        + (amountLimit != null ? ", amountUsed=" + amountUsed.toPlainString() + "/" + amountLimit.toPlainString() : "")
        + ", version=" + version + "]";
  }

  /** Builds a {@link Grant}. Not thread-safe. */
  public static final class Builder {
    private final GrantId id;
    private final RequestId requestId;
    private String subjectId;
    private Privilege privilege;
    private GrantStatus status = GrantStatus.ACTIVE;
    private Instant issuedAt;
    private Instant notBefore;
    private Instant expiresAt;
    private Instant capExpiresAt;
    private String action;
    private String argumentDigest;
    private int usesGranted;
    private int usesLeft;
    private BigDecimal amountLimit;
    private BigDecimal amountUsed;
    private List<String> approvers = List.of();
    private Instant endedAt;
    private String endedBy;
    private String endReason;
    private String policyVersion = "";
    private long version;

    private Builder(GrantId id, RequestId requestId) {
      this.id = Objects.requireNonNull(id, "id cannot be null");
      this.requestId = Objects.requireNonNull(requestId, "requestId cannot be null");
    }

    /**
     * Sets subjectId.
     *
     * @param subjectId canonical subject id
     * @return this builder
     */
    public Builder subjectId(String subjectId) {
      this.subjectId = Objects.requireNonNull(subjectId, "subjectId cannot be null");
      return this;
    }

    /**
     * Sets privilege.
     *
     * @param privilege the privilege
     * @return this builder
     */
    public Builder privilege(Privilege privilege) {
      this.privilege = Objects.requireNonNull(privilege, "privilege cannot be null");
      return this;
    }

    /**
     * Sets status.
     *
     * @param status the stored status
     * @return this builder
     */
    public Builder status(GrantStatus status) {
      this.status = Objects.requireNonNull(status, "status cannot be null");
      return this;
    }

    /**
     * Sets issuedAt.
     *
     * @param issuedAt issue instant
     * @return this builder
     */
    public Builder issuedAt(Instant issuedAt) {
      this.issuedAt = issuedAt;
      return this;
    }

    /**
     * Sets the validity window.
     *
     * @param notBefore first valid instant
     * @param expiresAt first invalid instant
     * @param capExpiresAt latest instant extensions may reach
     * @return this builder
     */
    public Builder validity(Instant notBefore, Instant expiresAt, Instant capExpiresAt) {
      this.notBefore = notBefore;
      this.expiresAt = expiresAt;
      this.capExpiresAt = capExpiresAt;
      return this;
    }

    /**
     * Sets the budget of uses (0 for a time-bound grant).
     *
     * @param granted uses granted
     * @param left uses left
     * @return this builder
     */
    public Builder uses(int granted, int left) {
      this.usesGranted = granted;
      this.usesLeft = left;
      return this;
    }

    /**
     * Meters the grant: the calls it allows may spend {@code limit} together; {@code used} is spent already. Pass
     * nulls for an unmetered grant.
     *
     * @param limit the total, positive (null: not metered)
     * @param used spent so far, between zero and {@code limit} (null exactly when {@code limit} is)
     * @return this builder
     */
    public Builder amount(BigDecimal limit, BigDecimal used) {
      this.amountLimit = limit;
      this.amountUsed = used;
      return this;
    }

    /**
     * Binds the grant to one exact action.
     *
     * @param action the action name
     * @param argumentDigest the canonical argument digest
     * @return this builder
     */
    public Builder action(String action, String argumentDigest) {
      this.action = Objects.requireNonNull(action, "action cannot be null");
      this.argumentDigest = Objects.requireNonNull(argumentDigest, "argumentDigest cannot be null");
      return this;
    }

    /**
     * Sets approvers.
     *
     * @param approvers canonical approver ids
     * @return this builder
     */
    public Builder approvers(List<String> approvers) {
      this.approvers = List.copyOf(approvers);
      return this;
    }

    /**
     * Records how the grant ended (revoked or consumed).
     *
     * @param at when
     * @param by who
     * @param reason the reason, verbatim, or null
     * @return this builder
     */
    public Builder ended(Instant at, String by, String reason) {
      this.endedAt = at;
      this.endedBy = by;
      this.endReason = reason;
      return this;
    }

    /**
     * Sets policyVersion.
     *
     * @param policyVersion the policy version
     * @return this builder
     */
    public Builder policyVersion(String policyVersion) {
      this.policyVersion = Objects.requireNonNull(policyVersion, "policyVersion cannot be null");
      return this;
    }

    /**
     * Sets version.
     *
     * @param version the optimistic-concurrency version
     * @return this builder
     */
    public Builder version(long version) {
      this.version = version;
      return this;
    }

    /** @return the grant */
    public Grant build() {
      return new Grant(this);
    }
  }
}
