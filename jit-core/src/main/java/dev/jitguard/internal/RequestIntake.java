package dev.jitguard.internal;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Page;
import dev.jitguard.PageRequest;
import dev.jitguard.Grant;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.spi.DuplicatePendingRequestException;
import dev.jitguard.spi.GrantStore;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request intake: a request is evaluated against the rule in force ({@link RequestEvaluator}), then approved at once
 * by a matching condition, or stored as the subject's one pending request for that privilege and call and delivered
 * to approvers; or it is denied, with why and what would make it eligible. Every outcome is recorded.
 *
 * <p>Thread-safe.
 */
public final class RequestIntake {
  private static final Logger LOG = LoggerFactory.getLogger(RequestIntake.class);

  private final GrantStore store;
  private final ApprovalChannel channel;
  private final RequestEvaluator evaluator;
  private final Explanations explanations;
  private final RequestDecisions decisions;
  private final PolicyChanges policyChanges;
  private final Ledger ledger;
  private final GuardClock clock;
  private final Gate gate;
  /** Striped locks making "find the pending request or insert a new one" atomic per subject and privilege. */
  private final Object[] requestLocks = new Object[64];

  RequestIntake(GrantStore store, ApprovalChannel channel, RequestEvaluator evaluator, Explanations explanations,
      RequestDecisions decisions, PolicyChanges policyChanges, Ledger ledger, GuardClock clock, Gate gate) {
    this.store = store;
    this.channel = channel;
    this.evaluator = evaluator;
    this.explanations = explanations;
    this.decisions = decisions;
    this.policyChanges = policyChanges;
    this.ledger = ledger;
    this.clock = clock;
    this.gate = gate;
    for (int i = 0; i < requestLocks.length; i++) {
      requestLocks[i] = new Object();
    }
  }

