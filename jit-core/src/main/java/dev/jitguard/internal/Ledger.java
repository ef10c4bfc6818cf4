package dev.jitguard.internal;

import dev.jitguard.Grant;
import dev.jitguard.GrantStatus;
import dev.jitguard.RequestRecord;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.DuplicatePendingRequestException;
import dev.jitguard.spi.GrantStore;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only writer of the grant store: each write is one compare-and-set on the store together with its audit records,
 * or their compensation when the audit trail fails (a grant issued without its record is revoked at once; an approval
 * that could not be recorded is taken back). It also keeps the check index current with every grant it writes, and
 * tells listeners of every event the sink recorded.
 *
 * <p>Thread-safe.
 */
public final class Ledger {
  private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

  /** What became of a write. */
  public enum Write {
    /** Written and recorded. */
    WON,
    /** Someone else changed the record first; nothing was written. */
    LOST,
    /** The store failed; nothing is in effect (a grant that may have been written anyway was revoked). */
    STORE_FAILED,
    /** Written, but its record failed, so it was undone (a grant revoked, an approval or extension taken back). */
    AUDIT_FAILED_UNDONE,
    /**
     * Written and in effect, but its record failed: it only took access away or changed no access; its records are
     * kept and recorded again by maintenance.
     */
    AUDIT_FAILED_KEPT;

    /** @return true if the write is in effect */
    public boolean written() {
      return this == WON || this == AUDIT_FAILED_KEPT;
    }
  }

  private final GrantStore store;
  private final AuditSink audit;
  private final List<Consumer<AuditEvent>> listeners;
  private final GrantIndex index;
  /** Records of writes that stayed in effect while the sink failed, waiting to be recorded. */
  private final java.util.concurrent.ConcurrentLinkedQueue<AuditEvent> unrecorded =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private static final int MAX_UNRECORDED = 100_000;

  /**
   * Creates the ledger.
   *
   * @param store the grant store
   * @param audit the audit sink
   * @param listeners told of every recorded event
   * @param index the check index to keep current
   */
  public Ledger(GrantStore store, AuditSink audit, List<Consumer<AuditEvent>> listeners, GrantIndex index) {
    this.store = store;
    this.audit = audit;
    this.listeners = List.copyOf(listeners);
    this.index = index;
  }

