package dev.jitguard.internal;

import dev.jitguard.Decision;
import dev.jitguard.Grant;
import dev.jitguard.InvalidInputException;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.spi.GrantStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Park-and-resume: callers waiting for the decision on a request. Only those who may see the request wait for it
 * (its requester, approvers of its privilege, administrators); anyone else is answered at once, in the same words as
 * for an id that does not exist. Waiters are completed when the request reaches a final status, on this instance by
 * the transition itself, and for transitions made elsewhere by maintenance.
 *
 * <p>Thread-safe.
 */
public final class DecisionWaiters {
  private static final Logger LOG = LoggerFactory.getLogger(DecisionWaiters.class);

  private final GrantStore store;
  private final ApprovalDecider decider;
  private final Ledger ledger;
  private final GuardClock clock;
  private final ConcurrentHashMap<RequestId, CompletableFuture<Decision>> waiting = new ConcurrentHashMap<>();

  DecisionWaiters(GrantStore store, ApprovalDecider decider, Ledger ledger, GuardClock clock) {
    this.store = store;
    this.decider = decider;
    this.ledger = ledger;
    this.clock = clock;
  }

  /**
   * A future completed with the decision once the request is final; completed at once if it already is, or if the
   * waiter may not see the request.
   *
   * @param requestId the request
   * @param waiter who waits
   * @return a copy of the shared future: completing or cancelling it does not disturb other waiters
   */
  public CompletableFuture<Decision> decisionFuture(RequestId requestId, Subject waiter) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    Objects.requireNonNull(waiter, "waiter cannot be null");
    Optional<Decision.Denied> refused = refuseUnlessVisible(requestId, waiter);
    if (refused.isPresent()) {
      return CompletableFuture.completedFuture(refused.get());
    }
    CompletableFuture<Decision> f = waiting.computeIfAbsent(requestId, k -> new CompletableFuture<>());
    completeIfDecided(requestId);
    return f.thenApply(d -> d);
  }

  /**
   * Waits, bounded and interruptibly, for the decision. On timeout the answer is a denial with
   * {@link ReasonCode#PENDING_APPROVAL}; the request stays pending.
   *
   * @param requestId the request
   * @param waiter who waits
   * @param timeout how long, at most 24 hours
   * @return the decision
   * @throws InterruptedException if interrupted while waiting
   */
  public Decision awaitDecision(RequestId requestId, Subject waiter, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout cannot be null");
    if (timeout.isNegative() || timeout.compareTo(Duration.ofHours(24)) > 0) {
      throw new InvalidInputException("timeout", "timeout must be between PT0S and PT24H, but was " + timeout);
    }
    CompletableFuture<Decision> f = decisionFuture(requestId, waiter);
    try {
      return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(false);
      Optional<RequestRecord> r = store.findRequest(requestId);
      return new Decision.Denied(r.map(RequestRecord::privilege).orElse(Refusals.UNKNOWN),
          ReasonCode.PENDING_APPROVAL, "No decision on request " + requestId + " within " + timeout + ".",
          "Wait longer, or ask an approver.");
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for request " + requestId + " failed", e.getCause());
    }
  }

  /** The same answer as for an unknown id, unless the waiter may see the request. */
  private Optional<Decision.Denied> refuseUnlessVisible(RequestId id, Subject waiter) {
    Optional<RequestRecord> r;
    try {
      r = store.findRequest(id);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while looking up request {} for a waiter", id, e);
      return Optional.of(new Decision.Denied(Refusals.UNKNOWN, ReasonCode.STORE_FAILURE, "The grant store failed "
          + "while looking up request " + id + ".", "Retry; if it persists, tell the operators."));
    }
    if (r.isPresent() && decider.maySee(waiter, r.get().requesterId(), r.get().privilege(),
        r.get().escalatedAt().isPresent())) {
      return Optional.empty();
    }
    Instant now = clock.now();
    AuditEvent.Builder e = AuditEvent.builder(AuditEventType.OPERATION_REFUSED, now).actor(waiter.id())
        .reason(ReasonCode.NOT_PERMITTED).detail("action", "await").detail("request", id.value());
    r.ifPresent(x -> e.requestId(x.id()).subject(x.requesterId()).privilege(x.privilege()));
    ledger.record(e.build());
    return Optional.of(Refusals.notFoundDecision("request", id.value(), waiter, "await"));
  }

  /**
   * Completes the waiters of a request once it reached a final status.
   *
   * @param id the request
   */
  void completeIfDecided(RequestId id) {
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
      if (waiting.remove(id, f)) {
        f.complete(new Decision.Denied(Refusals.UNKNOWN, ReasonCode.NOT_PERMITTED, "Request " + id + " is gone.",
            "Check the id."));
      }
      return;
    }
    RequestRecord r = found.get();
    if (!r.status().isTerminal()) {
      return;
    }
    Decision d;
    if (r.status() == RequestStatus.APPROVED && r.grantId().isPresent()) {
      Optional<Grant> g = store.findGrant(r.grantId().get());
      d = g.<Decision>map(Grant::toDecision).orElseGet(() -> new Decision.Denied(r.privilege(),
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

  /** Completes every waiter whose request became final (maintenance: transitions made on other instances). */
  void completeAllDecided() {
    for (RequestId w : List.copyOf(waiting.keySet())) {
      completeIfDecided(w);
    }
  }
}
