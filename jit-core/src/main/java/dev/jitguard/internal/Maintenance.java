package dev.jitguard.internal;

import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.RequestRecord;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.internal.GrantIndex.Ended;
import dev.jitguard.internal.GrantIndex.Entry;
import dev.jitguard.internal.GrantIndex.Slot;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard's periodic work: measure a shared store's clock, apply a policy change made without a notice, record
 * again what a failing sink refused for writes that stayed in effect, complete
 * waiters whose request was decided elsewhere, expire pending requests, remind approvers and escalate, warn before
 * grants expire and mark expired ones, and summarise the use and denial counters of the check path in the audit
 * trail. Expiry itself never waits for this: every check and operation decides it from the grant's times.
 *
 * <p>Thread-safe; runs are serialised.
 */
public final class Maintenance {
  private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);
  /** How long an expired, revoked or consumed grant stays in the check index to explain denials. */
  private static final long INDEX_RETENTION_MILLIS = Duration.ofHours(1).toMillis();

  private final ElevationPolicy policy;
  private final GrantStore store;
  private final ApprovalChannel channel;
  private final GrantIndex index;
  private final GrantLifecycle lifecycle;
  private final RequestDecisions decisions;
  private final DecisionWaiters waiters;
  private final PolicyChanges policyChanges;
  private final Ledger ledger;
  private final GuardClock clock;
  /** Grants whose expiry warning was sent by this guard; trimmed when they end or their expiry moves. */
  private final Set<GrantId> warned = ConcurrentHashMap.newKeySet();

  Maintenance(ElevationPolicy policy, GrantStore store, ApprovalChannel channel, GrantIndex index,
      GrantLifecycle lifecycle, RequestDecisions decisions, DecisionWaiters waiters, PolicyChanges policyChanges, Ledger ledger, GuardClock clock) {
    this.policy = policy;
    this.store = store;
    this.channel = channel;
    this.index = index;
    this.lifecycle = lifecycle;
    this.decisions = decisions;
    this.waiters = waiters;
    this.policyChanges = policyChanges;
    this.ledger = ledger;
    this.clock = clock;
  }

  /** Runs once; see the class description. */
  public synchronized void run() {
    clock.measure(store);
    Instant now = clock.now();
    policyChanges.applyIfChanged();
    int waiting = ledger.recordUnrecorded();
    if (waiting > 0) {
      LOG.error("{} audit records of writes still wait for the audit sink", waiting);
    }
    List<RequestRecord> pendingNow;
    List<Grant> liveNow;
    try {
      pendingNow = store.pendingRequests();
      liveNow = dueGrants(now);
    } catch (RuntimeException e) {
      // Counters below are still flushed; expiry events wait for the next run (checks expire grants themselves).
      LOG.error("grant store failed during maintenance; expiry and reminders wait for the next run", e);
      pendingNow = List.of();
      liveNow = List.of();
    }
    waiters.completeAllDecided();
    for (RequestRecord r : pendingNow) {
      if (!r.isPendingAt(now)) {
        decisions.expire(r, now);
      } else {
        remindOrEscalate(r, now);
      }
    }
    for (Grant g : liveNow) {
      warnBeforeExpiry(g, now);
      if (lifecycle.expire(g, now)) {
        warned.remove(g.id());
      }
    }
    long nowMs = now.toEpochMilli();
    index.newPeriod();
    for (Slot s : index.slots()) {
      for (Entry e : s.live) {
        if (e.grant.statusAtMillis(nowMs) == GrantStatus.EXPIRED) {
          index.expired(s, e, nowMs); // ended: it leaves the live array, its uses are flushed below
        } else {
          flushUses(e, now);
        }
      }
      for (Ended t : s.ended) {
        flushRetired(t, now);
      }
      index.removeEnded(s, t -> t.retired == null && nowMs - t.endedAtMillis > INDEX_RETENTION_MILLIS);
      long denied = s.drain();
      if (denied > 0) {
        AuditEvent.Builder summary = AuditEvent.builder(AuditEventType.CHECKS_DENIED, now).privilege(s.privilege)
            .count(denied);
        if (s.subjectId != null) {
          summary.subject(s.subjectId);
        } else {
          summary.detail("subjects", "beyond " + GrantIndex.MAX_DENIAL_SLOTS + " without a grant this period");
        }
        if (!ledger.record(summary.build())) {
          s.add(denied);
        }
      }
      s.resetFirstDenial();
      index.dropIfIdle(s);
    }
  }

  /**
   * Flushes the uses counted in a grant that left the live array; its entry is let go once a second run found nothing
   * more to flush (a check that read it just before it ended may still have counted a use).
   */
  private void flushRetired(Ended t, Instant now) {
    Entry r = t.retired;
    if (r == null) {
      return;
    }
    boolean nothing = r.pending() == 0;
    flushUses(r, now);
    if (nothing && t.flushes > 0) {
      t.retired = null;
    }
    t.flushes++;
  }

  /**
   * A grant ended or its expiry moved: its uses so far are summarised now, and it will be warned about again.
   *
   * @param g the grant's new version
   */
  void grantChanged(Grant g) {
    warned.remove(g.id());
    Slot s = index.find(g.subjectId(), g.privilege());
    if (s != null) {
      for (Entry e : s.live) {
        if (e.grant.id().equals(g.id())) {
          flushUses(e, clock.now());
        }
      }
      for (Ended t : s.ended) {
        Entry r = t.retired;
        if (r != null && t.id.equals(g.id())) {
          flushUses(r, clock.now());
        }
      }
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
    RequestRecord current = r;
    Optional<Duration> remind = rule.escalation().remindAfter();
    if (remind.isPresent() && current.remindedAt().isEmpty() && !now.isBefore(current.createdAt().plus(remind.get()))) {
      RequestRecord next = current.toBuilder().remindedAt(now).version(current.version() + 1).build();
      if (ledger.update(current, next, null, false, now, AuditEvents.of(AuditEventType.REMINDER_SENT, now, next)
          .actor(AuditEvents.SYSTEM_ACTOR).detail("approvers", rule.approval().approverGroups()).build()).written()) {
        current = next;
        try {
          channel.remind(next, rule);
        } catch (RuntimeException e) {
          LOG.warn("approval channel failed to remind approvers of request {}", r.id(), e);
        }
      }
    }
    Optional<Duration> escalate = rule.escalation().escalateAfter();
    if (escalate.isPresent() && current.escalatedAt().isEmpty()
        && !now.isBefore(current.createdAt().plus(escalate.get()))) {
      RequestRecord next = current.toBuilder().escalatedAt(now).version(current.version() + 1).build();
      if (ledger.update(current, next, null, false, now, AuditEvents.of(AuditEventType.ESCALATED, now, next)
          .actor(AuditEvents.SYSTEM_ACTOR).detail("escalated_to", rule.escalation().groups()).build()).written()) {
        try {
          channel.escalated(next, rule);
        } catch (RuntimeException e) {
          LOG.warn("approval channel failed to escalate request {}", r.id(), e);
        }
      }
    }
  }

  /** Sends GRANT_EXPIRING once per grant when the rule's lead time before expiry is reached. */
  /**
   * The live grants this run may expire or warn about: those ending by now plus the longest expiry warning of any
   * rule. A policy that cannot list its rules (or fails to) gets every live grant, as before.
   */
  private List<Grant> dueGrants(Instant now) {
    Optional<Duration> lead;
    try {
      lead = policy.allRules().map(rules -> rules.stream()
          .map(r -> r.limits().expiryWarning().orElse(Duration.ZERO)).max(Duration::compareTo).orElse(Duration.ZERO));
    } catch (RuntimeException e) {
      LOG.warn("policy failed to list its rules; maintenance reads every live grant this run", e);
      lead = Optional.empty();
    }
    return lead.isPresent() ? store.liveGrantsEndingBy(now.plus(lead.get())) : store.liveGrants();
  }

  private void warnBeforeExpiry(Grant g, Instant now) {
    if (g.statusAt(now) != GrantStatus.ACTIVE || warned.contains(g.id())) {
      return;
    }
    try {
      Optional<Duration> lead = policy.ruleFor(g.privilege()).flatMap(r -> r.limits().expiryWarning());
      if (lead.isPresent() && !now.isBefore(g.expiresAt().minus(lead.get())) && warned.add(g.id())) {
        ledger.record(AuditEvents.of(AuditEventType.GRANT_EXPIRING, now, g).actor(AuditEvents.SYSTEM_ACTOR)
            .detail("expires_at", g.expiresAt()).detail("left", Duration.between(now, g.expiresAt())).build());
      }
    } catch (RuntimeException e) {
      LOG.error("policy failed while checking the expiry warning of grant {}", g.id(), e);
    }
  }

  private void flushUses(Entry e, Instant now) {
    long uses = e.drain();
    if (uses > 0 && !ledger.record(AuditEvents.of(AuditEventType.USES, now, e.grant).count(uses).build())) {
      e.add(uses);
    }
  }
}