  /**
   * Records one event; listeners are told after the sink recorded it, and their failures are ignored.
   *
   * @param e the event
   * @return false (and logged) if the sink failed
   */
  public boolean record(AuditEvent e) {
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

  private boolean recordAll(AuditEvent[] records) {
    for (AuditEvent e : records) {
      if (!record(e)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The records of a write that stays in effect though the sink failed (it only took access away): kept to be
   * recorded again by {@link #recordUnrecorded()}, in order, so the evidence is not lost while the process lives.
   */
  private void keepUnrecorded(AuditEvent[] records) {
    for (AuditEvent e : records) {
      if (unrecorded.size() >= MAX_UNRECORDED) {
        LOG.error("{} audit records wait for the sink; dropping a {} record of {}", MAX_UNRECORDED, e.type(),
            e.grantId().map(Object::toString).orElse(e.requestId().map(Object::toString).orElse("the guard")));
        continue;
      }
      unrecorded.add(e);
    }
  }

  /**
   * Records again what a failing sink refused for writes that stayed in effect (maintenance calls this), oldest
   * first, until the sink fails again.
   *
   * @return how many are still waiting
   */
  public int recordUnrecorded() {
    AuditEvent e;
    while ((e = unrecorded.peek()) != null) {
      if (!record(e)) {
        break;
      }
      unrecorded.poll();
    }
    return unrecorded.size();
  }

  /**
   * Stores a new pending request. Its record is written by the caller once the request is stored, since a request
   * that was refused as a duplicate is answered with the existing one.
   *
   * @param request the request, version 0
   * @throws DuplicatePendingRequestException if the store already has a pending request for the same thing
   * @throws RuntimeException if the store failed
   */
  public void insert(RequestRecord request) {
    store.insert(request);
  }

  /**
   * Stores a request that was decided at once together with its grant (auto-approval, break-glass), then records it.
   *
   * @param request the request, APPROVED
   * @param grant the grant it produced
   * @param now the guard's time, for a compensation
   * @param records the audit records, in order
   * @return WON, STORE_FAILED or AUDIT_FAILED_UNDONE
   */
  public Write issue(RequestRecord request, Grant grant, Instant now, AuditEvent... records) {
    try {
      store.insert(request, grant);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while storing request {} with its grant", request.id(), e);
      revokeIfWritten(grant, now);
      return Write.STORE_FAILED;
    }
    if (!recordAll(records)) {
      compensate(grant, now);
      return Write.AUDIT_FAILED_UNDONE;
    }
    index.upsert(grant);
    return Write.WON;
  }

  /**
   * One transition of a request, with the grant it issues if any, then its records. If a record fails: a grant issued
   * is revoked at once; a transition that {@code mayUndo} is taken back (the request is written again as it was, so an
   * approval, a denial or a withdrawal that was not recorded was not made), unless someone built on it meanwhile; any
   * other stays in effect (it only ended a request or reminded someone); the records of what stays in effect are
   * recorded again later.
   *
   * @param expected the version read
   * @param next the next version
   * @param issued the grant the transition issues, or null
   * @param mayUndo whether the transition is taken back when its record fails
   * @param now the guard's time, for a compensation
   * @param records the audit records, in order
   * @return the outcome
   */
  public Write update(RequestRecord expected, RequestRecord next, Grant issued, boolean mayUndo, Instant now,
      AuditEvent... records) {
    boolean won;
    try {
      won = issued == null ? store.update(expected, next) : store.update(expected, next, issued);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while updating request {}", expected.id(), e);
      if (issued != null) {
        revokeIfWritten(issued, now);
      }
      return Write.STORE_FAILED;
    }
    if (!won) {
      return Write.LOST;
    }
    if (issued != null) {
      if (!recordAll(records)) {
        compensate(issued, now);
        return Write.AUDIT_FAILED_UNDONE;
      }
      index.upsert(issued);
      return Write.WON;
    }
    if (recordAll(records)) {
      return Write.WON;
    }
    if (mayUndo) {
      RequestRecord undone = expected.toBuilder().version(next.version() + 1).build();
      try {
        if (store.update(next, undone)) {
          return Write.AUDIT_FAILED_UNDONE;
        }
        LOG.error("could not take back the unrecorded change of request {}: it changed meanwhile", next.id());
      } catch (RuntimeException e) {
        LOG.error("could not take back the unrecorded change of request {}", next.id(), e);
      }
    }
    LOG.error("request {} is {} but its audit record failed; it will be recorded again", next.id(), next.status());
    keepUnrecorded(records);
    return Write.AUDIT_FAILED_KEPT;
  }

  /**
   * One transition of a grant, then its records; the check index takes the new version.
   *
   * @param expected the version read
   * @param next the next version
   * @param records the audit records, in order
   * @return WON, LOST, STORE_FAILED or AUDIT_FAILED_KEPT
   */
  public Write update(Grant expected, Grant next, AuditEvent... records) {
    return update(expected, next, null, false, records);
  }

  /**
   * One transition of a grant, then its records; the check index takes the new version, then {@code beforeRecords}
   * runs (a grant that ended flushes its use counter, so its uses are recorded before its end). If a record fails, a
   * transition that gives access ({@code givesAccess}: an extension) is taken back, so no grant lasts longer without a
   * record; one that takes access away stays in effect, and its records are recorded again later.
   *
   * @param expected the version read
   * @param next the next version
   * @param beforeRecords run after the write and before the records, or null
   * @param givesAccess whether the transition gives access (then it is undone when its record fails)
   * @param records the audit records, in order
   * @return WON, LOST, STORE_FAILED, AUDIT_FAILED_UNDONE or AUDIT_FAILED_KEPT
   */
  public Write update(Grant expected, Grant next, Runnable beforeRecords, boolean givesAccess,
      AuditEvent... records) {
    boolean won;
    try {
      won = store.update(expected, next);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while updating grant {}", expected.id(), e);
      return Write.STORE_FAILED;
    }
    if (!won) {
      return Write.LOST;
    }
    index.upsert(next);
    if (beforeRecords != null) {
      beforeRecords.run();
    }
    if (recordAll(records)) {
      return Write.WON;
    }
    if (givesAccess) {
      Grant undone = expected.toBuilder().version(next.version() + 1).build();
      try {
        if (store.update(next, undone)) {
          index.upsert(undone);
          return Write.AUDIT_FAILED_UNDONE;
        }
        LOG.error("could not take back the unrecorded change of grant {}: it changed meanwhile", next.id());
      } catch (RuntimeException e) {
        LOG.error("could not take back the unrecorded change of grant {}", next.id(), e);
      }
    }
    LOG.error("grant {} is {} but its audit record failed; it will be recorded again", next.id(),
        next.storedStatus());
    keepUnrecorded(records);
    return Write.AUDIT_FAILED_KEPT;
  }

  /**
   * After a store exception while issuing a grant: the store may have written it anyway (the SPI says never to assume
   * either way), and an unaudited grant must never become usable (for example by a restarted guard loading live
   * grants). So revoke it if it is there; if it is not, the compare-and-set simply does nothing.
   */
  private void revokeIfWritten(Grant issued, Instant now) {
    Grant revoked = issued.toBuilder().status(GrantStatus.REVOKED).version(issued.version() + 1)
        .ended(now, AuditEvents.SYSTEM_ACTOR, "store failure").build();
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

  /**
   * Revokes a grant whose audit record failed: it must never be usable without one. If it changed meanwhile (a use on
   * another instance), the revocation is tried again on the version now stored.
   */
  private void compensate(Grant grant, Instant now) {
    Grant current = grant;
    for (int attempt = 0; attempt < 100; attempt++) {
      if (current.storedStatus().isTerminal()) {
        index.upsert(current);
        return;
      }
      Grant revoked = current.toBuilder().status(GrantStatus.REVOKED).version(current.version() + 1)
          .ended(now, AuditEvents.SYSTEM_ACTOR, "audit failure").build();
      try {
        if (store.update(current, revoked)) {
          index.upsert(revoked);
          // The grant's own records failed; this one says it was taken back, for when the sink answers again.
          keepUnrecorded(new AuditEvent[] {AuditEvents.of(dev.jitguard.event.AuditEventType.REVOKED, now, revoked)
              .actor(AuditEvents.SYSTEM_ACTOR).reason(dev.jitguard.ReasonCode.AUDIT_FAILURE)
              .text("its grant could not be recorded, so it was revoked at once").build()});
          return;
        }
        java.util.Optional<Grant> reread = store.findGrant(grant.id());
        if (reread.isEmpty()) {
          return;
        }
        current = reread.get();
      } catch (RuntimeException e) {
        LOG.error("could not revoke grant {} after an audit failure; if it was written it is live but unaudited: "
            + "revoke it", grant.id(), e);
        return;
      }
    }
    LOG.error("could not revoke grant {} after an audit failure: it kept changing; revoke it", grant.id());
  }
}
