package dev.jitguard.internal;

import dev.jitguard.Amounts;
import dev.jitguard.Consistency;
import dev.jitguard.Decision;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.internal.GrantIndex.Entry;
import dev.jitguard.internal.GrantIndex.Slot;
import dev.jitguard.spi.GrantStore;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check: whether a subject may use a privilege now. One grant loop serves the plain check, the metered check
 * (with the call's amount) and the action check (with the call's binding). The plain allow path reads the index, the
 * guard's clock once and a use counter: no I/O and no allocation. A budgeted, metered or action grant is spent
 * through {@link GrantLifecycle#consume}, one compare-and-set in the store. With a store shared by several instances
 * the subject's slot is re-read from the store when older than the staleness bound (strict: on every check).
 *
 * <p>Thread-safe.
 */
public final class CheckPath {
  private static final Logger LOG = LoggerFactory.getLogger(CheckPath.class);
  private static final GrantStatus[] ENDED = {GrantStatus.REVOKED, GrantStatus.CONSUMED, GrantStatus.EXPIRED};

  private final GrantIndex index;
  private final GrantStore store;
  private final GrantLifecycle lifecycle;
  private final Explanations explanations;
  private final Ledger ledger;
  private final GuardClock clock;
  private final boolean shared;
  /** Closed with the guard: checks deny with GUARD_CLOSED (read on every check, so kept here, not behind a hop). */
  private volatile boolean closed;
  private final boolean strict;
  private final long stalenessMillis;

  CheckPath(GrantIndex index, GrantStore store, GrantLifecycle lifecycle, Explanations explanations, Ledger ledger,
      GuardClock clock, Consistency consistency) {
    this.index = index;
    this.store = store;
    this.lifecycle = lifecycle;
    this.explanations = explanations;
    this.ledger = ledger;
    this.clock = clock;
    this.shared = store.isShared();
    this.strict = consistency.isStrict();
    this.stalenessMillis = consistency.maxStaleness().toMillis();
  }

  /**
   * The plain check: time-bound and budgeted grants; never a metered or action grant.
   *
   * @param subject who acts
   * @param privilege what for
   * @return granted or denied
   */
  public Decision check(Subject subject, Privilege privilege) {
    Objects.requireNonNull(subject, "subject cannot be null");
    Objects.requireNonNull(privilege, "privilege cannot be null");
    return decide(subject, privilege, null, null);
  }

  /**
   * The check of a call that spends an amount: any unmetered grant allows it; a metered one if enough is left.
   *
   * @param subject who acts
   * @param privilege what for
   * @param amount what the call spends
   * @return granted (the amount counted) or denied
   */
  public Decision check(Subject subject, Privilege privilege, BigDecimal amount) {
    Objects.requireNonNull(subject, "subject cannot be null");
    Objects.requireNonNull(privilege, "privilege cannot be null");
    return decide(subject, privilege, null, Amounts.callAmount("amount", amount));
  }

  /**
   * The check of one exact call: only an action grant for the same action and arguments allows it.
   *
   * @param subject who calls
   * @param privilege the privilege the action needs
   * @param action the call
   * @param amount what the call spends, for a metered action; null if the check names none
   * @return granted (one use, or the amount, consumed) or denied
   */
  public Decision checkAction(Subject subject, Privilege privilege, ActionBinding action, BigDecimal amount) {
    Objects.requireNonNull(subject, "subject cannot be null");
    Objects.requireNonNull(privilege, "privilege cannot be null");
    Objects.requireNonNull(action, "action cannot be null");
    return decide(subject, privilege, action, amount);
  }

  /**
   * The one grant loop.
   *
   * @param action the call, for an action check; null for a plain or metered check
   * @param amount the call's amount; null when the check names none
   */
  private Decision decide(Subject subject, Privilege privilege, ActionBinding action, BigDecimal amount) {
    Slot slot = index.find(subject.id(), privilege);
    if (closed) {
      return deny(subject, privilege, slot, ReasonCode.GUARD_CLOSED);
    }
    long now = Long.MIN_VALUE; // read the clock only if some grant may still be live
    if (shared) {
      now = clock.nowMillis();
      // An action is spent through the store anyway, so its slot is always read afresh.
      if (strict || action != null || slot == null || now >= slot.freshUntil) {
        slot = freshSlot(subject, privilege, now);
        if (slot == null) {
          return deny(subject, privilege, index.find(subject.id(), privilege), ReasonCode.STORE_FAILURE);
        }
      }
    }
    if (slot == null) {
      return deny(subject, privilege, null, ReasonCode.NO_GRANT);
    }
    ReasonCode why = ReasonCode.NO_GRANT;
    boolean otherArguments = false;
    Grant tooSmall = null;
    for (Entry e : slot.live) {
      Grant g = e.grant;
      if (action == null ? g.isActionBound() : !g.isBoundToAction(action.action())) {
        continue; // an action grant is usable only by the check of its one call, and only for it
      }
      if (now == Long.MIN_VALUE) {
        now = clock.nowMillis();
      }
      GrantStatus status = g.statusAtMillis(now);
      if (status == GrantStatus.EXPIRED) {
        // The guard's time never goes backwards: it stays expired, and leaves the live array now.
        index.expired(slot, e, now);
      }
      if (action != null && !g.isBoundTo(action)) {
        otherArguments |= status == GrantStatus.ACTIVE;
        continue;
      }
      if (status != GrantStatus.ACTIVE) {
        why = moreTelling(why, reasonFor(status));
        continue;
      }
      if (g.isMetered()) {
        if (amount == null) {
          why = moreTelling(why, ReasonCode.AMOUNT_REQUIRED); // the check must say how much the call spends
        } else if (g.amountLeft().orElseThrow().compareTo(amount) >= 0) {
          return consume(subject, slot, g, amount);
        } else {
          tooSmall = g;
        }
        continue;
      }
      // Every action use and every budgeted use goes through the store: once means once, on every instance.
      return action != null || g.isBudgeted() ? consume(subject, slot, g, null) : use(subject, slot, e, g);
    }
    if (tooSmall != null) {
      return denyAmount(subject, slot, tooSmall, amount);
    }
    why = moreTelling(why, endedReason(slot, action));
    // What became of the grant for this very call (consumed, revoked, expired) tells more than an approval for other
    // arguments, whatever order the grants are in (it differs between instances sharing a store).
    if (why == ReasonCode.NO_GRANT && otherArguments) {
      why = ReasonCode.ACTION_MISMATCH;
    }
    return deny(subject, privilege, slot, why);
  }

  /** The index this check path reads (tests in this package look at it). */
  GrantIndex index() {
    return index;
  }

  /** From now on every check denies with GUARD_CLOSED. */
  void close() {
    closed = true;
  }

  /**
   * What became of the grants for this check that ended within the hour: the most telling of their reasons, or
   * NO_GRANT. The plain check reads one summary field; the action check the ended grants of its one call.
   */
  private static ReasonCode endedReason(Slot slot, ActionBinding action) {
    ReasonCode why = ReasonCode.NO_GRANT;
    if (action == null) {
      int bits = slot.plainEnded;
      if (bits != 0) {
        for (GrantStatus st : ENDED) {
          if ((bits & (1 << st.ordinal())) != 0) {
            why = moreTelling(why, reasonFor(st));
          }
        }
      }
      return why;
    }
    for (GrantIndex.Ended t : slot.ended) {
      if (t.status != null && t.isFor(action)) {
        why = moreTelling(why, reasonFor(t.status));
      }
    }
    return why;
  }

  /** The reason a check gives for a grant in this status. */
  static ReasonCode reasonFor(GrantStatus status) {
    return switch (status) {
      case SCHEDULED -> ReasonCode.GRANT_NOT_YET_ACTIVE;
      case REVOKED -> ReasonCode.GRANT_REVOKED;
      case CONSUMED -> ReasonCode.GRANT_CONSUMED;
      case EXPIRED -> ReasonCode.GRANT_EXPIRED;
      case ACTIVE -> ReasonCode.GRANTED;
    };
  }

  /** Of two reasons to deny, the one that tells the subject more about what to do. */
  private static ReasonCode moreTelling(ReasonCode current, ReasonCode candidate) {
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

  /**
   * A time-bound grant's use. Once a use of the grant is recorded, uses are counted and summarised by maintenance
   * (the allow path). Until then every use is recorded before it is granted: the first check records it, and a check
   * that comes while that record is still being written records its own, so no use is ever granted, and only counted,
   * while the record that would vouch for it is failing.
   */
  private Decision use(Subject subject, Slot slot, Entry e, Grant g) {
    if (e.useRecorded()) {
      e.increment();
      return g.toDecision();
    }
    boolean claimed = e.claimFirstUse();
    AuditEvent used = AuditEvents.of(AuditEventType.USED, Instant.ofEpochMilli(clock.nowMillis()), g)
        .actor(subject.id()).build();
    if (!ledger.record(used)) {
      if (claimed) {
        e.releaseFirstUse();
      }
      return deny(subject, g.privilege(), slot, ReasonCode.AUDIT_FAILURE);
    }
    e.markUseRecorded();
    return g.toDecision();
  }

  /** A budgeted, metered or action grant's use, spent in the store. */
  private Decision consume(Subject subject, Slot slot, Grant g, BigDecimal amount) {
    GrantLifecycle.Consumption c = lifecycle.consume(subject, g, amount);
    return switch (c.outcome()) {
      case GRANTED -> new Decision.Granted(c.grant(), ReasonCode.GRANTED, c.message(), "");
      case AMOUNT_EXCEEDED -> {
        index.upsert(c.grant());
        yield denyAmount(subject, slot, c.grant(), amount);
      }
      case GRANT_NOT_YET_ACTIVE, GRANT_REVOKED, GRANT_CONSUMED, GRANT_EXPIRED -> {
        index.upsert(c.grant());
        yield deny(subject, g.privilege(), slot, c.outcome());
      }
      default -> deny(subject, g.privilege(), slot, c.outcome());
    };
  }

  /** A metered grant with too little left: recorded like any check denial, answered with the figures. */
  private Decision.Denied denyAmount(Subject subject, Slot slot, Grant g, BigDecimal amount) {
    return explanations.amountExceeded(deny(subject, g.privilege(), slot, ReasonCode.AMOUNT_EXCEEDED), g, amount);
  }

  /**
   * A check denial: a cached decision; the first per reason and maintenance period is recorded now, later ones
   * counted and summarised by maintenance. A first record that fails is counted too, and the claim is kept for the
   * period: a failing or slow sink delays at most one denial per reason and period, never every denied check.
   */
  Decision.Denied deny(Subject subject, Privilege privilege, Slot slot, ReasonCode why) {
    Slot s = slot != null ? slot : index.denialSlot(subject.id(), privilege);
    Decision.Denied d = s.denials[why.ordinal()];
    if (s.claimFirstDenial(why)) {
      AuditEvent e = AuditEvent.builder(AuditEventType.CHECK_DENIED, Instant.ofEpochMilli(clock.nowMillis()))
          .subject(subject.id()).privilege(privilege).reason(why).build();
      if (!ledger.record(e)) {
        s.increment();
      }
    } else {
      s.increment();
    }
    return d;
  }

  // ------------------------------------------------------------------------------------------------ shared store

  /** Re-reads a slot from a shared store; null if the store failed. */
  private Slot freshSlot(Subject subject, Privilege privilege, long now) {
    List<Grant> live;
    try {
      live = store.liveGrants(subject.id(), privilege);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while checking {} for a subject", privilege, e);
      return null;
    }
    // A subject the store has nothing for gets a slot only within the bound on slots made by denials.
    Slot slot = live.isEmpty() ? index.denialSlot(subject.id(), privilege) : index.slot(subject.id(), privilege);
    if (!refreshSlot(slot, live, now)) {
      return null;
    }
    if (slot.dead) { // maintenance dropped it meanwhile: the grants just read went into the subject's new slot
      Slot current = index.find(subject.id(), privilege);
      if (current != null) {
        slot = current;
      }
    }
    slot.freshUntil = now + stalenessMillis;
    return slot;
  }

  /**
   * Brings a slot up to date with the store's live grants: newer versions replace older ones; a grant the index
   * still holds as live but the store no longer lists is re-read by id (revoked, consumed or expired elsewhere).
   *
   * @return false if a grant could not be read
   */
  private boolean refreshSlot(Slot slot, List<Grant> live, long now) {
    Set<GrantId> listed = new HashSet<>();
    for (Grant g : live) {
      listed.add(g.id());
      index.upsert(g);
    }
    for (Entry e : slot.live) {
      Grant g = e.grant;
      if (!listed.contains(g.id())) {
        try {
          Optional<Grant> current = store.findGrant(g.id());
          if (current.isPresent()) {
            index.upsert(current.get());
          } else {
            index.gone(slot, g.id(), now);
          }
        } catch (RuntimeException ex) {
          // A grant that cannot be read (a corrupt row, or the store failing) fails closed for its subject and
          // privilege: the check answers STORE_FAILURE, which tells the operators where to look.
          LOG.error("grant store failed while re-reading grant {}", g.id(), ex);
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Another instance changed a grant: take the store's version now, rather than at the end of the bound.
   *
   * @param id the grant that changed
   */
  void remoteChange(GrantId id) {
    try {
      store.findGrant(id).ifPresent(index::upsert);
    } catch (RuntimeException e) {
      LOG.warn("could not read grant {} after a change notification; re-reading every slot", id, e);
      for (Slot s : index.slots()) {
        s.freshUntil = 0;
      }
    }
  }
}