  /**
   * Takes a request.
   *
   * @param request what is asked
   * @return granted (auto-approved), pending (with who must approve) or denied (with why)
   */
  public Decision request(ElevationRequest request) {
    Objects.requireNonNull(request, "request cannot be null");
    Privilege p = request.privilege();
    if (gate.isClosed()) {
      return new Decision.Denied(p, ReasonCode.GUARD_CLOSED, "Denied because the guard is closed.",
          "The application is shutting down; retry later.");
    }
    Instant now = clock.now();
    RequestEvaluator.Evaluation ev = evaluator.evaluate(request, now);
    if (ev.denied()) {
      ledger.record(AuditEvents.request(AuditEventType.REQUEST_DENIED, now, request, ev.policyVersion())
          .reason(ev.reason()).actor(AuditEvents.POLICY_ACTOR).build());
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
    RequestRecord record = rb.approvalsRequired(rule.approval().approvalsRequired()).build();
    Decision existing;
    try {
      existing = insertUnlessPending(record, rule, now);
    } catch (RuntimeException e) {
      return storeFailure(request, now, ev.policyVersion(), e);
    }
    if (existing != null) {
      return existing;
    }
    AuditEvent requested = AuditEvents.request(AuditEventType.REQUESTED, now, request, ev.policyVersion())
        .requestId(record.id()).detail("duration", ev.duration())
        .detail("approvals_required", rule.approval().approvalsRequired())
        .detail("pending_until", record.expiresAt()).build();
    if (!ledger.record(requested)) {
      decisions.fail(record, now, ReasonCode.AUDIT_FAILURE);
      return new Decision.Denied(p, ReasonCode.AUDIT_FAILURE, "Denied because the audit trail could not record the "
          + "request for '" + p + "'.", "Retry; if it persists, tell the operators (fail closed).");
    }
    try {
      channel.requestPending(record, rule);
    } catch (RuntimeException e) {
      LOG.error("approval channel failed to deliver request {}", record.id(), e);
      decisions.fail(record, now, ReasonCode.APPROVAL_FAILURE);
      return new Decision.Denied(p, ReasonCode.APPROVAL_FAILURE, "Denied because the request for '" + p
          + "' could not be delivered to approvers.", "Retry; if it persists, tell the operators (fail closed).");
    }
    return explanations.pending(record, rule, "Request for '" + p + "' is waiting for approval.", now);
  }

  /**
   * One pending request per subject, privilege and call: a second ask gets the first. The look-up and the insert run
   * under one lock per (subject, privilege) stripe, so two concurrent asks cannot both insert within one guard; a
   * shared store enforces it across instances (DuplicatePendingRequestException), and then we look again.
   *
   * @return the pending answer for an existing request, or null if {@code record} was stored
   */
  private Decision insertUnlessPending(RequestRecord record, PrivilegeRule rule, Instant now) {
    ElevationRequest request = record.request();
    synchronized (requestLock(request.subject().id(), request.privilege())) {
      for (int attempt = 0; attempt < 3; attempt++) {
        for (RequestRecord existing : store.pendingRequestsBy(request.subject().id())) {
          if (existing.status() == RequestStatus.PENDING && existing.privilege().equals(request.privilege())
              && sameCall(existing.request(), request)) {
            if (existing.isPendingAt(now)) {
              return explanations.pending(existing, rule, "You already have a pending request for '"
                  + request.privilege() + "'.", now);
            }
            decisions.expire(existing, now);
          }
        }
        try {
          ledger.insert(record);
          return null;
        } catch (DuplicatePendingRequestException e) {
          LOG.debug("another instance created a pending request for the same subject, privilege and call; "
              + "looking again");
        }
      }
    }
    throw new IllegalStateException("a pending request kept appearing and disappearing");
  }

  private Object requestLock(String subjectId, Privilege p) {
    return requestLocks[Math.floorMod(31 * subjectId.hashCode() + p.hashCode(), requestLocks.length)];
  }

  /**
   * Whether two requests ask for the same thing, for the one-pending-request rule: the same time-bound elevation, or
   * the same exact call. Each action call needs its own approval, so requests for different calls never merge.
   */
  private static boolean sameCall(ElevationRequest a, ElevationRequest b) {
    if (a.action().isEmpty() || b.action().isEmpty()) {
      return a.action().isEmpty() && b.action().isEmpty();
    }
    return a.action().get().sameCall(b.action().get());
  }

  private Decision autoApprove(RequestRecord.Builder rb, ElevationRequest request, PrivilegeRule rule,
      RequestEvaluator.Evaluation ev, Instant now) {
    RequestId requestId = rb.build().id();
    Grant grant = GrantLifecycle.issue(requestId, request, rule, List.of(), now, ev.policyVersion(), ev.duration(),
        false);
    RequestRecord record = rb.status(RequestStatus.APPROVED).approvalsRequired(0)
        .decision(now, AuditEvents.POLICY_ACTOR, ReasonCode.AUTO_APPROVED, ev.auto().description())
        .grantId(grant.id()).build();
    Ledger.Write w = ledger.issue(record, grant, now,
        AuditEvents.request(AuditEventType.REQUESTED, now, request, ev.policyVersion()).requestId(requestId)
            .detail("duration", ev.duration()).build(),
        AuditEvents.request(AuditEventType.AUTO_APPROVED, now, request, ev.policyVersion()).requestId(requestId)
            .grantId(grant.id()).actor(AuditEvents.POLICY_ACTOR).reason(ReasonCode.AUTO_APPROVED).text(null)
            .detail("condition", ev.auto().description()).build(),
        AuditEvents.granted(grant, now, ReasonCode.AUTO_APPROVED));
    if (w == Ledger.Write.STORE_FAILED) {
      return storeFailure(request, now, ev.policyVersion(), null);
    }
    if (w != Ledger.Write.WON) {
      return new Decision.Denied(request.privilege(), ReasonCode.AUDIT_FAILURE, "Denied because the audit trail "
          + "could not record the grant of '" + request.privilege() + "'.",
          "Retry; if it persists, tell the operators (fail closed).");
    }
    if (policyChanges.afterIssue(grant)) {
      return PolicyChanges.endedAtIssue(grant);
    }
    return new Decision.Granted(grant, ReasonCode.AUTO_APPROVED, "Auto-approved ("
        + ev.auto().description() + "): " + grant.toDecision().message(), "");
  }

  /** A request denied because the store failed: recorded, answered with STORE_FAILURE. */
  Decision.Denied storeFailure(ElevationRequest request, Instant now, String version, RuntimeException e) {
    if (e != null) {
      LOG.error("grant store failed while handling a request for {}", request.privilege(), e);
    }
    ledger.record(AuditEvents.request(AuditEventType.REQUEST_DENIED, now, request, version)
        .reason(ReasonCode.STORE_FAILURE).actor(AuditEvents.SYSTEM_ACTOR).build());
    return new Decision.Denied(request.privilege(), ReasonCode.STORE_FAILURE, "Denied because the grant store "
        + "failed while handling the request for '" + request.privilege() + "'.",
        "Retry; if it persists, tell the operators (fail closed).");
  }

  /**
   * The subject's own pending requests, oldest first (creation time, then id).
   *
   * @param requester the requester
   * @return a snapshot
   */
  public List<RequestRecord> pendingRequests(Subject requester) {
    Objects.requireNonNull(requester, "requester cannot be null");
    return pendingRequests(requester, Integer.MAX_VALUE, null).items();
  }

  /**
   * A page of {@link #pendingRequests(Subject)}.
   *
   * @param requester the requester
   * @param page which page
   * @return the page
   */
  public Page<RequestRecord> pendingRequests(Subject requester, PageRequest page) {
    Objects.requireNonNull(requester, "requester cannot be null");
    Objects.requireNonNull(page, "page cannot be null");
    Paging.Position start = Paging.start(page, Paging.Listing.PENDING_REQUESTS, requester.id());
    return pendingRequests(requester, page.limit(), start).page(Paging.Listing.PENDING_REQUESTS, requester.id());
  }

  private Paging.Result<RequestRecord> pendingRequests(Subject requester, int limit, Paging.Position start) {
    Instant now = clock.now();
    List<RequestRecord> mine = store.pendingRequestsBy(requester.id()).stream().filter(r -> r.isPendingAt(now))
        .toList();
    return Paging.slice(mine, limit, start, RequestDecisions::position);
  }
}
