package dev.jitguard.internal;

import dev.jitguard.Amounts;
import dev.jitguard.internal.util.Text;
import dev.jitguard.Approval;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.ApprovalContext;
import dev.jitguard.Consistency;
import dev.jitguard.Decision;
import dev.jitguard.DryRun;
import dev.jitguard.ElevationRequest;
import dev.jitguard.ElevationRequiredException;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.InvalidInputException;
import dev.jitguard.OperationRefusedException;
import dev.jitguard.Outcome;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.internal.GrantIndex.Entry;
import dev.jitguard.internal.GrantIndex.Slot;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.DuplicatePendingRequestException;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spi.OnCallSource;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one implementation of {@link PrivilegeGuard}: the single decision function behind every path (request, approve,
 * deny, withdraw, revoke, extend, check). Not API; use {@link PrivilegeGuard#builder()}.
 */
public final class DefaultPrivilegeGuard implements PrivilegeGuard {
  private static final Logger LOG = LoggerFactory.getLogger(PrivilegeGuard.class);
  private static final int MAX_ATTEMPTS = 1000;
  private static final String POLICY_ACTOR = "policy";
  private static final String SYSTEM_ACTOR = "system";
  /** How long an expired, revoked or consumed grant stays in the check index to explain denials. */
  private static final long INDEX_RETENTION_MILLIS = Duration.ofHours(1).toMillis();
  private static final ReasonCode[] CHECK_DENIALS = {ReasonCode.NO_GRANT, ReasonCode.GRANT_EXPIRED,
      ReasonCode.GRANT_NOT_YET_ACTIVE, ReasonCode.GRANT_REVOKED, ReasonCode.GRANT_CONSUMED,
      ReasonCode.ACTION_MISMATCH, ReasonCode.AMOUNT_EXCEEDED, ReasonCode.AMOUNT_REQUIRED, ReasonCode.AUDIT_FAILURE,
      ReasonCode.STORE_FAILURE, ReasonCode.GUARD_CLOSED};

  private final ElevationPolicy policy;
  private final ApprovalChannel channel;
  private final GrantStore store;
  private final AuditSink audit;
  private final Clock clock;
  private final List<Consumer<AuditEvent>> listeners;
  private final OnCallSource onCall;
  /** The store is shared with other processes: the index is a cache with a staleness bound (or none, if strict). */
  private final boolean shared;
  private final boolean strict;
  private final long stalenessMillis;
  private final AutoCloseable subscription;
  /** Callers parked on a request's decision (park-and-resume). */
  private final ConcurrentHashMap<RequestId, CompletableFuture<Decision>> waiting = new ConcurrentHashMap<>();
  /** Grants whose expiry warning was sent (by this guard); trimmed when they end. */
  private final java.util.Set<GrantId> warned = ConcurrentHashMap.newKeySet();
  private final GrantIndex index = new GrantIndex();
  private final ConcurrentHashMap<Privilege, Decision.Denied[]> denials = new ConcurrentHashMap<>();
  private final AtomicLong highWater = new AtomicLong(Long.MIN_VALUE);
  /** Added to the clock: how far a shared store's clock is ahead of this host's, beyond the tolerance; else 0. */
  private volatile long clockCorrectionMillis;
  /** Striped locks making "find the pending request or insert a new one" atomic per subject and privilege. */
  private final Object[] requestLocks = new Object[64];
  private final ScheduledExecutorService maintenance;
  private volatile String denialsPolicyVersion;
  private volatile boolean closed;

  /**
   * Creates the guard; use {@link PrivilegeGuard#builder()}.
   *
   * @param policy the policy
   * @param channel the approval channel
   * @param store the grant store
   * @param audit the audit sink
   * @param clock the clock
   * @param maintenanceInterval the maintenance period, or null for none
   * @param listeners event listeners
   * @param onCall the on-call source, or null
   * @param consistency freshness of checks against a shared store
   */
  public DefaultPrivilegeGuard(ElevationPolicy policy, ApprovalChannel channel, GrantStore store, AuditSink audit,
      Clock clock, Duration maintenanceInterval, List<Consumer<AuditEvent>> listeners, OnCallSource onCall,
      Consistency consistency) {
    this.policy = policy;
    this.channel = channel;
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.listeners = listeners;
    this.onCall = onCall;
    this.shared = store.isShared();
    this.strict = consistency.isStrict();
    this.stalenessMillis = consistency.maxStaleness().toMillis();
    this.denialsPolicyVersion = safeVersion();
    for (int i = 0; i < requestLocks.length; i++) {
      requestLocks[i] = new Object();
    }
    measureStoreClock();
    for (Grant g : store.liveGrants()) {
      index.upsert(g, this::denialsFor);
    }
    this.subscription = shared ? store.subscribe(this::remoteChange) : null;
    if (maintenanceInterval != null) {
      long period = maintenanceInterval.toMillis();
      this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jitguard-maintenance");
        t.setDaemon(true);
        return t;
      });
      maintenance.scheduleWithFixedDelay(this::maintenanceTick, period, period, TimeUnit.MILLISECONDS);
    } else {
      this.maintenance = null;
    }
  }

  // ---------------------------------------------------------------------------------------------------- time

  /**
   * The clock, never going backwards (a clock set back cannot revive an expired grant), corrected to a shared store's
   * clock when the host's differs from it by more than the tolerance.
   */
  private long nowMillis() {
    long t = clock.millis() + clockCorrectionMillis;
    long hw = highWater.get();
    while (t > hw) {
      if (highWater.compareAndSet(hw, t)) {
        return t;
      }
      hw = highWater.get();
    }
    return hw;
  }

  private Instant now() {
    return Instant.ofEpochMilli(nowMillis());
  }

  /**
   * Measures how far a shared store's clock is from this host's and corrects the guard's time by it beyond the
   * tolerance (see {@link Consistency}). A failed measurement keeps the last correction.
   */
  private void measureStoreClock() {
    if (!shared) {
      return;
    }
    OptionalLong offset;
    try {
      offset = store.clockOffsetMillis();
    } catch (RuntimeException e) {
      LOG.warn("could not measure the grant store's clock; keeping the correction of {} ms", clockCorrectionMillis,
          e);
      return;
    }
    if (offset.isEmpty()) {
      return;
    }
    long off = offset.getAsLong();
    long correction = Math.abs(off) > Consistency.CLOCK_TOLERANCE_MILLIS ? off : 0;
    if (correction != clockCorrectionMillis) {
      if (correction == 0) {
        LOG.info("this host's clock is within {} ms of the grant store's again; no correction",
            Consistency.CLOCK_TOLERANCE_MILLIS);
      } else {
        LOG.warn("this host's clock is {} ms {} the grant store's; the guard decides time by the store's clock "
            + "(correction {} ms). Run NTP on every host.", Math.abs(off), off > 0 ? "behind" : "ahead of",
            correction);
      }
      clockCorrectionMillis = correction;
    }
  }

  // ---------------------------------------------------------------------------------------------------- check

  @Override
  public Decision check(Subject subject, Privilege privilege) {
    Objects.requireNonNull(subject, "subject cannot be null");
    Objects.requireNonNull(privilege, "privilege cannot be null");
    Slot slot = index.find(subject.id(), privilege);
    if (closed) {
      return deny(subject, privilege, slot, ReasonCode.GUARD_CLOSED);
    }
    if (shared) {
      return checkShared(subject, privilege, slot);
    }
    if (slot == null) {
      return deny(subject, privilege, null, ReasonCode.NO_GRANT);
    }
    Entry[] entries = slot.entries;
    if (entries.length == 0) {
      return deny(subject, privilege, slot, ReasonCode.NO_GRANT);
    }
    long now = Long.MIN_VALUE; // read the clock only if some grant may still be live
    ReasonCode why = ReasonCode.NO_GRANT;
    for (Entry e : entries) {
      if (e.grant.isActionBound()) {
        continue; // usable only through checkAction, for its one call
      }
      GrantStatus status = e.ended;
      if (status == null) {
        if (now == Long.MIN_VALUE) {
          now = nowMillis();
        }
        status = e.grant.statusAtMillis(now);
        if (status == GrantStatus.ACTIVE) {
          if (e.grant.isMetered()) {
            why = ReasonCode.AMOUNT_REQUIRED; // usable only by a check that says how much the call spends
            continue;
          }
          return e.grant.isBudgeted() ? consume(subject, slot, e.grant, null) : use(subject, slot, e);
        }
        if (status == GrantStatus.EXPIRED) {
          e.ended = GrantStatus.EXPIRED;
        }
      }
      why = moreTelling(why, status);
    }
    return deny(subject, privilege, slot, why);
  }

  /**
   * The check against a store shared with other instances: the slot is re-read from the store when older than the
   * staleness bound (strict: always), then decided like any other.
   */
  private Decision checkShared(Subject subject, Privilege privilege, Slot slot) {
    long now = nowMillis();
    if (strict || slot == null || now >= slot.freshUntil) {
      slot = freshSlot(subject, privilege, now);
      if (slot == null) {
        return deny(subject, privilege, index.find(subject.id(), privilege), ReasonCode.STORE_FAILURE);
      }
    }
    ReasonCode why = ReasonCode.NO_GRANT;
    for (Entry e : slot.entries) {
      if (e.grant.isActionBound()) {
        continue;
      }
      GrantStatus status = e.grant.statusAtMillis(now);
      if (status == GrantStatus.ACTIVE) {
        if (e.grant.isMetered()) {
          why = ReasonCode.AMOUNT_REQUIRED;
          continue;
        }
        return e.grant.isBudgeted() ? consume(subject, slot, e.grant, null) : use(subject, slot, e);
      }
      why = moreTelling(why, status);
    }
    return deny(subject, privilege, slot, why);
  }

  @Override
  public Decision check(Subject subject, Privilege privilege, BigDecimal amount) {
    Objects.requireNonNull(subject, "subject cannot be null");
    Objects.requireNonNull(privilege, "privilege cannot be null");
    Amounts.callAmount("amount", amount);
    Slot slot = index.find(subject.id(), privilege);
    if (closed) {
      return deny(subject, privilege, slot, ReasonCode.GUARD_CLOSED);
    }
    long now = nowMillis();
    if (shared && (strict || slot == null || now >= slot.freshUntil)) {
      slot = freshSlot(subject, privilege, now);
      if (slot == null) {
        return deny(subject, privilege, index.find(subject.id(), privilege), ReasonCode.STORE_FAILURE);
      }
    }
    if (slot == null) {
      return deny(subject, privilege, null, ReasonCode.NO_GRANT);
    }
    ReasonCode why = ReasonCode.NO_GRANT;
    Grant tooSmall = null;
    for (Entry e : slot.entries) {
      Grant g = e.grant;
      if (g.isActionBound()) {
        continue;
      }
      GrantStatus status = g.statusAtMillis(now);
      if (status == GrantStatus.ACTIVE) {
        if (!g.isMetered()) {
          return g.isBudgeted() ? consume(subject, slot, g, null) : use(subject, slot, e);
        }
        if (g.amountLeft().orElseThrow().compareTo(amount) >= 0) {
          return consume(subject, slot, g, amount);
        }
        tooSmall = g;
        continue;
      }
      why = moreTelling(why, status);
    }
    if (tooSmall != null) {
      return denyAmount(subject, slot, tooSmall, amount);
    }
    return deny(subject, privilege, slot, why);
  }

  @Override
  public Grant require(Subject subject, Privilege privilege, BigDecimal amount) {
    return grantOrThrow(check(subject, privilege, amount));
  }

  /** The grant of a granted decision; a denial is thrown, carrying the decision. */
  private static Grant grantOrThrow(Decision d) {
    if (d instanceof Decision.Granted g) {
      return g.grant();
    }
    throw new ElevationRequiredException(d);
  }

  /** A metered grant with too little left: audited like any check denial, answered with the figures. */
  private Decision.Denied denyAmount(Subject subject, Slot slot, Grant g, BigDecimal amount) {
    Decision.Denied cached = deny(subject, g.privilege(), slot, ReasonCode.AMOUNT_EXCEEDED);
    String left = g.amountLeft().orElseThrow().toPlainString();
    return new Decision.Denied(g.privilege(), ReasonCode.AMOUNT_EXCEEDED, "This call spends "
        + amount.toPlainString() + ", but the elevation for '" + g.privilege() + "' has " + left + " left of "
        + g.amountLimit().orElseThrow().toPlainString() + " (grant " + g.id() + ").",
        "Spend at most " + left + ", or " + lowerFirst(cached.hint()));
  }

  /** Re-reads a slot from a shared store; null if the store failed. */
  private Slot freshSlot(Subject subject, Privilege privilege, long now) {
    List<Grant> live;
    try {
      live = store.liveGrants(subject.id(), privilege);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while checking {} for a subject", privilege, e);
      return null;
    }
    Slot slot = index.slot(subject.id(), privilege, this::denialsFor);
    if (!refreshSlot(slot, live)) {
      return null;
    }
    slot.freshUntil = now + stalenessMillis;
    return slot;
  }

  // ---------------------------------------------------------------------------------------------------- actions

  @Override
  public Decision checkAction(Subject subject, Privilege privilege, ActionBinding action) {
    return checkAction(subject, privilege, action, null, false);
  }

  @Override
  public Decision checkAction(Subject subject, Privilege privilege, ActionBinding action, BigDecimal amount) {
    return checkAction(subject, privilege, action, Amounts.callAmount("amount", amount), true);
  }

  @Override
  public Grant requireAction(Subject subject, Privilege privilege, ActionBinding action, BigDecimal amount) {
    return grantOrThrow(checkAction(subject, privilege, action, amount));
  }

  private Decision checkAction(Subject subject, Privilege privilege, ActionBinding action, BigDecimal amount,
      boolean withAmount) {
    Objects.requireNonNull(subject, "subject cannot be null");
    Objects.requireNonNull(privilege, "privilege cannot be null");
    Objects.requireNonNull(action, "action cannot be null");
    Slot slot = index.find(subject.id(), privilege);
    if (closed) {
      return deny(subject, privilege, slot, ReasonCode.GUARD_CLOSED);
    }
    long now = nowMillis();
    if (shared) {
      slot = freshSlot(subject, privilege, now);
      if (slot == null) {
        return deny(subject, privilege, index.find(subject.id(), privilege), ReasonCode.STORE_FAILURE);
      }
    }
    if (slot == null) {
      return deny(subject, privilege, null, ReasonCode.NO_GRANT);
    }
    ReasonCode why = ReasonCode.NO_GRANT;
    boolean otherArguments = false;
    boolean amountMissing = false;
    Grant tooSmall = null;
    for (Entry e : slot.entries) {
      Grant g = e.grant;
      if (!g.isActionBound() || !g.action().get().equals(action.action())) {
        continue;
      }
      GrantStatus status = g.statusAtMillis(now);
      if (!g.argumentDigest().get().equals(action.argumentDigest())) {
        otherArguments |= status == GrantStatus.ACTIVE;
        continue;
      }
      if (status == GrantStatus.ACTIVE) {
        if (!g.isMetered()) {
          // Every action use goes through the store's compare-and-set: once means once, on every instance.
          return consume(subject, slot, g, null);
        }
        if (!withAmount) {
          amountMissing = true;
        } else if (g.amountLeft().orElseThrow().compareTo(amount) >= 0) {
          return consume(subject, slot, g, amount);
        } else {
          tooSmall = g;
        }
        continue;
      }
      why = moreTelling(why, status);
    }
    if (tooSmall != null) {
      return denyAmount(subject, slot, tooSmall, amount);
    }
    if (amountMissing) {
      return deny(subject, privilege, slot, ReasonCode.AMOUNT_REQUIRED);
    }
    // What became of the grant for this very call (consumed, revoked, expired) tells more than an approval for other
    // arguments, whatever order the grants are in (it differs between instances sharing a store).
    if (why == ReasonCode.NO_GRANT && otherArguments) {
      why = ReasonCode.ACTION_MISMATCH;
    }
    return deny(subject, privilege, slot, why);
  }

  @Override
  public Grant requireAction(Subject subject, Privilege privilege, ActionBinding action) {
    return grantOrThrow(checkAction(subject, privilege, action));
  }

  @Override
  public CompletableFuture<Decision> decisionFuture(RequestId requestId) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    CompletableFuture<Decision> f = waiting.computeIfAbsent(requestId, k -> new CompletableFuture<>());
    completeIfDecided(requestId);
    return f.thenApply(d -> d); // callers completing or cancelling their copy cannot disturb other waiters
  }

  @Override
  public Decision awaitDecision(RequestId requestId, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout cannot be null");
    if (timeout.isNegative() || timeout.compareTo(Duration.ofHours(24)) > 0) {
      throw new InvalidInputException("timeout", "timeout must be between PT0S and PT24H, but was " + timeout);
    }
    try {
      return decisionFuture(requestId).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      Optional<RequestRecord> r = store.findRequest(requestId);
      RequestRecord rec = r.orElse(null);
      Privilege p = rec != null ? rec.privilege() : UNKNOWN;
      return new Decision.Denied(p, ReasonCode.PENDING_APPROVAL, "No decision on request " + requestId + " within "
          + timeout + ".", "Wait longer, or ask an approver.");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("waiting for request " + requestId + " failed", e.getCause());
    }
  }

  /** Completes the waiters of a request once it reached a final status. */
  private void completeIfDecided(RequestId id) {
    CompletableFuture<Decision> f = waiting.get(id);
    if (f == null) {
      return;
    }
    Optional<RequestRecord> found;
    try {
      found = store.findRequest(id);
    } catch (RuntimeException e) {
      LOG.warn("grant store failed while checking request {} for waiters; will retry", id, e);
      return;
    }
    if (found.isEmpty()) {
      waiting.remove(id, f);
      f.complete(new Decision.Denied(UNKNOWN, ReasonCode.NOT_PERMITTED, "No request " + id + ".",
          "Check the id."));
      return;
    }
    RequestRecord r = found.get();
    if (!r.status().isTerminal()) {
      return;
    }
    Decision d;
    if (r.status() == RequestStatus.APPROVED && r.grantId().isPresent()) {
      Optional<Grant> g = store.findGrant(r.grantId().get());
      d = g.<Decision>map(x -> x.toDecision()).orElseGet(() -> new Decision.Denied(r.privilege(),
          ReasonCode.GRANT_REVOKED, "The grant of request " + id + " is gone.", ""));
    } else {
      ReasonCode reason = r.status() == RequestStatus.EXPIRED ? ReasonCode.REQUEST_EXPIRED
          : r.decisionReason().orElse(ReasonCode.DENIED_BY_APPROVER);
      d = new Decision.Denied(r.privilege(), reason, "Request " + id + " is " + r.status() + ".", "");
    }
    if (waiting.remove(id, f)) {
      f.complete(d);
    }
  }

  /**
   * Brings a slot up to date with the store's live grants: newer versions replace older ones; a grant the index
   * still holds as live but the store no longer lists is re-read by id (revoked, consumed or expired elsewhere).
   */
  private boolean refreshSlot(Slot slot, List<Grant> live) {
    java.util.Set<GrantId> listed = new java.util.HashSet<>();
    for (Grant g : live) {
      listed.add(g.id());
      index.upsert(g, this::denialsFor);
    }
    for (Entry e : slot.entries) {
      if (!listed.contains(e.grant.id()) && !e.grant.storedStatus().isTerminal()) {
        try {
          Optional<Grant> current = store.findGrant(e.grant.id());
          if (current.isPresent()) {
            index.upsert(current.get(), this::denialsFor);
          } else {
            index.removeEntries(slot, x -> x.grant.id().equals(e.grant.id()));
          }
        } catch (RuntimeException ex) {
          LOG.error("grant store failed while re-reading grant {}", e.grant.id(), ex);
          return false;
        }
      }
    }
    return true;
  }

  /** Another instance changed a grant: take the store's version now, rather than at the end of the bound. */
  private void remoteChange(GrantId id) {
    try {
      store.findGrant(id).ifPresent(g -> index.upsert(g, this::denialsFor));
    } catch (RuntimeException e) {
      LOG.warn("could not read grant {} after a change notification; re-reading every slot", id, e);
      for (Slot s : index.slots()) {
        s.freshUntil = 0;
      }
    }
  }

  private static ReasonCode moreTelling(ReasonCode current, GrantStatus status) {
    ReasonCode candidate = switch (status) {
      case SCHEDULED -> ReasonCode.GRANT_NOT_YET_ACTIVE;
      case REVOKED -> ReasonCode.GRANT_REVOKED;
      case CONSUMED -> ReasonCode.GRANT_CONSUMED;
      case EXPIRED -> ReasonCode.GRANT_EXPIRED;
      case ACTIVE -> ReasonCode.GRANTED;
    };
    return rank(candidate) > rank(current) ? candidate : current;
  }

  private static int rank(ReasonCode r) {
    return switch (r) {
      case AMOUNT_REQUIRED -> 5; // a live grant exists: the host only has to say the call's amount
      case GRANT_NOT_YET_ACTIVE -> 4;
      case GRANT_REVOKED -> 3;
      case GRANT_CONSUMED -> 2;
      case GRANT_EXPIRED -> 1;
      default -> 0;
    };
  }

  /** A time-bound grant's use: the first is audited now, later ones are counted and flushed by maintenance. */
  private Decision use(Subject subject, Slot slot, Entry e) {
    if (e.firstUseRecorded() || !e.claimFirstUse()) {
      e.uses.increment();
      return e.grant.toDecision();
    }
    Grant g = e.grant;
    if (!tryEmit(event(AuditEventType.USED, Instant.ofEpochMilli(nowMillis()), g).actor(subject.id()).build())) {
      e.releaseFirstUse();
      return deny(subject, g.privilege(), slot, ReasonCode.AUDIT_FAILURE);
    }
    return g.toDecision();
  }

  /**
   * A budgeted or metered grant's use: one atomic compare-and-set in the store (one use less, the call's amount
   * more spent), audited before it is granted.
   *
   * @param amount what the call spends, for a metered grant; null otherwise
   */
  private Decision consume(Subject subject, Slot slot, Grant seen, BigDecimal amount) {
    Grant current = seen;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Instant now = now();
      if (current.statusAt(now) != GrantStatus.ACTIVE) {
        index.upsert(current, this::denialsFor);
        return deny(subject, seen.privilege(), slot, moreTelling(ReasonCode.NO_GRANT, current.statusAt(now)));
      }
      Grant.Builder next = current.toBuilder().version(current.version() + 1);
      boolean budgeted = current.isBudgeted();
      int left = budgeted ? current.usesLeft().getAsInt() - 1 : 0;
      if (budgeted) {
        next.uses(current.usesGranted().getAsInt(), left);
      }
      BigDecimal amountLeft = null;
      if (current.isMetered()) {
        if (amount == null) {
          return deny(subject, seen.privilege(), slot, ReasonCode.AMOUNT_REQUIRED);
        }
        amountLeft = current.amountLeft().orElseThrow().subtract(amount);
        if (amountLeft.signum() < 0) {
          index.upsert(current, this::denialsFor);
          return denyAmount(subject, slot, current, amount); // another call spent it first
        }
        next.amount(current.amountLimit().orElseThrow(), current.amountUsed().orElseThrow().add(amount));
      }
      boolean exhausted = (budgeted && left == 0) || (amountLeft != null && amountLeft.signum() == 0);
      if (exhausted) {
        next.status(GrantStatus.CONSUMED).ended(now, subject.id(), null);
      }
      Grant updated = next.build();
      boolean won;
      try {
        won = store.update(current, updated);
      } catch (RuntimeException ex) {
        LOG.error("grant store failed while consuming a use of grant {}", current.id(), ex);
        return deny(subject, seen.privilege(), slot, ReasonCode.STORE_FAILURE);
      }
      if (won) {
        index.upsert(updated, this::denialsFor);
        AuditEvent.Builder used = event(AuditEventType.USED, now, updated).actor(subject.id());
        StringBuilder message = new StringBuilder(updated.toDecision().message());
        if (budgeted) {
          used.detail("uses_left", left);
          message.append(String.format(Locale.ROOT, "; %d of %d uses left", left, updated.usesGranted().getAsInt()));
        }
        if (amountLeft != null) {
          used.detail("amount", amount.toPlainString()).detail("amount_left", amountLeft.toPlainString());
          message.append("; spent ").append(amount.toPlainString()).append(", ").append(amountLeft.toPlainString())
              .append(" of ").append(updated.amountLimit().orElseThrow().toPlainString()).append(" left");
        }
        if (!tryEmit(used.build())) {
          return deny(subject, seen.privilege(), slot, ReasonCode.AUDIT_FAILURE);
        }
        if (exhausted) {
          tryEmit(event(AuditEventType.CONSUMED, now, updated).actor(subject.id()).build());
        }
        return new Decision.Granted(updated, ReasonCode.GRANTED, message.toString(), "");
      }
      Optional<Grant> reread;
      try {
        reread = store.findGrant(current.id());
      } catch (RuntimeException ex) {
        LOG.error("grant store failed while reading grant {}", current.id(), ex);
        return deny(subject, seen.privilege(), slot, ReasonCode.STORE_FAILURE);
      }
      if (reread.isEmpty()) {
        return deny(subject, seen.privilege(), slot, ReasonCode.NO_GRANT);
      }
      current = reread.get();
    }
    return deny(subject, seen.privilege(), slot, ReasonCode.STORE_FAILURE);
  }

  /** A check denial: a cached decision; the first per reason and period is audited now, later ones counted. */
  private Decision.Denied deny(Subject subject, Privilege privilege, Slot slot, ReasonCode why) {
    Slot s = slot != null ? slot : index.slot(subject.id(), privilege, this::denialsFor);
    Decision.Denied d = s.denials[why.ordinal()];
    if (s.claimFirstDenial(why)) {
      AuditEvent e = AuditEvent.builder(AuditEventType.CHECK_DENIED, now()).subject(subject.id())
          .privilege(privilege).reason(why).build();
      if (!tryEmit(e)) {
        s.releaseFirstDenial(why);
        s.deniedChecks.increment();
      }
    } else {
      s.deniedChecks.increment();
    }
    return d;
  }

  @Override
  public Grant require(Subject subject, Privilege privilege) {
    return grantOrThrow(check(subject, privilege));
  }

  /** The cached denials of a privilege, one per check reason, with hints taken from the current rule. */
  private Decision.Denied[] denialsFor(Privilege privilege) {
    return denials.computeIfAbsent(privilege, this::buildDenials);
  }

  private Decision.Denied[] buildDenials(Privilege privilege) {
    Decision.Denied[] out = new Decision.Denied[ReasonCode.values().length];
    String how = howToRequest(privilege);
    for (ReasonCode r : CHECK_DENIALS) {
      String message = switch (r) {
        case NO_GRANT -> "No active elevation for '" + privilege + "'.";
        case GRANT_EXPIRED -> "The elevation for '" + privilege + "' has expired.";
        case GRANT_NOT_YET_ACTIVE -> "The elevation for '" + privilege + "' is scheduled and not active yet.";
        case GRANT_REVOKED -> "The elevation for '" + privilege + "' was revoked.";
        case GRANT_CONSUMED -> "The elevation for '" + privilege + "' has used all of its uses.";
        case ACTION_MISMATCH -> "An approval for this action on '" + privilege + "' exists, but for other "
            + "arguments: what was approved is not what runs.";
        case AMOUNT_EXCEEDED -> "This call spends more than the elevation for '" + privilege + "' has left.";
        case AMOUNT_REQUIRED -> "The elevation for '" + privilege + "' is metered, and the check did not say how "
            + "much this call spends.";
        case AUDIT_FAILURE -> "Denied because the audit trail could not record the use of '" + privilege + "'.";
        case STORE_FAILURE -> "Denied because the grant store failed while checking '" + privilege + "'.";
        default -> "Denied because the guard is closed.";
      };
      String hint = switch (r) {
        case GRANT_NOT_YET_ACTIVE -> "Wait for the scheduled start, or " + lowerFirst(how);
        case ACTION_MISMATCH -> "Call it with exactly the approved arguments, or request an approval for this "
            + "call: " + lowerFirst(how);
        case AMOUNT_REQUIRED -> "The application must check metered privileges with the call's amount "
            + "(PrivilegeGuard.check(subject, privilege, amount), or @RequiresElevation(amount = ...)); tell its "
            + "developers.";
        case AUDIT_FAILURE, STORE_FAILURE -> "Retry; if it persists, tell the operators (fail closed).";
        case GUARD_CLOSED -> "The application is shutting down; retry later.";
        default -> how;
      };
      out[r.ordinal()] = new Decision.Denied(privilege, r, message, hint);
    }
    return out;
  }

  private static String lowerFirst(String s) {
    return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }

  /** "Request it with ..." from the current rule; the policy is not called again on the hot path. */
  private String howToRequest(Privilege privilege) {
    PrivilegeRule rule;
    try {
      rule = policy.ruleFor(privilege).orElse(null);
    } catch (RuntimeException e) {
      LOG.warn("policy failed while describing privilege {}", privilege, e);
      return "Request an elevation for '" + privilege + "'.";
    }
    if (rule == null) {
      return "No policy rule covers '" + privilege + "'; ask an administrator to add one.";
    }
    StringBuilder sb = new StringBuilder("Request an elevation for '").append(privilege).append('\'');
    List<String> needs = new ArrayList<>();
    if (rule.limits().justificationRequired()) {
      needs.add("a justification of at least " + rule.limits().minJustificationLength() + " characters");
    }
    if (rule.limits().ticketRequired()) {
      needs.add("a ticket reference" + rule.limits().ticketPattern().map(p -> " matching " + Text.quote(p.pattern()))
          .orElse(""));
    }
    if (!needs.isEmpty()) {
      sb.append(" with ").append(String.join(" and ", needs));
    }
    sb.append(", for at most ").append(rule.limits().maxDuration()).append("; ").append(approversText(rule)).append('.');
    rule.breakGlass().ifPresent(b -> sb.append(" In an emergency, break-glass is allowed (reason of at least ")
        .append(b.minReasonLength()).append(" characters, at most ").append(b.maxDuration())
        .append(", reviewed afterwards)."));
    rule.denyMessage().ifPresent(m -> sb.append(' ').append(m));
    return sb.toString();
  }

  private static String approversText(PrivilegeRule rule) {
    if (rule.approval().stages().isEmpty()) {
      return rule.approval().autoApprove().isEmpty() ? "only break-glass is possible"
          : "approved automatically when " + rule.approval().autoApprove().get(0).description();
    }
    if (rule.approval().stages().size() > 1) {
      return rule.approval().missing(List.of(), rule.escalation().fallbackGroups(false)) + " needed, a person counting once and never for their own request";
    }
    StringBuilder sb = new StringBuilder();
    sb.append(rule.approval().approvalsRequired()).append(rule.approval().approvalsRequired() == 1 ? " approval" : " approvals")
        .append(" from ");
    List<String> who = new ArrayList<>();
    if (!rule.approval().approverGroups().isEmpty()) {
      who.add("group " + rule.approval().approverGroups());
    }
    if (!rule.approval().approverSubjects().isEmpty()) {
      who.add("approvers " + rule.approval().approverSubjects());
    }
    sb.append(String.join(" or ", who)).append(" needed, not counting yourself");
    if (!rule.approval().autoApprove().isEmpty()) {
      sb.append(" (automatic when ").append(rule.approval().autoApprove().get(0).description()).append(')');
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------------- request

  /** The outcome of evaluating a request against the rules, shared by request and dry run. */
  private record Evaluation(ReasonCode reason, String message, String hint, PrivilegeRule rule, Duration duration,
      AutoApproveCondition auto, String policyVersion) {
    boolean denied() {
      return duration == null;
    }
  }

  private Evaluation evaluate(ElevationRequest r, Instant now) {
    Subject subject = r.subject();
    Privilege p = r.privilege();
    String version;
    PrivilegeRule rule;
    try {
      ElevationPolicy snapshot = policy.snapshot();
      version = snapshot.version();
      rule = snapshot.ruleFor(p).orElse(null);
    } catch (RuntimeException e) {
      LOG.error("policy failed while evaluating a request for {}", p, e);
      return refusal(ReasonCode.POLICY_FAILURE, "The policy could not be evaluated for '" + p + "'; denied.",
          "Retry; if it persists, tell the operators (fail closed).", null, "unavailable");
    }
    if (rule == null) {
      return refusal(ReasonCode.UNKNOWN_PRIVILEGE, "No policy rule covers '" + p + "'.",
          "Check the privilege name, or ask an administrator to add a rule for it.", null, version);
    }
    try {
      if (rule.eligibility().denies(subject)) {
        return refusal(ReasonCode.EXPLICITLY_DENIED, "A deny rule of the policy excludes "
            + Text.quote(subject.id()) + " from '" + p + "'.", "Deny rules win over every allow; ask someone else "
            + "to do the task, or an administrator to review the rule.", rule, version);
      }
      if (!rule.eligibility().lists(subject)) {
        return refusal(ReasonCode.NOT_ELIGIBLE, Text.quote(subject.id()) + " is not eligible for '" + p + "'.",
            "Eligible are " + eligibleText(rule) + "; ask to be added to one of them, or ask an eligible person.",
            rule, version);
      }
      String justification = r.justification().strip();
      if (rule.limits().justificationRequired() && justification.isEmpty()) {
        return refusal(ReasonCode.JUSTIFICATION_REQUIRED, "'" + p + "' requires a justification.",
            "Say why you need it, in at least " + rule.limits().minJustificationLength() + " characters.", rule, version);
      }
      if (justification.codePointCount(0, justification.length()) < rule.limits().minJustificationLength()) {
        return refusal(ReasonCode.JUSTIFICATION_TOO_SHORT, String.format(Locale.ROOT,
            "The justification for '%s' must be at least %d characters, but was %d.", p,
            rule.limits().minJustificationLength(), justification.codePointCount(0, justification.length())),
            "Say what you will do and why (a ticket or incident helps).", rule, version);
      }
      if (rule.limits().ticketRequired() && r.ticket().isEmpty()) {
        return refusal(ReasonCode.TICKET_REQUIRED, "'" + p + "' requires a ticket reference.",
            "Add the incident or change ticket" + rule.limits().ticketPattern().map(x -> " (pattern " + Text.quote(x.pattern())
                + ")").orElse("") + ".", rule, version);
      }
      if (r.ticket().isPresent() && rule.limits().ticketPattern().isPresent()
          && !rule.limits().ticketPattern().get().matcher(r.ticket().get()).matches()) {
        return refusal(ReasonCode.TICKET_INVALID, "The ticket reference " + Text.quote(r.ticket().get())
            + " does not match the pattern " + Text.quote(rule.limits().ticketPattern().get().pattern()) + ".",
            "Use the ticket id exactly as your ticketing system shows it.", rule, version);
      }
      Duration duration = r.duration().orElse(rule.limits().defaultDuration());
      if (duration.compareTo(rule.limits().maxDuration()) > 0) {
        return refusal(ReasonCode.DURATION_EXCEEDS_MAX, "The duration for '" + p + "' must be at most "
            + rule.limits().maxDuration() + ", but was " + duration + ".", "Ask for at most " + rule.limits().maxDuration()
            + "; extend later if needed.", rule, version);
      }
      if (r.uses().isPresent() && r.uses().getAsInt() > rule.limits().maxUses()) {
        return refusal(ReasonCode.USES_EXCEED_MAX, String.format(Locale.ROOT,
            "The budget of uses for '%s' must be at most %d, but was %d.", p, rule.limits().maxUses(), r.uses().getAsInt()),
            "Ask for fewer uses.", rule, version);
      }
      if (r.amountLimit().isPresent() && rule.limits().maxAmount().isPresent()
          && r.amountLimit().get().compareTo(rule.limits().maxAmount().get()) > 0) {
        return refusal(ReasonCode.AMOUNT_EXCEEDS_MAX, "The amount limit for '" + p + "' must be at most "
            + rule.limits().maxAmount().get().toPlainString() + ", but was " + r.amountLimit().get().toPlainString() + ".",
            "Ask for at most " + rule.limits().maxAmount().get().toPlainString() + ".", rule, version);
      }
      if (r.startAt().isPresent()) {
        Instant start = r.startAt().get();
        if (start.isBefore(now) || start.isAfter(now.plus(rule.limits().maxStartDelay()))) {
          return refusal(ReasonCode.START_OUT_OF_RANGE, "The start " + start + " must be between now (" + now
              + ") and " + now.plus(rule.limits().maxStartDelay()) + ".", "Leave the start unset to begin at approval, or "
              + "pick a start within " + rule.limits().maxStartDelay() + ".", rule, version);
        }
      }
      AutoApproveCondition auto = rule.approval().autoApproval(subject, r, now).orElse(null);
      if (auto == null && rule.approval().stages().isEmpty()) {
        return refusal(ReasonCode.NOT_ELIGIBLE, "'" + p + "' is only granted automatically, and no condition of "
            + "the policy matches " + Text.quote(subject.id()) + ".", "It is granted when "
            + rule.approval().autoApprove().stream().map(AutoApproveCondition::description).toList() + ".", rule, version);
      }
      return new Evaluation(auto != null ? ReasonCode.AUTO_APPROVED : ReasonCode.PENDING_APPROVAL, "", "", rule,
          duration, auto, version);
    } catch (RuntimeException e) {
      LOG.error("policy rule failed while evaluating a request for {}", p, e);
      return refusal(ReasonCode.POLICY_FAILURE, "The policy could not be evaluated for '" + p + "'; denied.",
          "Retry; if it persists, tell the operators (fail closed).", rule, version);
    }
  }

  /** A denial; names the rule that decided and adds the administrators' message, so the requester can act. */
  private static Evaluation refusal(ReasonCode reason, String message, String hint, PrivilegeRule rule,
      String version) {
    if (rule != null) {
      String base = message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
      message = base + " (rule '" + rule.pattern() + "').";
      if (rule.denyMessage().isPresent()) {
        hint = hint + " " + rule.denyMessage().get();
      }
    }
    return new Evaluation(reason, message, hint, rule, null, null, version);
  }

  private static String eligibleText(PrivilegeRule rule) {
    List<String> parts = new ArrayList<>();
    if (!rule.eligibility().groups().isEmpty()) {
      parts.add("members of " + rule.eligibility().groups());
    }
    if (!rule.eligibility().subjects().isEmpty()) {
      parts.add("subjects " + rule.eligibility().subjects());
    }
    String who = String.join(" and ", parts);
    if (rule.eligibility().attributes().isEmpty()) {
      return who;
    }
    List<String> conditions = new ArrayList<>();
    rule.eligibility().attributes().forEach((k, v) -> conditions.add(k + " in " + new java.util.TreeSet<>(v)));
    String with = String.join(" and ", conditions);
    return who.isEmpty() ? "subjects with " + with : who + ", with " + with;
  }

  @Override
  public DryRun dryRun(ElevationRequest request) {
    Objects.requireNonNull(request, "request cannot be null");
    Evaluation ev = evaluate(request, now());
    PrivilegeRule rule = ev.rule();
    if (ev.denied()) {
      return new DryRun(Outcome.DENIED, ev.reason(), ev.message(), ev.hint(), Optional.empty(), 0,
          rule == null ? Set.of() : rule.approval().approverGroups(),
          rule == null ? Set.of() : rule.approval().approverSubjects(), ev.policyVersion());
    }
    if (ev.auto() != null) {
      return new DryRun(Outcome.GRANTED, ReasonCode.AUTO_APPROVED, "Would be approved automatically: "
          + ev.auto().description() + " (rule '" + rule.pattern() + "').", "", Optional.of(ev.duration()), 0, rule.approval().approverGroups(),
          rule.approval().approverSubjects(), ev.policyVersion());
    }
    return new DryRun(Outcome.PENDING, ReasonCode.PENDING_APPROVAL, "Would wait for " + approversText(rule)
        + " (rule '" + rule.pattern() + "').",
        "Submit the request; approvers can decide within " + rule.approval().pendingTtl() + ".", Optional.of(ev.duration()),
        rule.approval().approvalsRequired(), rule.approval().approverGroups(), rule.approval().approverSubjects(), ev.policyVersion());
  }

  @Override
  public Decision request(ElevationRequest request) {
    Objects.requireNonNull(request, "request cannot be null");
    Privilege p = request.privilege();
    Subject subject = request.subject();
    if (closed) {
      return new Decision.Denied(p, ReasonCode.GUARD_CLOSED, "Denied because the guard is closed.",
          "The application is shutting down; retry later.");
    }
    Instant now = now();
    Evaluation ev = evaluate(request, now);
    if (ev.denied()) {
      AuditEvent e = requestEvent(AuditEventType.REQUEST_DENIED, now, request, ev.policyVersion())
          .reason(ev.reason()).actor(POLICY_ACTOR).build();
      tryEmit(e);
      return new Decision.Denied(p, ev.reason(), ev.message(), ev.hint());
    }
    PrivilegeRule rule = ev.rule();
    RequestRecord.Builder rb = RequestRecord.builder(RequestId.random(), request)
        .createdAt(now)
        .expiresAt(now.plus(rule.approval().pendingTtl()))
        .approverGroups(rule.approval().approverGroups())
        .policyVersion(ev.policyVersion());
    if (ev.auto() != null) {
      return autoApprove(rb, request, rule, ev, now);
    }
    // One pending request per subject and privilege: a second ask returns the first. The look-up and the insert run
    // under one lock per (subject, privilege) stripe, so two concurrent asks cannot both insert. This holds within
    // one guard; guards sharing a store across processes need the store to enforce it as well.
    RequestRecord record = rb.approvalsRequired(rule.approval().approvalsRequired()).build();
    synchronized (requestLock(subject.id(), p)) {
      // A shared store enforces uniqueness across instances too (DuplicatePendingRequestException): then look again.
      boolean inserted = false;
      for (int attempt = 0; attempt < 3 && !inserted; attempt++) {
        try {
          for (RequestRecord existing : store.requestsBy(subject.id())) {
            if (existing.status() == RequestStatus.PENDING && existing.privilege().equals(p)
                && sameAction(existing.request(), request)) {
              if (now.isBefore(existing.expiresAt())) {
                return pending(existing, rule, "You already have a pending request for '" + p + "'.");
              }
              expireRequest(existing, now);
            }
          }
        } catch (RuntimeException e) {
          return storeFailure(request, now, ev.policyVersion(), e);
        }
        try {
          store.insert(record);
          inserted = true;
        } catch (DuplicatePendingRequestException e) {
          LOG.debug("another instance created a pending request for the same subject, privilege and call; "
              + "looking again");
        } catch (RuntimeException e) {
          return storeFailure(request, now, ev.policyVersion(), e);
        }
      }
      if (!inserted) {
        return storeFailure(request, now, ev.policyVersion(),
            new IllegalStateException("a pending request kept appearing and disappearing"));
      }
    }
    AuditEvent requested = requestEvent(AuditEventType.REQUESTED, now, request, ev.policyVersion())
        .requestId(record.id()).detail("duration", ev.duration()).detail("approvals_required",
            rule.approval().approvalsRequired()).detail("pending_until", record.expiresAt()).build();
    if (!tryEmit(requested)) {
      failRequest(record, now, ReasonCode.AUDIT_FAILURE);
      return new Decision.Denied(p, ReasonCode.AUDIT_FAILURE, "Denied because the audit trail could not record the "
          + "request for '" + p + "'.", "Retry; if it persists, tell the operators (fail closed).");
    }
    try {
      channel.requestPending(record, rule);
    } catch (RuntimeException e) {
      LOG.error("approval channel failed to deliver request {}", record.id(), e);
      failRequest(record, now, ReasonCode.APPROVAL_FAILURE);
      return new Decision.Denied(p, ReasonCode.APPROVAL_FAILURE, "Denied because the request for '" + p
          + "' could not be delivered to approvers.", "Retry; if it persists, tell the operators (fail closed).");
    }
    return pending(record, rule, "Request for '" + p + "' is waiting for approval.");
  }

  private Object requestLock(String subjectId, Privilege p) {
    return requestLocks[Math.floorMod(31 * subjectId.hashCode() + p.hashCode(), requestLocks.length)];
  }

  private Decision autoApprove(RequestRecord.Builder rb, ElevationRequest request, PrivilegeRule rule,
      Evaluation ev, Instant now) {
    RequestId requestId = rb.build().id();
    Grant grant = newGrant(requestId, request, rule, List.of(), now, ev.policyVersion(), ev.duration(),
        false);
    RequestRecord record = rb.status(RequestStatus.APPROVED).approvalsRequired(0)
        .decision(now, POLICY_ACTOR, ReasonCode.AUTO_APPROVED, ev.auto().description())
        .grantId(grant.id()).build();
    try {
      store.insert(record, grant);
    } catch (RuntimeException e) {
      revokeIfWritten(grant, now);
      return storeFailure(request, now, ev.policyVersion(), e);
    }
    boolean audited = tryEmit(requestEvent(AuditEventType.REQUESTED, now, request, ev.policyVersion())
        .requestId(requestId).detail("duration", ev.duration()).build())
        && tryEmit(requestEvent(AuditEventType.AUTO_APPROVED, now, request, ev.policyVersion())
            .requestId(requestId).grantId(grant.id()).actor(POLICY_ACTOR).reason(ReasonCode.AUTO_APPROVED)
            .text(null).detail("condition", ev.auto().description()).build())
        && tryEmit(grantedEvent(grant, now, ReasonCode.AUTO_APPROVED));
    if (!audited) {
      compensate(grant, now);
      return new Decision.Denied(request.privilege(), ReasonCode.AUDIT_FAILURE, "Denied because the audit trail "
          + "could not record the grant of '" + request.privilege() + "'.",
          "Retry; if it persists, tell the operators (fail closed).");
    }
    index.upsert(grant, this::denialsFor);
    return new Decision.Granted(grant, ReasonCode.AUTO_APPROVED, "Auto-approved ("
        + ev.auto().description() + "): " + grant.toDecision().message(), "");
  }

  private Decision.Denied storeFailure(ElevationRequest request, Instant now, String version, RuntimeException e) {
    LOG.error("grant store failed while handling a request for {}", request.privilege(), e);
    tryEmit(requestEvent(AuditEventType.REQUEST_DENIED, now, request, version).reason(ReasonCode.STORE_FAILURE)
        .actor(SYSTEM_ACTOR).build());
    return new Decision.Denied(request.privilege(), ReasonCode.STORE_FAILURE, "Denied because the grant store "
        + "failed while handling the request for '" + request.privilege() + "'.",
        "Retry; if it persists, tell the operators (fail closed).");
  }

  /**
   * Whether two requests ask for the same thing, for the one-pending-request rule: the same time-bound elevation, or
   * the same exact call. Each action call needs its own approval, so requests for different calls never merge.
   */
  private static boolean sameAction(ElevationRequest a, ElevationRequest b) {
    if (a.action().isEmpty() || b.action().isEmpty()) {
      return a.action().isEmpty() && b.action().isEmpty();
    }
    return a.action().get().sameCall(b.action().get());
  }

  /** Marks a just-created request DENIED after a failure; best effort, since the caller is told it was denied. */
  private void failRequest(RequestRecord record, Instant now, ReasonCode reason) {
    RequestRecord denied = record.toBuilder().status(RequestStatus.DENIED).version(record.version() + 1)
        .decision(now, SYSTEM_ACTOR, reason, null).build();
    try {
      if (store.update(record, denied)) {
        tryEmit(event(AuditEventType.DENIED, now, denied).actor(SYSTEM_ACTOR).reason(reason).build());
      }
    } catch (RuntimeException e) {
      LOG.error("could not mark request {} denied after {}", record.id(), reason, e);
    }
  }

  private Decision.Pending pending(RequestRecord r, PrivilegeRule rule, String message) {
    boolean escalated = r.escalatedAt().isPresent();
    String missing = rule.approval().missing(r.approvals(), rule.escalation().fallbackGroups(escalated));
    if (missing.isEmpty()) {
      int left = Math.max(1, r.approvalsRequired() - r.approvals().size());
      missing = left + " more approval" + (left == 1 ? "" : "s") + " from " + approverList(r);
    }
    if (escalated && !rule.escalation().groups().isEmpty()) {
      missing += " (escalated: members of " + rule.escalation().groups() + " may approve too)";
    }
    return new Decision.Pending(r, suggestedApprovers(r, rule), String.format(Locale.ROOT,
        "%s %d of %d approvals received; request %s.", message, r.approvals().size(),
        Math.max(r.approvalsRequired(), rule.approval().approvalsRequired()), r.id()),
        String.format(Locale.ROOT, "Needs %s before %s (not counting yourself); or withdraw request %s.",
            missing, r.expiresAt(), r.id()));
  }

  /** Listed approvers and the people on call for the rule's schedule, minus the requester and who already acted. */
  private List<String> suggestedApprovers(RequestRecord r, PrivilegeRule rule) {
    java.util.Set<String> out = new java.util.LinkedHashSet<>(rule.approval().approverSubjects());
    if (rule.approval().suggestOnCall().isPresent() && onCall != null) {
      try {
        out.addAll(onCall.onCall(rule.approval().suggestOnCall().get(), now()));
      } catch (RuntimeException e) {
        LOG.warn("on-call source failed; no on-call approvers suggested", e);
      }
    }
    out.remove(r.requesterId());
    r.approvals().forEach(a -> out.remove(a.approver()));
    r.denials().forEach(a -> out.remove(a.approver()));
    return List.copyOf(out);
  }

  /**
   * A new grant.
   *
   * @param shortened whether an approver shortened the duration: the shortened duration is then also the cap of
   *     extensions, so that the holder cannot extend past what the approvers agreed to
   */
  private static Grant newGrant(RequestId requestId, ElevationRequest request, PrivilegeRule rule,
      List<String> approvers, Instant now, String version, Duration granted, boolean shortened) {
    Instant start = request.startAt().filter(s -> s.isAfter(now)).orElse(now);
    Duration duration = granted;
    if (duration.compareTo(rule.limits().maxDuration()) > 0) {
      duration = rule.limits().maxDuration(); // the rule may have tightened since the request was made
    }
    Grant.Builder b = Grant.builder(GrantId.random(), requestId);
    request.action().ifPresent(a -> b.action(a.action(), a.argumentDigest()));
    // A metered privilege meters every grant: the request's limit, or the rule's maximum (which also caps a request
    // made before the rule tightened).
    BigDecimal limit = request.amountLimit().orElse(null);
    BigDecimal max = rule.limits().maxAmount().orElse(null);
    if (max != null && (limit == null || limit.compareTo(max) > 0)) {
      limit = max;
    }
    // An action grant is for one call unless the request asked for more, or it is metered: then the amount is its
    // budget, spent across as many calls as it takes.
    int uses = request.uses().orElse(request.action().isPresent() && limit == null ? 1 : 0);
    if (limit != null) {
      b.amount(limit, BigDecimal.ZERO);
    }
    return b
        .subjectId(request.subject().id())
        .privilege(request.privilege())
        .status(start.isAfter(now) ? GrantStatus.SCHEDULED : GrantStatus.ACTIVE)
        .issuedAt(now)
        .validity(start, start.plus(duration), start.plus(shortened ? duration : rule.limits().maxDuration()))
        .uses(uses, uses)
        .approvers(approvers)
        .policyVersion(version)
        .build();
  }

  // ---------------------------------------------------------------------------------------------------- approve

  @Override
  public Decision approve(RequestId requestId, Subject approver, String comment) {
    return decide(requestId, approver, comment, true, null, null);
  }

  @Override
  public Decision approve(RequestId requestId, Subject approver, String comment, Duration shortenTo) {
    Objects.requireNonNull(shortenTo, "shortenTo cannot be null");
    return approveShortened(requestId, approver, comment, shortenTo, null);
  }

  @Override
  public Decision approve(RequestId requestId, Subject approver, String comment, Duration shortenTo,
      ApprovalContext context) {
    Objects.requireNonNull(context, "context cannot be null");
    return approveShortened(requestId, approver, comment, shortenTo, context);
  }

  /** Approval with an optional shortening and an optional channel context (both may be null). */
  private Decision approveShortened(RequestId requestId, Subject approver, String comment, Duration shortenTo,
      ApprovalContext context) {
    if (shortenTo != null && (shortenTo.isNegative() || shortenTo.isZero())) {
      throw new InvalidInputException("shortenTo", "shortenTo must be positive, but was " + shortenTo
          + "; to refuse the request, deny it");
    }
    return decide(requestId, approver, comment, true, shortenTo, context);
  }

  @Override
  public RequestRecord deny(RequestId requestId, Subject approver, String comment) {
    Decision d = decide(requestId, approver, comment, false, null, null);
    return ((Decision.Pending) d).request();
  }

  @Override
  public RequestRecord deny(RequestId requestId, Subject approver, String comment, ApprovalContext context) {
    Objects.requireNonNull(context, "context cannot be null");
    Decision d = decide(requestId, approver, comment, false, null, context);
    return ((Decision.Pending) d).request();
  }

  /** Adds the channel and how it authenticated the approver, when the channel said. */
  private static AuditEvent.Builder withContext(AuditEvent.Builder e, ApprovalContext context) {
    return context == null ? e : e.detail("channel", context.channel())
        .detail("authentication", context.authentication());
  }

  /**
   * The one decision function for approvers, whatever channel the decision came through. Returns the new state; for
   * a denial, a Pending wrapper around the request (DENIED, or still PENDING below the deny threshold), unwrapped by
   * {@link #deny}.
   */
  private Decision decide(RequestId requestId, Subject approver, String comment, boolean approve,
      Duration shortenTo, ApprovalContext context) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    Objects.requireNonNull(approver, "approver cannot be null");
    Objects.requireNonNull(comment, "comment cannot be null");
    Text.freeText("comment", comment);
    String action = approve ? "approve" : "deny";
    ensureOpen(action, null);
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Instant now = now();
      RequestRecord r = loadRequest(requestId, approver, action);
      Privilege p = r.privilege();
      if (r.requesterId().equals(approver.id())) {
        throw refuse(AuditEventType.OPERATION_REFUSED, r, approver, action, ReasonCode.SELF_APPROVAL,
            "Nobody may " + action + " their own request, administrators included.",
            "Ask one of " + approverList(r) + " to decide.", now);
      }
      ElevationPolicy snapshot = policy.snapshot();
      PrivilegeRule rule = currentRule(snapshot, r, approver, action, now);
      String ruleVersion = versionOf(snapshot);
      boolean escalated = r.escalatedAt().isPresent();
      boolean approverOfRule = rule.approval().mayApprove(approver, rule.escalation().fallbackGroups(escalated));
      // Administrators may deny (it only takes access away); approving needs an approver of the privilege.
      if (!approverOfRule && (approve || !isAdmin(approver))) {
        throw notFound("request", requestId.value(), approver, action, r, null, now);
      }
      if (r.status() != RequestStatus.PENDING) {
        throw refuse(AuditEventType.OPERATION_REFUSED, r, approver, action, ReasonCode.REQUEST_NOT_PENDING,
            "Request " + r.id() + " is " + r.status() + ", not PENDING.", "Nothing to decide.", now);
      }
      if (!now.isBefore(r.expiresAt())) {
        expireRequest(r, now);
        throw refuse(AuditEventType.OPERATION_REFUSED, r, approver, action, ReasonCode.REQUEST_EXPIRED,
            "Request " + r.id() + " expired at " + r.expiresAt() + ".", "The requester must ask again.", now);
      }
      if (rule.approval().commentRequired() && comment.isBlank()) {
        throw refuse(AuditEventType.OPERATION_REFUSED, r, approver, action, ReasonCode.COMMENT_REQUIRED,
            "The policy for '" + p + "' requires a comment to " + action + ".", "Say why, then " + action
                + " again.", now);
      }
      if (approve && rule.eligibility().denies(r.request().subject())) {
        throw refuse(AuditEventType.OPERATION_REFUSED, r, approver, action, ReasonCode.EXPLICITLY_DENIED,
            "A deny rule of the current policy now excludes " + Text.quote(r.requesterId()) + " from '" + p
                + "'; the request cannot be approved.", "Deny the request instead.", now);
      }
      if (r.approvedBy(approver.id()) || r.deniedBy(approver.id())) {
        throw refuse(AuditEventType.OPERATION_REFUSED, r, approver, action, ReasonCode.ALREADY_APPROVED,
            Text.quote(approver.id()) + " has already decided on request " + r.id() + "; a person counts once.",
            "Ask another approver from " + approverList(r) + ".", now);
      }
      Duration requested = r.request().duration().orElse(rule.limits().defaultDuration());
      if (shortenTo != null && shortenTo.compareTo(requested) > 0) {
        throw refuse(AuditEventType.OPERATION_REFUSED, r, approver, action, ReasonCode.DURATION_EXCEEDS_MAX,
            "An approver may shorten the requested " + requested + ", never lengthen it (asked " + shortenTo + ").",
            "Approve with at most " + requested + ".", now);
      }
      Approval mine = new Approval(approver.id(), now, comment, approver.groups(), shortenTo, context);
      if (!approve) {
        List<Approval> denials = new ArrayList<>(r.denials());
        denials.add(mine);
        int threshold = approverOfRule ? rule.approval().denyThreshold() : 1;
        if (denials.size() < threshold) {
          RequestRecord next = r.toBuilder().denials(denials).version(r.version() + 1).build();
          if (!storeUpdate(r, next, null, approver, action, now)) {
            continue;
          }
          if (!tryEmit(withContext(event(AuditEventType.DENIAL_RECORDED, now, next).actor(approver.id())
              .reason(ReasonCode.DENIED_BY_APPROVER).text(comment)
              .detail("denials", denials.size() + "/" + threshold), context).build())) {
            LOG.error("denial of request {} recorded but its audit record failed", r.id());
          }
          return new Decision.Pending(next, List.of(), "Denial recorded; " + denials.size() + " of " + threshold
              + " denials needed to deny request " + r.id() + ".", "");
        }
        RequestRecord denied = r.toBuilder().denials(denials).status(RequestStatus.DENIED).version(r.version() + 1)
            .decision(now, approver.id(), ReasonCode.DENIED_BY_APPROVER, comment).build();
        if (!storeUpdate(r, denied, null, approver, action, now)) {
          continue;
        }
        if (!tryEmit(withContext(event(AuditEventType.DENIED, now, denied).actor(approver.id())
            .reason(ReasonCode.DENIED_BY_APPROVER).text(comment), context).build())) {
          LOG.error("request {} is denied but its audit record failed", r.id());
        }
        notifyDecided(denied);
        return new Decision.Pending(denied, List.of(), "Request " + r.id() + " denied.", "");
      }
      List<Approval> approvals = new ArrayList<>(r.approvals());
      approvals.add(mine);
      // The current rule decides; a rule relaxed since the request never lowers the count recorded with it.
      boolean satisfied = rule.approval().isSatisfied(approvals, rule.escalation().fallbackGroups(escalated)) && approvals.size() >= r.approvalsRequired();
      if (!satisfied) {
        RequestRecord next = r.toBuilder().approvals(approvals).version(r.version() + 1).build();
        if (!storeUpdate(r, next, null, approver, action, now)) {
          continue;
        }
        if (!tryEmit(withContext(event(AuditEventType.APPROVAL_RECORDED, now, next).actor(approver.id())
            .reason(ReasonCode.PENDING_APPROVAL).text(comment)
            .detail("approvals", approvals.size() + "/" + Math.max(r.approvalsRequired(),
                rule.approval().approvalsRequired())), context).build())) {
          RequestRecord undone = next.toBuilder().approvals(r.approvals()).version(next.version() + 1).build();
          storeUpdateQuietly(next, undone);
          throw refuse(AuditEventType.OPERATION_REFUSED, r, approver, action, ReasonCode.AUDIT_FAILURE,
              "The approval could not be audited, so it was not counted.", "Retry.", now);
        }
        return pending(next, rule, "Approval recorded for '" + p + "'.");
      }
      List<String> approverIds = approvals.stream().map(Approval::approver).toList();
      Duration duration = requested;
      for (Approval a : approvals) {
        if (a.durationLimit() != null && a.durationLimit().compareTo(duration) < 0) {
          duration = a.durationLimit();
        }
      }
      Grant grant = newGrant(r.id(), r.request(), rule, approverIds, now, ruleVersion, duration,
          duration.compareTo(requested) < 0);
      RequestRecord approved = r.toBuilder().approvals(approvals).status(RequestStatus.APPROVED)
          .version(r.version() + 1).decision(now, approver.id(), ReasonCode.APPROVED, comment)
          .grantId(grant.id()).build();
      if (!storeUpdate(r, approved, grant, approver, action, now)) {
        continue;
      }
      boolean audited = tryEmit(withContext(event(AuditEventType.APPROVED, now, approved).actor(approver.id())
          .reason(ReasonCode.APPROVED).text(comment).grantId(grant.id())
          .detail("approvers", String.join(",", approverIds)), context).build())
          && tryEmit(grantedEvent(grant, now, ReasonCode.APPROVED));
      if (!audited) {
        compensate(grant, now);
        throw refuse(AuditEventType.OPERATION_REFUSED, r, approver, action, ReasonCode.AUDIT_FAILURE,
            "The grant could not be audited, so it was revoked at once.", "Retry; if it persists, tell the "
                + "operators (fail closed).", now);
      }
      index.upsert(grant, this::denialsFor);
      notifyDecided(approved);
      return new Decision.Granted(grant, ReasonCode.APPROVED, "Approved by " + approverIds.size()
          + (approverIds.size() == 1 ? " approver: " : " approvers: ") + grant.toDecision().message(), "");
    }
    throw refuse(AuditEventType.OPERATION_REFUSED, null, approver, action, ReasonCode.STORE_FAILURE,
        "Request " + requestId + " kept changing; gave up after " + MAX_ATTEMPTS + " attempts.", "Retry.", now());
  }

  private static String approverList(RequestRecord r) {
    return r.approverGroups().isEmpty() ? "the approvers of '" + r.privilege() + "'" : "group " + r.approverGroups();
  }

  private PrivilegeRule currentRule(ElevationPolicy snapshot, RequestRecord r, Subject actor, String action,
      Instant now) {
    try {
      Optional<PrivilegeRule> rule = snapshot.ruleFor(r.privilege());
      if (rule.isPresent()) {
        return rule.get();
      }
    } catch (RuntimeException e) {
      LOG.error("policy failed while deciding request {}", r.id(), e);
      throw refuse(AuditEventType.OPERATION_REFUSED, r, actor, action, ReasonCode.POLICY_FAILURE,
          "The policy could not be evaluated; nothing was changed.", "Retry; if it persists, tell the operators.",
          now);
    }
    throw refuse(AuditEventType.OPERATION_REFUSED, r, actor, action, ReasonCode.UNKNOWN_PRIVILEGE,
        "The policy no longer has a rule for '" + r.privilege() + "'.", "Ask an administrator.", now);
  }

  private RequestRecord loadRequest(RequestId id, Subject actor, String action) {
    Optional<RequestRecord> r;
    try {
      r = store.findRequest(id);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while loading request {}", id, e);
      throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, action, ReasonCode.STORE_FAILURE,
          "The grant store failed; nothing was changed.", "Retry; if it persists, tell the operators.", now());
    }
    if (r.isEmpty()) {
      throw notFound("request", id.value(), actor, action, null, null, now());
    }
    return r.get();
  }

  private boolean storeUpdate(RequestRecord expected, RequestRecord updated, Grant issued, Subject actor,
      String action, Instant now) {
    try {
      return issued == null ? store.update(expected, updated) : store.update(expected, updated, issued);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while updating request {}", expected.id(), e);
      if (issued != null) {
        revokeIfWritten(issued, now);
      }
      throw refuse(AuditEventType.OPERATION_REFUSED, expected, actor, action, ReasonCode.STORE_FAILURE,
          "The grant store failed; nothing was changed.", "Retry; if it persists, tell the operators.", now);
    }
  }

  private void storeUpdateQuietly(RequestRecord expected, RequestRecord updated) {
    try {
      store.update(expected, updated);
    } catch (RuntimeException e) {
      LOG.error("could not roll back request {}", expected.id(), e);
    }
  }

  private void expireRequest(RequestRecord r, Instant now) {
    RequestRecord expired = r.toBuilder().status(RequestStatus.EXPIRED).version(r.version() + 1)
        .decision(now, SYSTEM_ACTOR, ReasonCode.REQUEST_EXPIRED, null).build();
    try {
      if (store.update(r, expired)) {
        tryEmit(event(AuditEventType.REQUEST_EXPIRED, now, expired).actor(SYSTEM_ACTOR)
            .reason(ReasonCode.REQUEST_EXPIRED).build());
        notifyDecided(expired);
      }
    } catch (RuntimeException e) {
      LOG.error("grant store failed while expiring request {}", r.id(), e);
    }
  }

  @Override
  public RequestRecord withdraw(RequestId requestId, Subject requester) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    Objects.requireNonNull(requester, "requester cannot be null");
    ensureOpen("withdraw", null);
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Instant now = now();
      RequestRecord r = loadRequest(requestId, requester, "withdraw");
      if (!r.requesterId().equals(requester.id())) {
        throw notFound("request", requestId.value(), requester, "withdraw", r, null, now);
      }
      if (r.status() != RequestStatus.PENDING) {
        throw refuse(AuditEventType.OPERATION_REFUSED, r, requester, "withdraw", ReasonCode.REQUEST_NOT_PENDING,
            "Request " + r.id() + " is " + r.status() + ", not PENDING.", r.status() == RequestStatus.APPROVED
                ? "Revoke its grant instead." : "Nothing to withdraw.", now);
      }
      if (!now.isBefore(r.expiresAt())) {
        expireRequest(r, now);
        throw refuse(AuditEventType.OPERATION_REFUSED, r, requester, "withdraw", ReasonCode.REQUEST_EXPIRED,
            "Request " + r.id() + " expired at " + r.expiresAt() + ".", "Nothing to withdraw.", now);
      }
      RequestRecord withdrawn = r.toBuilder().status(RequestStatus.WITHDRAWN).version(r.version() + 1)
          .decision(now, requester.id(), ReasonCode.WITHDRAWN, null).build();
      if (!storeUpdate(r, withdrawn, null, requester, "withdraw", now)) {
        continue;
      }
      tryEmit(event(AuditEventType.WITHDRAWN, now, withdrawn).actor(requester.id()).build());
      notifyDecided(withdrawn);
      return withdrawn;
    }
    throw refuse(AuditEventType.OPERATION_REFUSED, null, requester, "withdraw", ReasonCode.STORE_FAILURE,
        "Request " + requestId + " kept changing.", "Retry.", now());
  }

  // ---------------------------------------------------------------------------------------------------- break-glass

  @Override
  public Decision breakGlass(Subject subject, Privilege privilege, String reason, Duration duration) {
    Objects.requireNonNull(subject, "subject cannot be null");
    Objects.requireNonNull(privilege, "privilege cannot be null");
    Objects.requireNonNull(reason, "reason cannot be null");
    Objects.requireNonNull(duration, "duration cannot be null");
    ElevationRequest request = ElevationRequest.builder(subject, privilege).justification(reason).duration(duration)
        .build();
    if (closed) {
      return new Decision.Denied(privilege, ReasonCode.GUARD_CLOSED, "Denied because the guard is closed.",
          "The application is shutting down; retry later.");
    }
    Instant now = now();
    String version = safeVersion();
    PrivilegeRule rule;
    try {
      rule = policy.ruleFor(privilege).orElse(null);
    } catch (RuntimeException e) {
      LOG.error("policy failed while evaluating break-glass for {}", privilege, e);
      return breakGlassDenied(request, now, version, ReasonCode.POLICY_FAILURE, "The policy could not be evaluated "
          + "for '" + privilege + "'; denied.", "Retry; if it persists, tell the operators (fail closed).");
    }
    if (rule == null) {
      return breakGlassDenied(request, now, version, ReasonCode.UNKNOWN_PRIVILEGE, "No policy rule covers '"
          + privilege + "'.", "Check the privilege name.");
    }
    if (rule.eligibility().denies(subject)) {
      return breakGlassDenied(request, now, version, rule, ReasonCode.EXPLICITLY_DENIED, "A deny rule of the policy "
          + "excludes " + Text.quote(subject.id()) + " from '" + privilege + "', in emergencies too.",
          "Ask someone else to act.");
    }
    if (!rule.eligibility().lists(subject)) {
      return breakGlassDenied(request, now, version, rule, ReasonCode.NOT_ELIGIBLE, Text.quote(subject.id())
          + " is not eligible for '" + privilege + "', in emergencies either.", "Ask an eligible person.");
    }
    if (rule.breakGlass().isEmpty()) {
      return breakGlassDenied(request, now, version, rule, ReasonCode.BREAK_GLASS_NOT_ALLOWED, "Break-glass is not "
          + "allowed for '" + privilege + "'.", howToRequest(privilege));
    }
    dev.jitguard.rule.BreakGlass bg = rule.breakGlass().get();
    int length = reason.strip().codePointCount(0, reason.strip().length());
    if (length < bg.minReasonLength()) {
      return breakGlassDenied(request, now, version, rule, ReasonCode.JUSTIFICATION_TOO_SHORT,
          String.format(Locale.ROOT, "A break-glass reason for '%s' must be at least %d characters, but was %d.",
              privilege, bg.minReasonLength(), length), "Say what the emergency is and what you will do.");
    }
    if (duration.compareTo(bg.maxDuration()) > 0) {
      return breakGlassDenied(request, now, version, rule, ReasonCode.DURATION_EXCEEDS_MAX, "Break-glass for '"
          + privilege + "' lasts at most " + bg.maxDuration() + ", but " + duration + " was asked.",
          "Ask for at most " + bg.maxDuration() + ".");
    }
    RequestId requestId = RequestId.random();
    Grant issued = newGrant(requestId, request, rule, List.of(), now, version, duration, false);
    // Break-glass access is short by design: no extension may take it past the break-glass maximum.
    Grant grant = issued.toBuilder().validity(issued.notBefore(), issued.expiresAt(),
        issued.notBefore().plus(bg.maxDuration())).build();
    RequestRecord record = RequestRecord.builder(requestId, request).createdAt(now).expiresAt(now)
        .approverGroups(rule.approval().approverGroups()).policyVersion(version).status(RequestStatus.APPROVED)
        .breakGlass(true).decision(now, subject.id(), ReasonCode.BREAK_GLASS, reason).grantId(grant.id()).build();
    try {
      store.insert(record, grant);
    } catch (RuntimeException e) {
      revokeIfWritten(grant, now);
      return storeFailure(request, now, version, e);
    }
    boolean audited = tryEmit(requestEvent(AuditEventType.BREAK_GLASS, now, request, version).requestId(requestId)
        .grantId(grant.id()).reason(ReasonCode.BREAK_GLASS).detail("duration", duration)
        .detail("skipped_approvers", rule.approval().approverGroups()).build())
        && tryEmit(grantedEvent(grant, now, ReasonCode.BREAK_GLASS));
    if (!audited) {
      compensate(grant, now);
      return new Decision.Denied(privilege, ReasonCode.AUDIT_FAILURE, "Denied because the audit trail could not "
          + "record the break-glass use of '" + privilege + "'.", "Retry; if it persists, tell the operators.");
    }
    index.upsert(grant, this::denialsFor);
    try {
      channel.breakGlassUsed(record, rule);
    } catch (RuntimeException e) {
      LOG.error("approval channel failed to notify approvers of the break-glass use {}; the review stays open",
          requestId, e);
    }
    return new Decision.Granted(grant, ReasonCode.BREAK_GLASS, "Break-glass: " + grant.toDecision().message()
        + "; the approvers were notified and a review is open.", "Expect a review of request " + requestId + ".");
  }

  private Decision.Denied breakGlassDenied(ElevationRequest request, Instant now, String version, ReasonCode reason,
      String message, String hint) {
    return breakGlassDenied(request, now, version, null, reason, message, hint);
  }

  /** A break-glass denial; like {@link #refusal}, names the rule and adds the administrators' message. */
  private Decision.Denied breakGlassDenied(ElevationRequest request, Instant now, String version, PrivilegeRule rule,
      ReasonCode reason, String message, String hint) {
    if (rule != null) {
      message = message + " (rule '" + rule.pattern() + "')";
      if (rule.denyMessage().isPresent() && !hint.contains(rule.denyMessage().get())) {
        hint = hint + " " + rule.denyMessage().get();
      }
    }
    tryEmit(requestEvent(AuditEventType.REQUEST_DENIED, now, request, version).reason(reason)
        .detail("break_glass", true).build());
    return new Decision.Denied(request.privilege(), reason, message, hint);
  }

  @Override
  public List<RequestRecord> openReviews(Subject reviewer) {
    Objects.requireNonNull(reviewer, "reviewer cannot be null");
    boolean admin = isAdmin(reviewer);
    List<RequestRecord> out = new ArrayList<>();
    for (RequestRecord r : store.openReviews()) {
      if (!r.requesterId().equals(reviewer.id()) && (admin || mayApprove(r.privilege(), reviewer))) {
        out.add(r);
      }
    }
    out.sort(Comparator.comparing(RequestRecord::createdAt));
    return out;
  }

  @Override
  public RequestRecord review(RequestId requestId, Subject reviewer, String comment) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    Objects.requireNonNull(reviewer, "reviewer cannot be null");
    Objects.requireNonNull(comment, "comment cannot be null");
    Text.freeText("comment", comment);
    if (comment.isBlank()) {
      throw new InvalidInputException("comment", "comment must not be empty: a review says what was checked");
    }
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Instant now = now();
      RequestRecord r = loadRequest(requestId, reviewer, "review");
      if (r.requesterId().equals(reviewer.id())) {
        throw refuse(AuditEventType.OPERATION_REFUSED, r, reviewer, "review", ReasonCode.SELF_APPROVAL,
            "Nobody may review their own break-glass use.", "Ask one of " + approverList(r) + ".", now);
      }
      if (!isAdmin(reviewer) && !mayApprove(r.privilege(), reviewer)) {
        throw notFound("request", requestId.value(), reviewer, "review", r, null, now);
      }
      if (!r.isReviewOpen()) {
        throw refuse(AuditEventType.OPERATION_REFUSED, r, reviewer, "review", ReasonCode.NO_OPEN_REVIEW,
            "Request " + r.id() + (r.isBreakGlass() ? " was already reviewed." : " is not a break-glass use."),
            "Nothing to review.", now);
      }
      RequestRecord reviewed = r.toBuilder().review(now, reviewer.id(), comment).version(r.version() + 1).build();
      if (!storeUpdate(r, reviewed, null, reviewer, "review", now)) {
        continue;
      }
      tryEmit(event(AuditEventType.REVIEWED, now, reviewed).actor(reviewer.id()).text(comment).build());
      return reviewed;
    }
    throw refuse(AuditEventType.OPERATION_REFUSED, null, reviewer, "review", ReasonCode.STORE_FAILURE,
        "Request " + requestId + " kept changing.", "Retry.", now());
  }

  // ---------------------------------------------------------------------------------------------------- grants

  @Override
  public Grant revoke(GrantId grantId, Subject actor, String reason) {
    Objects.requireNonNull(grantId, "grantId cannot be null");
    Objects.requireNonNull(actor, "actor cannot be null");
    Objects.requireNonNull(reason, "reason cannot be null");
    Text.freeText("reason", reason);
    // Revocation stays possible on a closed guard: it only ever takes access away.
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Instant now = now();
      Grant g = loadGrant(grantId, actor, "revoke");
      if (!mayManage(g, actor)) {
        throw notFound("grant", grantId.value(), actor, "revoke", null, g, now);
      }
      if (g.statusAt(now).isTerminal()) {
        throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, "revoke", ReasonCode.GRANT_NOT_ACTIVE,
            "Grant " + g.id() + " is already " + g.statusAt(now) + ".", "Nothing to revoke.", now, g);
      }
      Grant revoked = g.toBuilder().status(GrantStatus.REVOKED).version(g.version() + 1)
          .ended(now, actor.id(), reason).build();
      if (!grantUpdate(g, revoked, actor, "revoke", now)) {
        continue;
      }
      index.upsert(revoked, this::denialsFor);
      warned.remove(revoked.id());
      flushEntry(revoked);
      tryEmit(event(AuditEventType.REVOKED, now, revoked).actor(actor.id()).reason(ReasonCode.GRANT_REVOKED)
          .text(reason).build());
      return revoked;
    }
    throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, "revoke", ReasonCode.STORE_FAILURE,
        "Grant " + grantId + " kept changing.", "Retry.", now());
  }

  @Override
  public List<Grant> revokeRequest(RequestId requestId, Subject actor, String reason) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    Objects.requireNonNull(actor, "actor cannot be null");
    Objects.requireNonNull(reason, "reason cannot be null");
    Text.freeText("reason", reason);
    RequestRecord r = loadRequest(requestId, actor, "revoke");
    List<Grant> grants;
    try {
      grants = store.grantsFrom(requestId);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while listing grants of request {}", requestId, e);
      throw refuse(AuditEventType.OPERATION_REFUSED, r, actor, "revoke", ReasonCode.STORE_FAILURE,
          "The grant store failed; nothing was changed.", "Retry.", now());
    }
    boolean permitted = r.requesterId().equals(actor.id()) || isAdmin(actor) || mayApprove(r.privilege(), actor);
    if (!permitted) {
      throw notFound("request", requestId.value(), actor, "revoke", r, null, now());
    }
    if (r.status() == RequestStatus.PENDING) {
      // Nothing was granted yet: end the request itself, so it can never be approved later.
      if (r.requesterId().equals(actor.id())) {
        withdraw(requestId, actor);
      } else {
        deny(requestId, actor, reason);
      }
      return List.of();
    }
    List<Grant> revoked = new ArrayList<>();
    Instant now = now();
    for (Grant g : grants) {
      if (!g.statusAt(now).isTerminal()) {
        try {
          revoked.add(revoke(g.id(), actor, reason));
        } catch (OperationRefusedException e) {
          if (e.reason() != ReasonCode.GRANT_NOT_ACTIVE) {
            throw e;
          }
        }
      }
    }
    return revoked;
  }

  @Override
  public Grant extend(GrantId grantId, Subject actor, Duration extension, String reason) {
    Objects.requireNonNull(grantId, "grantId cannot be null");
    Objects.requireNonNull(actor, "actor cannot be null");
    Objects.requireNonNull(extension, "extension cannot be null");
    Objects.requireNonNull(reason, "reason cannot be null");
    Text.freeText("reason", reason);
    if (extension.isNegative() || extension.isZero()) {
      throw new InvalidInputException("extension", "extension must be positive, but was " + extension
          + "; to shorten a grant, revoke it and request a new one");
    }
    ensureOpen("extend", null);
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Instant now = now();
      Grant g = loadGrant(grantId, actor, "extend");
      PrivilegeRule rule = ruleForGrant(g, actor, now);
      boolean holder = g.subjectId().equals(actor.id());
      if (holder && rule.eligibility().denies(actor)) {
        // Self-extension is a self-service approval: deny rules win over it as over every allow.
        throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, "extend", ReasonCode.EXPLICITLY_DENIED,
            "A deny rule of the policy excludes " + Text.quote(actor.id()) + " from '" + g.privilege()
                + "'; the grant cannot be extended.", "Deny rules win over every allow; ask an administrator "
                + "to review the rule.", now, g);
      }
      // The holder may extend alone only where the policy says extensions need no approver, or would approve
      // a new request from them automatically; anyone else must be an approver of the privilege.
      boolean permitted = holder
          ? rule.eligibility().lists(actor) && (!rule.approval().extensionRequiresApproval()
              || rule.approval().autoApproval(actor, autoProbe(actor, g), now).isPresent())
          : rule.approval().mayApprove(actor, Set.of());
      if (!permitted) {
        if (holder) {
          throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, "extend", ReasonCode.SELF_APPROVAL,
              "Extending your own grant of '" + g.privilege() + "' needs an approver.", "Ask an approver to "
                  + "extend grant " + g.id() + ", or request the privilege again.", now, g);
        }
        throw notFound("grant", grantId.value(), actor, "extend", null, g, now);
      }
      if (!holder) {
        // An approver's extension is an approval of more time: it needs what an approval needs. One person may
        // extend alone only where one person's approval would have issued the grant (not a 2-of-N or multi-stage
        // rule), and gives a comment where the policy requires one.
        Approval alone = new Approval(actor.id(), now, reason, actor.groups(), null, null);
        if (!rule.approval().isSatisfied(List.of(alone), rule.escalation().fallbackGroups(false))) {
          throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, "extend", ReasonCode.NOT_PERMITTED,
              "Extending grant " + g.id() + " of '" + g.privilege() + "' needs the approvals a request needs "
                  + "(" + approversText(rule) + "); one approver cannot extend it alone.",
              "Have the holder request the privilege again, to be approved as the policy says.", now, g);
        }
        if (rule.approval().commentRequired() && reason.isBlank()) {
          throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, "extend", ReasonCode.COMMENT_REQUIRED,
              "The policy requires approvers of '" + g.privilege() + "' to give a reason, also to extend.",
              "Extend again with a reason.", now, g);
        }
      }
      GrantStatus status = g.statusAt(now);
      if (status.isTerminal()) {
        throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, "extend", ReasonCode.GRANT_NOT_ACTIVE,
            "Grant " + g.id() + " is " + status + "; an ended grant cannot be extended.",
            "Request the privilege again.", now, g);
      }
      Instant newExpiry = g.expiresAt().plus(extension);
      Instant cap = g.notBefore().plus(rule.limits().maxDuration());
      if (cap.isAfter(g.capExpiresAt())) {
        cap = g.capExpiresAt(); // the cap fixed at issue never grows, even if the policy was relaxed since
      }
      if (newExpiry.isAfter(cap)) {
        throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, "extend", ReasonCode.EXTENSION_EXCEEDS_CAP,
            "Extending grant " + g.id() + " by " + extension + " would end at " + newExpiry + ", past its cap "
                + cap + " (maximum duration " + Duration.between(g.notBefore(), cap) + " from its start).",
            "Extend by at most " + Duration.between(g.expiresAt(), cap) + ", or request the privilege again.",
            now, g);
      }
      Grant extended = g.toBuilder().validity(g.notBefore(), newExpiry, g.capExpiresAt()).version(g.version() + 1)
          .build();
      if (!grantUpdate(g, extended, actor, "extend", now)) {
        continue;
      }
      index.upsert(extended, this::denialsFor);
      warned.remove(extended.id()); // the expiry moved: warn again before the new one
      tryEmit(event(AuditEventType.EXTENDED, now, extended).actor(actor.id()).text(reason)
          .detail("from", g.expiresAt()).detail("to", newExpiry).build());
      return extended;
    }
    throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, "extend", ReasonCode.STORE_FAILURE,
        "Grant " + grantId + " kept changing.", "Retry.", now());
  }

  private static ElevationRequest autoProbe(Subject actor, Grant g) {
    return ElevationRequest.builder(actor, g.privilege()).build();
  }

  private PrivilegeRule ruleForGrant(Grant g, Subject actor, Instant now) {
    try {
      Optional<PrivilegeRule> rule = policy.ruleFor(g.privilege());
      if (rule.isPresent()) {
        return rule.get();
      }
    } catch (RuntimeException e) {
      LOG.error("policy failed for grant {}", g.id(), e);
      throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, "extend", ReasonCode.POLICY_FAILURE,
          "The policy could not be evaluated; nothing was changed.", "Retry.", now, g);
    }
    throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, "extend", ReasonCode.UNKNOWN_PRIVILEGE,
        "The policy no longer has a rule for '" + g.privilege() + "'.", "Ask an administrator.", now, g);
  }

  private boolean mayManage(Grant g, Subject actor) {
    return g.subjectId().equals(actor.id()) || isAdmin(actor) || mayApprove(g.privilege(), actor);
  }

  private boolean isAdmin(Subject actor) {
    try {
      return policy.isAdministrator(actor);
    } catch (RuntimeException e) {
      LOG.error("policy failed while checking administrator", e);
      return false;
    }
  }

  private boolean mayApprove(Privilege p, Subject actor) {
    return mayApprove(p, actor, false);
  }

  /** Whether the actor may approve, counting the rule's fallback groups once the request was escalated. */
  private boolean mayApprove(Privilege p, Subject actor, boolean escalated) {
    try {
      return policy.ruleFor(p).map(r -> r.approval().mayApprove(actor, r.escalation().fallbackGroups(escalated))).orElse(false);
    } catch (RuntimeException e) {
      LOG.error("policy failed while checking approver for {}", p, e);
      return false;
    }
  }

  private Grant loadGrant(GrantId id, Subject actor, String action) {
    Optional<Grant> g;
    try {
      g = store.findGrant(id);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while loading grant {}", id, e);
      throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, action, ReasonCode.STORE_FAILURE,
          "The grant store failed; nothing was changed.", "Retry; if it persists, tell the operators.", now());
    }
    if (g.isEmpty()) {
      throw notFound("grant", id.value(), actor, action, null, null, now());
    }
    return g.get();
  }

  private boolean grantUpdate(Grant expected, Grant updated, Subject actor, String action, Instant now) {
    try {
      return store.update(expected, updated);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while updating grant {}", expected.id(), e);
      throw refuse(AuditEventType.OPERATION_REFUSED, null, actor, action, ReasonCode.STORE_FAILURE,
          "The grant store failed; nothing was changed.", "Retry; if it persists, tell the operators.", now,
          expected);
    }
  }

  /**
   * After a store exception while issuing a grant: the store may have written it anyway (the SPI says never to assume
   * either way), and an unaudited grant must never become usable (for example by a restarted guard loading live
   * grants). So revoke it if it is there; if it is not, the compare-and-set simply does nothing.
   */
  private void revokeIfWritten(Grant issued, Instant now) {
    Grant revoked = issued.toBuilder().status(GrantStatus.REVOKED).version(issued.version() + 1)
        .ended(now, SYSTEM_ACTOR, "store failure").build();
    try {
      if (store.update(issued, revoked)) {
        LOG.warn("grant {} was written despite a store failure; revoked it, since it was never audited",
            issued.id());
      }
    } catch (RuntimeException e) {
      LOG.error("could not make sure grant {} was not written after a store failure; if it was, it is live but "
          + "unaudited: revoke it", issued.id(), e);
    }
  }

  /** Revokes a grant whose audit record failed: it must never be usable without one. */
  private void compensate(Grant grant, Instant now) {
    Grant revoked = grant.toBuilder().status(GrantStatus.REVOKED).version(grant.version() + 1)
        .ended(now, SYSTEM_ACTOR, "audit failure").build();
    try {
      if (!store.update(grant, revoked)) {
        LOG.error("could not revoke grant {} after an audit failure: it changed meanwhile", grant.id());
      }
      index.upsert(revoked, this::denialsFor);
    } catch (RuntimeException e) {
      LOG.error("could not revoke grant {} after an audit failure; it was never indexed, so checks deny it",
          grant.id(), e);
    }
  }

  // ---------------------------------------------------------------------------------------------------- lists

  @Override
  public List<RequestRecord> pendingRequests(Subject requester) {
    Objects.requireNonNull(requester, "requester cannot be null");
    Instant now = now();
    return store.requestsBy(requester.id()).stream()
        .filter(r -> r.status() == RequestStatus.PENDING && now.isBefore(r.expiresAt()))
        .sorted(Comparator.comparing(RequestRecord::createdAt)).toList();
  }

  @Override
  public List<RequestRecord> pendingApprovals(Subject approver) {
    Objects.requireNonNull(approver, "approver cannot be null");
    Instant now = now();
    List<RequestRecord> out = new ArrayList<>();
    for (RequestRecord r : store.pendingRequests()) {
      if (now.isBefore(r.expiresAt()) && !r.requesterId().equals(approver.id()) && !r.approvedBy(approver.id())
          && mayApprove(r.privilege(), approver, r.escalatedAt().isPresent())) {
        out.add(r);
      }
    }
    out.sort(Comparator.comparing(RequestRecord::createdAt));
    return out;
  }

  @Override
  public List<Grant> activeGrants(Subject subject) {
    Objects.requireNonNull(subject, "subject cannot be null");
    Instant now = now();
    return store.grantsOf(subject.id()).stream().filter(g -> !g.statusAt(now).isTerminal())
        .sorted(Comparator.comparing(Grant::expiresAt)).toList();
  }

  // ---------------------------------------------------------------------------------------------------- maintenance

  private void maintenanceTick() {
    try {
      runMaintenance();
    } catch (RuntimeException e) {
      LOG.error("JIT Guard maintenance failed; it will run again", e);
    }
  }

  @Override
  public synchronized void runMaintenance() {
    measureStoreClock();
    Instant now = now();
    long nowMs = now.toEpochMilli();
    String version = safeVersion();
    if (!version.equals(denialsPolicyVersion)) {
      denials.clear();
      denialsPolicyVersion = version;
    }
    List<RequestRecord> pendingNow;
    List<Grant> liveNow;
    try {
      pendingNow = store.pendingRequests();
      liveNow = store.liveGrants();
    } catch (RuntimeException e) {
      // Counters below are still flushed; expiry events wait for the next run (checks expire grants themselves).
      LOG.error("grant store failed during maintenance; expiry and reminders wait for the next run", e);
      pendingNow = List.of();
      liveNow = List.of();
    }
    for (RequestId w : List.copyOf(waiting.keySet())) {
      completeIfDecided(w);
    }
    for (RequestRecord r : pendingNow) {
      if (!now.isBefore(r.expiresAt())) {
        expireRequest(r, now);
      } else {
        remindOrEscalate(r, now);
      }
    }
    for (Grant g : liveNow) {
      warnBeforeExpiry(g, now);
      if (g.statusAt(now) == GrantStatus.EXPIRED) {
        warned.remove(g.id());
        Grant expired = g.toBuilder().status(GrantStatus.EXPIRED).version(g.version() + 1).build();
        try {
          if (store.update(g, expired)) {
            index.upsert(expired, this::denialsFor);
            tryEmit(event(AuditEventType.GRANT_EXPIRED, now, expired).actor(SYSTEM_ACTOR)
                .reason(ReasonCode.GRANT_EXPIRED).build());
          }
        } catch (RuntimeException e) {
          LOG.error("grant store failed while expiring grant {}", g.id(), e);
        }
      }
    }
    for (Slot s : index.slots()) {
      s.denials = denialsFor(s.privilege);
      for (Entry e : s.entries) {
        flushUses(e, now);
      }
      index.removeEntries(s, e -> e.grant.statusAtMillis(nowMs).isTerminal()
          && nowMs - Math.min(e.grant.expiresAt().toEpochMilli(), e.grant.endedAt().map(Instant::toEpochMilli)
              .orElse(Long.MAX_VALUE)) > INDEX_RETENTION_MILLIS
          && e.uses.sum() == 0);
      long denied = s.deniedChecks.sumThenReset();
      if (denied > 0 && !tryEmit(AuditEvent.builder(AuditEventType.CHECKS_DENIED, now).subject(s.subjectId)
          .privilege(s.privilege).count(denied).build())) {
        s.deniedChecks.add(denied);
      }
      s.resetFirstDenial();
      index.dropIfIdle(s);
    }
  }

  /** Reminds approvers, then escalates, once each, when the rule's delays have passed. */
  private void remindOrEscalate(RequestRecord r, Instant now) {
    PrivilegeRule rule;
    try {
      rule = policy.ruleFor(r.privilege()).orElse(null);
    } catch (RuntimeException e) {
      LOG.error("policy failed while checking reminders for request {}", r.id(), e);
      return;
    }
    if (rule == null) {
      return;
    }
    try {
      RequestRecord current = r;
      if (rule.escalation().remindAfter().isPresent() && current.remindedAt().isEmpty()
          && !now.isBefore(current.createdAt().plus(rule.escalation().remindAfter().get()))) {
        RequestRecord next = current.toBuilder().remindedAt(now).version(current.version() + 1).build();
        if (store.update(current, next)) {
          current = next;
          tryEmit(event(AuditEventType.REMINDER_SENT, now, next).actor(SYSTEM_ACTOR)
              .detail("approvers", rule.approval().approverGroups()).build());
          try {
            channel.remind(next, rule);
          } catch (RuntimeException e) {
            LOG.warn("approval channel failed to remind approvers of request {}", r.id(), e);
          }
        }
      }
      if (rule.escalation().escalateAfter().isPresent() && current.escalatedAt().isEmpty()
          && !now.isBefore(current.createdAt().plus(rule.escalation().escalateAfter().get()))) {
        RequestRecord next = current.toBuilder().escalatedAt(now).version(current.version() + 1).build();
        if (store.update(current, next)) {
          tryEmit(event(AuditEventType.ESCALATED, now, next).actor(SYSTEM_ACTOR)
              .detail("escalated_to", rule.escalation().groups()).build());
          try {
            channel.escalated(next, rule);
          } catch (RuntimeException e) {
            LOG.warn("approval channel failed to escalate request {}", r.id(), e);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.error("grant store failed while reminding or escalating request {}", r.id(), e);
    }
  }

  /** Sends GRANT_EXPIRING once per grant when the rule's lead time before expiry is reached. */
  private void warnBeforeExpiry(Grant g, Instant now) {
    if (g.statusAt(now) != GrantStatus.ACTIVE || warned.contains(g.id())) {
      return;
    }
    try {
      Optional<Duration> lead = policy.ruleFor(g.privilege()).flatMap(r -> r.limits().expiryWarning());
      if (lead.isPresent() && !now.isBefore(g.expiresAt().minus(lead.get())) && warned.add(g.id())) {
        tryEmit(event(AuditEventType.GRANT_EXPIRING, now, g).actor(SYSTEM_ACTOR)
            .detail("expires_at", g.expiresAt()).detail("left", Duration.between(now, g.expiresAt())).build());
      }
    } catch (RuntimeException e) {
      LOG.error("policy failed while checking the expiry warning of grant {}", g.id(), e);
    }
  }

  private void flushUses(Entry e, Instant now) {
    long uses = e.uses.sumThenReset();
    if (uses > 0 && !tryEmit(event(AuditEventType.USES, now, e.grant).count(uses).build())) {
      e.uses.add(uses);
    }
  }

  private void flushEntry(Grant g) {
    GrantIndex.Slot s = index.find(g.subjectId(), g.privilege());
    if (s != null) {
      for (Entry e : s.entries) {
        if (e.grant.id().equals(g.id())) {
          flushUses(e, now());
        }
      }
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception e) {
        LOG.warn("could not end the grant store subscription", e);
      }
    }
    if (maintenance != null) {
      maintenance.shutdown();
      try {
        maintenance.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    runMaintenance();
  }

  // ---------------------------------------------------------------------------------------------------- helpers

  private static String versionOf(ElevationPolicy p) {
    try {
      return p.version();
    } catch (RuntimeException e) {
      LOG.error("policy failed to report its version", e);
      return "unavailable";
    }
  }

  private String safeVersion() {
    try {
      return policy.version();
    } catch (RuntimeException e) {
      LOG.error("policy failed to report its version", e);
      return "unavailable";
    }
  }

  private void ensureOpen(String action, Subject actor) {
    if (closed) {
      throw new OperationRefusedException(new Decision.Denied(Privilege.of("jitguard.closed"),
          ReasonCode.GUARD_CLOSED, "Cannot " + action + ": the guard is closed.", "Retry later."));
    }
  }

  private void notifyDecided(RequestRecord r) {
    completeIfDecided(r.id());
    try {
      channel.requestDecided(r);
    } catch (RuntimeException e) {
      LOG.warn("approval channel failed to notify the decision on request {}", r.id(), e);
    }
  }

  /** Builds, audits and returns a refusal; the caller throws it. */
  private OperationRefusedException refuse(AuditEventType type, RequestRecord r, Subject actor, String action,
      ReasonCode reason, String message, String hint, Instant now) {
    return refuse(type, r, actor, action, reason, message, hint, now, null);
  }

  private OperationRefusedException refuse(AuditEventType type, RequestRecord r, Subject actor, String action,
      ReasonCode reason, String message, String hint, Instant now, Grant g) {
    Privilege p = r != null ? r.privilege() : g != null ? g.privilege() : null;
    AuditEvent.Builder e = AuditEvent.builder(type, now).actor(actor.id()).reason(reason).detail("action", action);
    if (r != null) {
      e.requestId(r.id()).subject(r.requesterId()).privilege(p).policyVersion(r.policyVersion());
    }
    if (g != null) {
      e.grantId(g.id()).subject(g.subjectId()).privilege(p);
    }
    tryEmit(e.build());
    return new OperationRefusedException(new Decision.Denied(p != null ? p : UNKNOWN, reason, message, hint));
  }

  private static final Privilege UNKNOWN = Privilege.of("unknown");

  /**
   * Unknown ids and ids the actor may not act on get the same answer, so ids cannot be probed: the refusal never
   * carries the real privilege (only the audit event, which the actor does not see, names it).
   */
  private OperationRefusedException notFound(String kind, String id, Subject actor, String action,
      RequestRecord r, Grant g, Instant now) {
    AuditEvent.Builder e = AuditEvent.builder(AuditEventType.OPERATION_REFUSED, now).actor(actor.id())
        .reason(ReasonCode.NOT_PERMITTED).detail("action", action).detail(kind, id);
    if (r != null) {
      e.requestId(r.id()).subject(r.requesterId()).privilege(r.privilege());
    }
    if (g != null) {
      e.grantId(g.id()).subject(g.subjectId()).privilege(g.privilege());
    }
    tryEmit(e.build());
    return new OperationRefusedException(new Decision.Denied(UNKNOWN, ReasonCode.NOT_PERMITTED,
        "No " + kind + " " + id + " that " + Text.quote(actor.id()) + " may " + action + ".",
        "Check the id; only the " + (kind.equals("grant") ? "holder, " : "requester, ")
            + "approvers of the privilege and administrators may act on it."));
  }

  private AuditEvent.Builder requestEvent(AuditEventType type, Instant now, ElevationRequest r, String version) {
    AuditEvent.Builder b = AuditEvent.builder(type, now).subject(r.subject().id()).actor(r.subject().id())
        .privilege(r.privilege()).policyVersion(version);
    if (!r.justification().isEmpty()) {
      b.text(r.justification());
    }
    r.ticket().ifPresent(t -> b.detail("ticket", t));
    r.action().ifPresent(a -> b.detail("action", a.action()).detail("argument_digest", a.argumentDigest())
        .detail("preview", a.preview()));
    return b;
  }

  private static AuditEvent.Builder event(AuditEventType type, Instant now, RequestRecord r) {
    return AuditEvent.builder(type, now).subject(r.requesterId()).privilege(r.privilege()).requestId(r.id())
        .policyVersion(r.policyVersion());
  }

  private static AuditEvent.Builder event(AuditEventType type, Instant now, Grant g) {
    return AuditEvent.builder(type, now).subject(g.subjectId()).privilege(g.privilege()).requestId(g.requestId())
        .grantId(g.id()).policyVersion(g.policyVersion());
  }

  private static AuditEvent grantedEvent(Grant g, Instant now, ReasonCode reason) {
    AuditEvent.Builder b = event(AuditEventType.GRANTED, now, g).reason(reason)
        .detail("not_before", g.notBefore()).detail("expires_at", g.expiresAt());
    g.usesGranted().ifPresent(u -> b.detail("uses", u));
    g.action().ifPresent(a -> b.detail("action", a).detail("argument_digest", g.argumentDigest().orElse("")));
    if (!g.approvers().isEmpty()) {
      b.detail("approvers", String.join(",", g.approvers()));
    }
    String actor = reason == ReasonCode.BREAK_GLASS ? g.subjectId()
        : g.approvers().isEmpty() ? POLICY_ACTOR : g.approvers().get(g.approvers().size() - 1);
    return b.actor(actor).build();
  }

  /** Records an event; false (and logged) if the sink failed. Listener failures are logged and ignored. */
  private boolean tryEmit(AuditEvent e) {
    try {
      audit.record(e);
    } catch (RuntimeException ex) {
      LOG.error("audit sink failed to record {} event; failing closed", e.type(), ex);
      return false;
    }
    for (Consumer<AuditEvent> l : listeners) {
      try {
        l.accept(e);
      } catch (RuntimeException ex) {
        LOG.warn("JIT Guard event listener failed on {} event; ignored", e.type(), ex);
      }
    }
    return true;
  }
}
