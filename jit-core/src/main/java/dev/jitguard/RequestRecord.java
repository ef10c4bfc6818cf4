package dev.jitguard;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The server's view of a request: what was asked ({@link #request()}) plus the fields only JIT Guard sets (id,
 * status, approvals, deadline, decision). Immutable; a transition produces a new record with {@link #version()} one
 * higher, which is what {@link dev.jitguard.spi.GrantStore} implementations compare to make transitions atomic.
 */
public final class RequestRecord {
  private final RequestId id;
  private final ElevationRequest request;
  private final RequestStatus status;
  private final Instant createdAt;
  private final Instant expiresAt;
  private final int approvalsRequired;
  private final Set<String> approverGroups;
  private final List<Approval> approvals;
  private final List<Approval> denials;
  private final Instant remindedAt;
  private final Instant escalatedAt;
  private final boolean breakGlass;
  private final Instant reviewedAt;
  private final String reviewedBy;
  private final String reviewComment;
  private final Instant decidedAt;
  private final String decidedBy;
  private final ReasonCode decisionReason;
  private final String decisionComment;
  private final GrantId grantId;
  private final String policyVersion;
  private final long version;

  private RequestRecord(Builder b) {
    this.id = Objects.requireNonNull(b.id, "id cannot be null");
    this.request = Objects.requireNonNull(b.request, "request cannot be null");
    this.status = Objects.requireNonNull(b.status, "status cannot be null");
    this.createdAt = Objects.requireNonNull(b.createdAt, "createdAt cannot be null");
    this.expiresAt = Objects.requireNonNull(b.expiresAt, "expiresAt cannot be null");
    if (b.approvalsRequired < 0) {
      throw new IllegalArgumentException("approvalsRequired must be at least 0, but was " + b.approvalsRequired);
    }
    this.approvalsRequired = b.approvalsRequired;
    this.approverGroups = Set.copyOf(new TreeSet<>(b.approverGroups));
    this.approvals = List.copyOf(b.approvals);
    this.denials = List.copyOf(b.denials);
    this.remindedAt = b.remindedAt;
    this.escalatedAt = b.escalatedAt;
    this.breakGlass = b.breakGlass;
    this.reviewedAt = b.reviewedAt;
    this.reviewedBy = b.reviewedBy;
    this.reviewComment = b.reviewComment;
    this.decidedAt = b.decidedAt;
    this.decidedBy = b.decidedBy;
    this.decisionReason = b.decisionReason;
    this.decisionComment = b.decisionComment;
    this.grantId = b.grantId;
    this.policyVersion = Objects.requireNonNull(b.policyVersion, "policyVersion cannot be null");
    this.version = b.version;
  }

  /**
   * Starts a record; used by the guard and by grant stores that load records.
   *
   * @param id the request id
   * @param request what was asked
   * @return the builder
   */
  public static Builder builder(RequestId id, ElevationRequest request) {
    return new Builder(id, request);
  }

  /**
   * A builder holding this record's values, for the next version.
   *
   * @return the builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(id, request);
    b.status = status;
    b.createdAt = createdAt;
    b.expiresAt = expiresAt;
    b.approvalsRequired = approvalsRequired;
    b.approverGroups = approverGroups;
    b.approvals = approvals;
    b.denials = denials;
    b.remindedAt = remindedAt;
    b.escalatedAt = escalatedAt;
    b.breakGlass = breakGlass;
    b.reviewedAt = reviewedAt;
    b.reviewedBy = reviewedBy;
    b.reviewComment = reviewComment;
    b.decidedAt = decidedAt;
    b.decidedBy = decidedBy;
    b.decisionReason = decisionReason;
    b.decisionComment = decisionComment;
    b.grantId = grantId;
    b.policyVersion = policyVersion;
    b.version = version;
    return b;
  }

  /** @return the id */
  public RequestId id() {
    return id;
  }

  /** @return what the requester asked for */
  public ElevationRequest request() {
    return request;
  }

  /** @return the requester's canonical id (shortcut for {@code request().subject().id()}) */
  public String requesterId() {
    return request.subject().id();
  }

  /** @return the privilege asked for */
  public Privilege privilege() {
    return request.privilege();
  }

  /** @return the stored status; a PENDING request past {@link #expiresAt()} is expired at its next touch */
  public RequestStatus status() {
    return status;
  }

  /** @return when the request was made */
  public Instant createdAt() {
    return createdAt;
  }

  /** @return the pending deadline: undecided at this instant, the request expires */
  public Instant expiresAt() {
    return expiresAt;
  }

  /** @return how many distinct approvers are needed (0 when auto-approved) */
  public int approvalsRequired() {
    return approvalsRequired;
  }

  /** @return the groups whose members may approve, sorted */
  public Set<String> approverGroups() {
    return approverGroups;
  }

  /** @return the approvals so far, in order */
  public List<Approval> approvals() {
    return approvals;
  }

  /** @return denials by approvers that did not (yet) reach the policy's deny threshold, and the one that did */
  public List<Approval> denials() {
    return denials;
  }

  /**
   * Whether a person has already denied.
   *
   * @param subjectId a canonical subject id
   * @return true if that person denied this request
   */
  public boolean deniedBy(String subjectId) {
    for (Approval a : denials) {
      if (a.approver().equals(subjectId)) {
        return true;
      }
    }
    return false;
  }

  /** @return when approvers were reminded of this pending request */
  public Optional<Instant> remindedAt() {
    return Optional.ofNullable(remindedAt);
  }

  /** @return when the request was escalated to the fallback approvers */
  public Optional<Instant> escalatedAt() {
    return Optional.ofNullable(escalatedAt);
  }

  /**
   * Whether the request still waits for a decision at an instant: PENDING, and before its {@link #expiresAt()} (the
   * interval is half-open, like a grant's). This is the one place that decides whether a pending request expired;
   * a request past it can no longer be approved, denied or withdrawn, even before maintenance marks it EXPIRED.
   *
   * @param now the guard's time
   * @return true if it can still be decided
   */
  public boolean isPendingAt(Instant now) {
    return status == RequestStatus.PENDING && now.isBefore(expiresAt);
  }

  /** @return true if this was a break-glass (emergency self-elevation) request */
  public boolean isBreakGlass() {
    return breakGlass;
  }

  /** @return true for a break-glass request nobody has reviewed yet */
  public boolean isReviewOpen() {
    return breakGlass && reviewedAt == null;
  }

  /** @return when the break-glass use was reviewed */
  public Optional<Instant> reviewedAt() {
    return Optional.ofNullable(reviewedAt);
  }

  /** @return who reviewed the break-glass use */
  public Optional<String> reviewedBy() {
    return Optional.ofNullable(reviewedBy);
  }

  /** @return the reviewer's comment, verbatim */
  public Optional<String> reviewComment() {
    return Optional.ofNullable(reviewComment);
  }

  /**
   * Whether a person has already approved.
   *
   * @param subjectId a canonical subject id
   * @return true if that person approved this request
   */
  public boolean approvedBy(String subjectId) {
    for (Approval a : approvals) {
      if (a.approver().equals(subjectId)) {
        return true;
      }
    }
    return false;
  }

  /** @return when the request reached its final status */
  public Optional<Instant> decidedAt() {
    return Optional.ofNullable(decidedAt);
  }

  /** @return who took the final decision (approver, requester, or {@code "policy"} / {@code "system"}) */
  public Optional<String> decidedBy() {
    return Optional.ofNullable(decidedBy);
  }

  /** @return why the request reached its final status */
  public Optional<ReasonCode> decisionReason() {
    return Optional.ofNullable(decisionReason);
  }

  /** @return the comment given with the final decision, verbatim */
  public Optional<String> decisionComment() {
    return Optional.ofNullable(decisionComment);
  }

  /** @return the grant issued when the request was approved */
  public Optional<GrantId> grantId() {
    return Optional.ofNullable(grantId);
  }

  /** @return the version of the policy that evaluated the request */
  public String policyVersion() {
    return policyVersion;
  }

  /** @return the optimistic-concurrency version, starting at 0 and one higher after each transition */
  public long version() {
    return version;
  }

  @Override
  public String toString() {
    return "RequestRecord[id=" + id + ", privilege=" + privilege() + ", requester=" + request.subject().id()
        + ", status=" + status + ", approvals=" + approvals.size() + "/" + approvalsRequired + ", version="
        + version + "]";
  }

  /** Builds a {@link RequestRecord}. Not thread-safe. */
  public static final class Builder {
    private final RequestId id;
    private final ElevationRequest request;
    private RequestStatus status = RequestStatus.PENDING;
    private Instant createdAt;
    private Instant expiresAt;
    private int approvalsRequired;
    private Set<String> approverGroups = Set.of();
    private List<Approval> approvals = List.of();
    private List<Approval> denials = List.of();
    private Instant remindedAt;
    private Instant escalatedAt;
    private boolean breakGlass;
    private Instant reviewedAt;
    private String reviewedBy;
    private String reviewComment;
    private Instant decidedAt;
    private String decidedBy;
    private ReasonCode decisionReason;
    private String decisionComment;
    private GrantId grantId;
    private String policyVersion = "";
    private long version;

    private Builder(RequestId id, ElevationRequest request) {
      this.id = Objects.requireNonNull(id, "id cannot be null");
      this.request = Objects.requireNonNull(request, "request cannot be null");
    }

    /**
     * Sets status.
     *
     * @param status the status
     * @return this builder
     */
    public Builder status(RequestStatus status) {
      this.status = Objects.requireNonNull(status, "status cannot be null");
      return this;
    }

    /**
     * Sets createdAt.
     *
     * @param createdAt creation instant
     * @return this builder
     */
    public Builder createdAt(Instant createdAt) {
      this.createdAt = Objects.requireNonNull(createdAt, "createdAt cannot be null");
      return this;
    }

    /**
     * Sets expiresAt.
     *
     * @param expiresAt the pending deadline
     * @return this builder
     */
    public Builder expiresAt(Instant expiresAt) {
      this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
      return this;
    }

    /**
     * Sets n.
     *
     * @param n distinct approvals needed
     * @return this builder
     */
    public Builder approvalsRequired(int n) {
      this.approvalsRequired = n;
      return this;
    }

    /**
     * Sets groups.
     *
     * @param groups approver groups
     * @return this builder
     */
    public Builder approverGroups(Set<String> groups) {
      this.approverGroups = Set.copyOf(groups);
      return this;
    }

    /**
     * Sets approvals.
     *
     * @param approvals the approvals so far
     * @return this builder
     */
    public Builder approvals(List<Approval> approvals) {
      this.approvals = List.copyOf(approvals);
      return this;
    }

    /**
     * Sets denials below the threshold (and the one that reached it).
     *
     * @param denials the denials
     * @return this builder
     */
    public Builder denials(List<Approval> denials) {
      this.denials = List.copyOf(denials);
      return this;
    }

    /**
     * Sets when approvers were reminded.
     *
     * @param at the instant
     * @return this builder
     */
    public Builder remindedAt(Instant at) {
      this.remindedAt = Objects.requireNonNull(at, "remindedAt cannot be null");
      return this;
    }

    /**
     * Sets when the request was escalated.
     *
     * @param at the instant
     * @return this builder
     */
    public Builder escalatedAt(Instant at) {
      this.escalatedAt = Objects.requireNonNull(at, "escalatedAt cannot be null");
      return this;
    }

    /**
     * Marks a break-glass request (its review is open until {@link #review}).
     *
     * @param breakGlass true for break-glass
     * @return this builder
     */
    public Builder breakGlass(boolean breakGlass) {
      this.breakGlass = breakGlass;
      return this;
    }

    /**
     * Records the after-the-fact review of a break-glass request.
     *
     * @param at when
     * @param by who (canonical id)
     * @param comment the reviewer's comment, verbatim
     * @return this builder
     */
    public Builder review(Instant at, String by, String comment) {
      this.reviewedAt = Objects.requireNonNull(at, "reviewedAt cannot be null");
      this.reviewedBy = Objects.requireNonNull(by, "reviewedBy cannot be null");
      this.reviewComment = Objects.requireNonNull(comment, "reviewComment cannot be null");
      return this;
    }

    /**
     * Records the final decision.
     *
     * @param at when
     * @param by who (canonical id, {@code "policy"} or {@code "system"})
     * @param reason why
     * @param comment the comment, verbatim, or null
     * @return this builder
     */
    public Builder decision(Instant at, String by, ReasonCode reason, String comment) {
      this.decidedAt = Objects.requireNonNull(at, "decidedAt cannot be null");
      this.decidedBy = Objects.requireNonNull(by, "decidedBy cannot be null");
      this.decisionReason = Objects.requireNonNull(reason, "decisionReason cannot be null");
      this.decisionComment = comment;
      return this;
    }

    /**
     * Sets grantId.
     *
     * @param grantId the issued grant
     * @return this builder
     */
    public Builder grantId(GrantId grantId) {
      this.grantId = Objects.requireNonNull(grantId, "grantId cannot be null");
      return this;
    }

    /**
     * Sets policyVersion.
     *
     * @param policyVersion the policy version used
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

    /** @return the record */
    public RequestRecord build() {
      return new RequestRecord(this);
    }
  }
}
