package dev.jitguard;

import dev.jitguard.action.ActionBinding;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.internal.Engine;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spi.OnCallSource;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Just-in-time privilege elevation: nobody holds a sensitive privilege by default; a subject requests it with a
 * justification, the policy and approvers decide, and the grant lasts a bounded time (or a budget of uses).
 *
 * <pre>{@code
 * PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).build();
 * Decision d = guard.request(ElevationRequest.builder(alice, "db.prod.write")
 *     .justification("INC-42: repair the orders table").duration(Duration.ofMinutes(30)).build());
 * guard.approve(((Decision.Pending) d).request().id(), bob, "ok");
 * guard.require(alice, DB_PROD_WRITE);            // passes while the grant is active
 * }</pre>
 *
 * <p><b>Decide versus enforce.</b> {@link #check} returns a {@link Decision}; {@link #require} throws
 * {@link ElevationRequiredException} carrying the same decision. The check is the hot path: an already-elevated
 * check reads the clock once, allocates nothing and does no I/O.
 *
 * <p><b>Safety.</b> Every decision is audited before it is returned; if the policy, the grant store, the approval
 * channel or the audit sink fails, the answer is a denial whose reason code names the part that failed. Nobody can
 * approve their own request, on any path. Expiry is checked on every use against the guard's time, which counts
 * elapsed time with a {@link MonotonicClock}: a wall clock set back never revives an expired grant nor makes a grant
 * last longer. A policy change applies to pending requests and live grants. Ids one may not act on are answered like
 * unknown ids. Bad input throws {@link InvalidInputException} and changes nothing.
 *
 * <p>Implementations are thread-safe. Close the guard to stop its maintenance thread and flush use counters.
 */
public interface PrivilegeGuard extends AutoCloseable {

  /**
   * Starts a builder. Only the policy is required; every other collaborator has an in-memory default.
   *
   * @return the builder
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Requests an elevation. The answer is immediate: granted (auto-approved by policy), pending (with who must
   * approve and until when) or denied (with why and what would make it eligible). If the subject already has a
   * pending request for the privilege, that request is returned instead of a second one.
   *
   * @param request what is asked
   * @return the decision
   */
  Decision request(ElevationRequest request);

  /**
   * What {@link #request} would answer, and why, with no side effect (nothing stored, audited or sent).
   *
   * @param request what would be asked
   * @return the explanation
   */
  DryRun dryRun(ElevationRequest request);

  /**
   * Approves a pending request. When it was the last approval needed, the grant is issued and returned as
   * {@link Decision.Granted}; otherwise the request stays pending and {@link Decision.Pending} says how many
   * approvals are missing.
   *
   * @param requestId the request
   * @param approver who approves; must be an approver for the privilege and not the requester
   * @param comment the approver's comment (may be empty)
   * @return granted or pending
   * @throws OperationRefusedException if refused (self-approval, not an approver, the requester no longer eligible or
   *     denied under the policy in force, already approved, not pending, expired, or a failure); the refusal is audited
   *     and nothing changed. An approver's own elevations play no part: approval rights come from the rule alone
   */
  Decision approve(RequestId requestId, Subject approver, String comment);

  /**
   * Approves a pending request and shortens the grant it may produce: an approver may shorten the requested
   * duration, never lengthen it. When several approvers shorten, the shortest wins.
   *
   * @param requestId the request
   * @param approver who approves
   * @param comment the approver's comment (may be empty unless the policy requires one)
   * @param shortenTo the longest duration this approver accepts, at most the requested one
   * @return granted or pending
   * @throws OperationRefusedException if refused, including when {@code shortenTo} is longer than requested
   */
  Decision approve(RequestId requestId, Subject approver, String comment, Duration shortenTo);

  /**
   * Approves a pending request that reached the approver through a channel (a webhook, a chat button, a console),
   * recording which channel and how strongly it authenticated the approver: stored in the {@link Approval} and
   * audited as the details {@code channel} and {@code authentication}. Otherwise exactly
   * {@link #approve(RequestId, Subject, String, Duration)}: the same decision function, the same refusals.
   *
   * @param requestId the request
   * @param approver who approves, as the channel identified them
   * @param comment the approver's comment (may be empty unless the policy requires one)
   * @param shortenTo the longest duration this approver accepts, at most the requested one; null to keep it
   * @param context the channel and how it authenticated the approver
   * @return granted or pending
   * @throws OperationRefusedException if refused; nothing changed
   */
  Decision approve(RequestId requestId, Subject approver, String comment, @Nullable Duration shortenTo,
      ApprovalContext context);

  /**
   * Denies a pending request. With a policy deny threshold above 1, the request stays PENDING until that many
   * distinct approvers denied (the returned record says so).
   *
   * @param requestId the request
   * @param approver who denies; an approver for the privilege or an administrator, and not the requester
   * @param comment why (may be empty)
   * @return the request, now DENIED
   * @throws OperationRefusedException if refused; nothing changed
   */
  RequestRecord deny(RequestId requestId, Subject approver, String comment);

  /**
   * Denies a pending request that reached the approver through a channel, recording which channel and how strongly
   * it authenticated the approver (see {@link #approve(RequestId, Subject, String, Duration, ApprovalContext)}).
   * Otherwise exactly {@link #deny(RequestId, Subject, String)}.
   *
   * @param requestId the request
   * @param approver who denies, as the channel identified them
   * @param comment why (may be empty)
   * @param context the channel and how it authenticated the approver
   * @return the request, now DENIED (or still PENDING below the policy's deny threshold)
   * @throws OperationRefusedException if refused; nothing changed
   */
  RequestRecord deny(RequestId requestId, Subject approver, String comment, ApprovalContext context);

  /**
   * Withdraws one's own pending request.
   *
   * @param requestId the request
   * @param requester who withdraws; must be the requester
   * @return the request, now WITHDRAWN
   * @throws OperationRefusedException if refused; nothing changed
   */
  RequestRecord withdraw(RequestId requestId, Subject requester);

  /**
   * Decides whether the subject may use the privilege now. Never throws for a denial; see {@link #require}.
   *
   * @param subject who acts
   * @param privilege what for
   * @return granted (with the grant) or denied (with the reason and how to get access)
   */
  Decision check(Subject subject, Privilege privilege);

  /**
   * Like {@link #check}, but throws on denial.
   *
   * @param subject who acts
   * @param privilege what for
   * @return the grant that allows it
   * @throws ElevationRequiredException carrying the denial
   */
  Grant require(Subject subject, Privilege privilege);

  /**
   * Decides whether the subject may make a call that spends {@code amount} now (a refund, a transfer), against a
   * metered grant (see {@link dev.jitguard.rule.RequestLimits#maxAmount()}): the grant's calls may spend its
   * {@link Grant#amountLimit() limit} together, each granted check adds its amount atomically in the store, and a
   * call that would pass the limit is denied with {@link ReasonCode#AMOUNT_EXCEEDED} (smaller calls may still pass).
   * The grant is consumed when nothing is left. An unmetered grant of the privilege allows any amount.
   *
   * @param subject who acts
   * @param privilege what for
   * @param amount what this call spends: zero or positive, at most 10 decimal places
   * @return granted (the amount counted) or denied
   * @throws InvalidInputException if the amount is null, negative or out of range (nothing is counted)
   */
  Decision check(Subject subject, Privilege privilege, BigDecimal amount);

  /**
   * Like {@link #check(Subject, Privilege, BigDecimal)}, but throws on denial.
   *
   * @param subject who acts
   * @param privilege what for
   * @param amount what this call spends
   * @return the grant that allows it, with the amount counted
   * @throws ElevationRequiredException carrying the denial
   */
  Grant require(Subject subject, Privilege privilege, BigDecimal amount);

  /**
   * JIT action approval: whether the subject may run this exact call now. Only a grant requested with the same
   * {@link ElevationRequest.Builder#action action} (same action name and argument digest) by the same subject
   * allows it, and each granted check consumes one use atomically in the store (once means once, on every
   * instance). Time-bound elevations of the privilege do not allow an action call, and action grants never satisfy
   * {@link #check}.
   *
   * @param subject who calls
   * @param privilege the privilege the action needs
   * @param action the call, with the digest of its arguments as they are now
   * @return granted (one use consumed), or denied: {@link ReasonCode#ACTION_MISMATCH} when an approval exists for
   *     other arguments, {@link ReasonCode#NO_GRANT} when none exists
   */
  Decision checkAction(Subject subject, Privilege privilege, ActionBinding action);

  /**
   * Like {@link #checkAction}, but throws on denial.
   *
   * @param subject who calls
   * @param privilege the privilege the action needs
   * @param action the call
   * @return the grant whose use was consumed
   * @throws ElevationRequiredException carrying the denial
   */
  Grant requireAction(Subject subject, Privilege privilege, ActionBinding action);

  /**
   * JIT action approval for a metered action: the approved call may run repeatedly, spending together at most the
   * grant's amount limit (partial refunds of one order up to its approved total, say). The binding then covers every
   * argument except the amount, which is passed here; see {@link #check(Subject, Privilege, BigDecimal)} for the
   * metering. For an unmetered action grant it behaves as {@link #checkAction(Subject, Privilege, ActionBinding)}.
   *
   * @param subject who calls
   * @param privilege the privilege the action needs
   * @param action the call, with the digest of its other arguments as they are now
   * @param amount what this call spends: zero or positive
   * @return granted (the amount counted) or denied
   * @throws InvalidInputException if the amount is null, negative or out of range
   */
  Decision checkAction(Subject subject, Privilege privilege, ActionBinding action, BigDecimal amount);

  /**
   * Like {@link #checkAction(Subject, Privilege, ActionBinding, BigDecimal)}, but throws on denial.
   *
   * @param subject who calls
   * @param privilege the privilege the action needs
   * @param action the call
   * @param amount what this call spends
   * @return the grant, with the amount counted
   * @throws ElevationRequiredException carrying the denial
   */
  Grant requireAction(Subject subject, Privilege privilege, ActionBinding action, BigDecimal amount);

  /**
   * Park-and-resume: a future completed with the decision on a request once it is final (granted with its grant,
   * or denied: denied by an approver, expired, withdrawn). Completed at once if the request is already final.
   * Cancelling the returned future does not affect other waiters.
   *
   * <p>Only those who may see the request wait for it: its requester, approvers of its privilege under the policy in
   * force, and administrators. Anyone else gets a future completed at once with the same denial
   * ({@link ReasonCode#NOT_PERMITTED}) as for an id that does not exist, so ids cannot be probed.
   *
   * @param requestId the request
   * @param waiter who waits
   * @return the future
   */
  CompletableFuture<Decision> decisionFuture(RequestId requestId, Subject waiter);

  /**
   * Park-and-resume, blocking: waits (bounded, interruptible) for the decision on a request. On timeout the answer
   * is a denial with {@link ReasonCode#PENDING_APPROVAL}; the request stays pending. Who may wait is as for
   * {@link #decisionFuture(RequestId, Subject)}.
   *
   * @param requestId the request
   * @param waiter who waits
   * @param timeout how long to wait, at most 24 hours
   * @return the decision
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  Decision awaitDecision(RequestId requestId, Subject waiter, Duration timeout) throws InterruptedException;

  /**
   * Revokes a grant; the next check is denied. The holder, an approver for the privilege and administrators may
   * revoke.
   *
   * @param grantId the grant
   * @param actor who revokes
   * @param reason why (may be empty)
   * @return the grant, now REVOKED
   * @throws OperationRefusedException if the grant is unknown or not revocable by the actor (the two are not
   *     distinguished), or no longer active
   */
  Grant revoke(GrantId grantId, Subject actor, String reason);

  /**
   * Revokes every live grant a request produced. A request still pending is ended instead, so it can never be
   * approved later: withdrawn when the actor is its requester, denied when an approver or administrator.
   *
   * @param requestId the request
   * @param actor who revokes
   * @param reason why (may be empty)
   * @return the grants revoked (empty if none was live)
   * @throws OperationRefusedException if the request is unknown or the actor may not revoke its grants
   */
  List<Grant> revokeRequest(RequestId requestId, Subject actor, String reason);

  /**
   * Extends an active or scheduled grant, never past the policy's maximum duration counted from the grant's start.
   * An approver for the privilege (not the holder) may extend, as an approval of more time: the holder must still be
   * eligible and not denied under the policy in force, and one approver may extend alone only where one approval
   * would have issued the grant. The holder may extend only when the policy would auto-approve them.
   *
   * @param grantId the grant
   * @param actor who extends
   * @param extension how much longer, positive
   * @param reason why (may be empty)
   * @return the grant with its new expiry
   * @throws OperationRefusedException if refused (past the cap, not permitted, not active); nothing changed
   */
  Grant extend(GrantId grantId, Subject actor, Duration extension, String reason);

  /**
   * Break-glass: emergency self-elevation without approvers, where the privilege's rule allows it. The reason is
   * mandatory (at least the rule's minimum length) and the duration short (at most the rule's break-glass maximum).
   * The use is audited as {@code BREAK_GLASS}, the approvers who were skipped are notified through the approval
   * channel, and a review stays open until an approver reviews it ({@link #review}).
   *
   * @param subject who elevates themselves; must be eligible and not denied
   * @param privilege what for
   * @param reason why, verbatim in the audit trail
   * @param duration how long, at most the rule's break-glass maximum
   * @return granted (reason {@link ReasonCode#BREAK_GLASS}) or denied
   */
  Decision breakGlass(Subject subject, Privilege privilege, String reason, Duration duration);

  /**
   * Break-glass uses not reviewed yet that the subject may review (approvers of the privilege and administrators;
   * never their own).
   *
   * @param reviewer the reviewer
   * @return a snapshot of all of them, oldest first
   */
  List<RequestRecord> openReviews(Subject reviewer);

  /**
   * A page of {@link #openReviews(Subject)}, oldest first (see {@link PageRequest}).
   *
   * @param reviewer the reviewer
   * @param page the limit and the previous page's cursor (a bad one: {@link InvalidInputException})
   * @return the page
   */
  Page<RequestRecord> openReviews(Subject reviewer, PageRequest page);

  /**
   * Closes the review of a break-glass use. Its grant is not changed (revoke it separately if needed).
   *
   * @param requestId the break-glass request
   * @param reviewer an approver of the privilege or an administrator, not the one who used it
   * @param comment the review, mandatory
   * @return the request with its review recorded
   * @throws OperationRefusedException if the request is not an open break-glass review the reviewer may close
   */
  RequestRecord review(RequestId requestId, Subject reviewer, String comment);

  /**
   * The subject's own pending requests.
   *
   * @param requester the requester
   * @return a snapshot of all of them, oldest first
   */
  List<RequestRecord> pendingRequests(Subject requester);

  /**
   * A page of {@link #pendingRequests(Subject)}, oldest first (see {@link PageRequest}).
   *
   * @param requester the requester
   * @param page the limit and the previous page's cursor (a bad one: {@link InvalidInputException})
   * @return the page
   */
  Page<RequestRecord> pendingRequests(Subject requester, PageRequest page);

  /**
   * Pending requests the subject may approve now: not their own, not already approved by them, and for a privilege
   * whose rule lists them as approver.
   *
   * @param approver the approver
   * @return a snapshot of all of them, oldest first
   */
  List<RequestRecord> pendingApprovals(Subject approver);

  /**
   * A page of {@link #pendingApprovals(Subject)}, oldest first (see {@link PageRequest}).
   *
   * @param approver the approver
   * @param page the limit and the previous page's cursor (a bad one: {@link InvalidInputException})
   * @return the page
   */
  Page<RequestRecord> pendingApprovals(Subject approver, PageRequest page);

  /**
   * The subject's grants that are active or scheduled now.
   *
   * @param subject the subject
   * @return a snapshot of all of them, soonest expiry first
   */
  List<Grant> activeGrants(Subject subject);

  /**
   * A page of {@link #activeGrants(Subject)}, soonest expiry first (see {@link PageRequest}).
   *
   * @param subject the subject
   * @param page the limit and the previous page's cursor (a bad one: {@link InvalidInputException})
   * @return the page
   */
  Page<Grant> activeGrants(Subject subject, PageRequest page);

  /**
   * Runs the periodic work now: expires pending requests and grants past their deadline (with their audit events),
   * flushes use and denial counters to the audit sink, and trims the check index. A guard built with the default
   * settings does this on its own thread every {@link Builder#withMaintenanceInterval interval}; tests driving a
   * controllable clock call it directly.
   */
  void runMaintenance();

  /** Stops the maintenance thread and flushes counters to the audit sink. Later calls deny with GUARD_CLOSED. */
  @Override
  void close();

  /**
   * Configures a {@link PrivilegeGuard}. Each option may be set once; {@link #build()} copies the configuration, so
   * the guard is immutable. Not thread-safe.
   */
  final class Builder {
    private ElevationPolicy policy;
    private ApprovalChannel approvalChannel;
    private GrantStore grantStore;
    private AuditSink auditSink;
    private Duration spiTimeout;
    private Clock clock;
    private MonotonicClock monotonicClock;
    private Duration maintenanceInterval;
    private boolean maintenanceSet;
    private final List<Consumer<AuditEvent>> listeners = new ArrayList<>();
    private OnCallSource onCallSource;
    private Consistency consistency;

    private Builder() {}

    private static void once(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    /**
     * The policy (required).
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder withPolicy(ElevationPolicy policy) {
      once(this.policy, "policy");
      this.policy = Objects.requireNonNull(policy, "policy cannot be null");
      return this;
    }

    /**
     * How pending requests reach approvers. Defaults to {@link ApprovalChannel#inProcess()}.
     *
     * @param channel the channel
     * @return this builder
     */
    public Builder withApprovalChannel(ApprovalChannel channel) {
      once(this.approvalChannel, "approvalChannel");
      this.approvalChannel = Objects.requireNonNull(channel, "approvalChannel cannot be null");
      return this;
    }

    /**
     * Where requests and grants are kept. Defaults to {@link GrantStore#inMemory()}.
     *
     * @param store the store
     * @return this builder
     */
    public Builder withGrantStore(GrantStore store) {
      once(this.grantStore, "grantStore");
      this.grantStore = Objects.requireNonNull(store, "grantStore cannot be null");
      return this;
    }

    /**
     * Where the audit trail goes. Defaults to {@link AuditSink#slf4j()}.
     *
     * @param sink the sink
     * @return this builder
     */
    public Builder withAuditSink(AuditSink sink) {
      once(this.auditSink, "auditSink");
      this.auditSink = Objects.requireNonNull(sink, "auditSink cannot be null");
      return this;
    }

    /**
     * How long the guard waits for one call into a plug-in: the audit sink (one record), the approval channel, and a
     * grant store or policy of the application's own (the built-in ones answer from memory or have their own
     * timeout). A call that does not answer within it fails, and the guard fails closed: the decision it was
     * recording is denied or taken back, a request the channel cannot take is denied ({@code APPROVAL_FAILURE}), a
     * store or policy that hangs answers {@code STORE_FAILURE} or {@code POLICY_FAILURE}. So a hung plug-in cannot hang
     * the application's calls. Defaults to 5 seconds.
     *
     * @param timeout between 1 millisecond and 10 minutes
     * @return this builder
     */
    public Builder withSpiTimeout(Duration timeout) {
      once(this.spiTimeout, "spiTimeout");
      Objects.requireNonNull(timeout, "spiTimeout cannot be null");
      if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new InvalidInputException("spiTimeout", "spiTimeout must be between PT0.001S and PT10M, but was "
            + timeout + "; give the time a healthy sink needs for one record, with margin");
      }
      this.spiTimeout = timeout;
      return this;
    }

    /**
     * The time source. Defaults to {@link Clock#systemUTC()}. Tests pass a controllable clock.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder withClock(Clock clock) {
      once(this.clock, "clock");
      this.clock = Objects.requireNonNull(clock, "clock cannot be null");
      return this;
    }

    /**
     * The clock that measures elapsed time, so that a wall clock set back never revives an expired grant nor makes a
     * grant last longer in real time than it was issued for (see {@link MonotonicClock}). Defaults to
     * {@link MonotonicClock#system()} with the system clock, and to the clock itself when it implements
     * {@link MonotonicClock} (the test kit's {@code TestClock} does). A clock that is neither is clamped so that it
     * never goes backwards, and a warning is logged.
     *
     * @param monotonicClock the monotonic clock
     * @return this builder
     */
    public Builder withMonotonicClock(MonotonicClock monotonicClock) {
      once(this.monotonicClock, "monotonicClock");
      this.monotonicClock = Objects.requireNonNull(monotonicClock, "monotonicClock cannot be null");
      return this;
    }

    /**
     * How often the guard's own thread runs {@link PrivilegeGuard#runMaintenance()}. Defaults to 5 seconds.
     *
     * @param interval between 10 ms and 1 hour
     * @return this builder
     */
    public Builder withMaintenanceInterval(Duration interval) {
      Objects.requireNonNull(interval, "maintenanceInterval cannot be null");
      if (maintenanceSet) {
        throw new IllegalStateException("maintenanceInterval was already set to " + maintenanceInterval);
      }
      if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofHours(1)) > 0) {
        throw new InvalidInputException("maintenanceInterval", "maintenanceInterval must be between PT0.01S and "
            + "PT1H, but was " + interval);
      }
      this.maintenanceInterval = interval;
      this.maintenanceSet = true;
      return this;
    }

    /**
     * No maintenance thread: the caller runs {@link PrivilegeGuard#runMaintenance()} (tests with a controllable
     * clock, or hosts with their own scheduler).
     *
     * @return this builder
     */
    public Builder withoutBackgroundMaintenance() {
      if (maintenanceSet) {
        throw new IllegalStateException("maintenanceInterval was already set to " + maintenanceInterval);
      }
      this.maintenanceSet = true;
      return this;
    }

    /**
     * How fresh checks must be when the grant store is shared by several instances. Defaults to
     * {@code Consistency.cached(Duration.ofSeconds(1))}. No effect with an unshared (in-memory) store.
     *
     * @param consistency cached with a staleness bound, or strict
     * @return this builder
     */
    public Builder withConsistency(Consistency consistency) {
      once(this.consistency, "consistency");
      this.consistency = Objects.requireNonNull(consistency, "consistency cannot be null");
      return this;
    }

    /**
     * Who is on call, for rules that suggest on-call approvers. Auto-approval conditions carry their own source.
     *
     * @param source the source
     * @return this builder
     */
    public Builder withOnCallSource(OnCallSource source) {
      once(this.onCallSource, "onCallSource");
      this.onCallSource = Objects.requireNonNull(source, "onCallSource cannot be null");
      return this;
    }

    /**
     * Adds a listener told of every audit event after the sink recorded it (metrics, tracing, notifications). A
     * listener's exception is logged and never changes a decision. Listeners run on the calling thread: keep them
     * fast.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder onEvent(Consumer<AuditEvent> listener) {
      listeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
      return this;
    }

    /**
     * Builds the guard and loads the live grants from the store.
     *
     * @return the guard
     * @throws IllegalStateException if no policy was set
     */
    public PrivilegeGuard build() {
      if (policy == null) {
        throw new IllegalStateException("policy is required: call withPolicy(..) with a Policy.builder()...build() "
            + "or your own ElevationPolicy");
      }
      return new DefaultPrivilegeGuard(new Engine(policy,
          approvalChannel != null ? approvalChannel : ApprovalChannel.inProcess(),
          grantStore != null ? grantStore : GrantStore.inMemory(),
          auditSink != null ? auditSink : AuditSink.slf4j(),
          spiTimeout != null ? spiTimeout : Duration.ofSeconds(5),
          clock != null ? clock : Clock.systemUTC(), monotonicClock,
          maintenanceSet ? maintenanceInterval : Duration.ofSeconds(5),
          List.copyOf(listeners), onCallSource,
          consistency != null ? consistency : Consistency.cached(Duration.ofSeconds(1))));
    }
  }
}
