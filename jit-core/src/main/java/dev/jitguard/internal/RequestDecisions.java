package dev.jitguard.internal;

import dev.jitguard.Approval;
import dev.jitguard.ApprovalContext;
import dev.jitguard.Decision;
import dev.jitguard.Grant;
import dev.jitguard.InvalidInputException;
import dev.jitguard.OperationRefusedException;
import dev.jitguard.Page;
import dev.jitguard.PageRequest;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.internal.util.Text;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.rule.PrivilegePattern;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spi.RequestPosition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a request after intake: approvers approve or deny it (each act authorized by
 * {@link ApprovalDecider}, the grant issued once the rule's threshold is met), its requester withdraws it, it expires,
 * or a failure denies it; revoking a request ends it or the grants it produced. Every transition is one
 * compare-and-set through the {@link Ledger}; waiters and the approval channel are told of final outcomes.
 *
 * <p>Thread-safe.
 */
public final class RequestDecisions {
  private static final Logger LOG = LoggerFactory.getLogger(RequestDecisions.class);

  private final GrantStore store;
  private final ApprovalChannel channel;
  private final ApprovalDecider decider;
  private final GrantLifecycle lifecycle;
  private final PolicyChanges policyChanges;
  private final Explanations explanations;
  private final Ledger ledger;
  private final Refusals refusals;
  private final GuardClock clock;
  private final Gate gate;
  private final DecisionWaiters waiters;

  RequestDecisions(GrantStore store, ApprovalChannel channel, ApprovalDecider decider, GrantLifecycle lifecycle,
      PolicyChanges policyChanges, Explanations explanations, Ledger ledger, Refusals refusals, GuardClock clock,
      Gate gate, DecisionWaiters waiters) {
    this.store = store;
    this.channel = channel;
    this.decider = decider;
    this.lifecycle = lifecycle;
    this.policyChanges = policyChanges;
    this.explanations = explanations;
    this.ledger = ledger;
    this.refusals = refusals;
    this.clock = clock;
    this.gate = gate;
    this.waiters = waiters;
  }

  // ------------------------------------------------------------------------------------------------ approve

  /**
   * Approves a pending request; issues the grant when this was the last approval the rule needs.
   *
   * @param shortenTo the longest duration this approver accepts, or null
   * @param context the channel and how it authenticated the approver, or null
   * @return granted, or pending with what is still missing
   */
  public Decision approve(RequestId requestId, Subject approver, String comment, Duration shortenTo,
      ApprovalContext context) {
    input(requestId, approver, comment);
    if (shortenTo != null && (shortenTo.isNegative() || shortenTo.isZero())) {
      throw new InvalidInputException("shortenTo", "shortenTo must be positive, but was " + shortenTo
          + "; to refuse the request, deny it");
    }
    gate.ensureOpen("approve");
    for (int attempt = 0; attempt < GrantLifecycle.MAX_ATTEMPTS; attempt++) {
      Instant now = clock.now();
      RequestRecord r = load(requestId, approver, "approve", now);
      Authorization auth = decider.authorize(ApprovalDecider.Act.APPROVE, approver, ApprovalDecider.Target.of(r),
          comment, now);
      decidable(r, approver, "approve", now);
      PrivilegeRule rule = auth.rule();
      Duration requested = r.request().duration().orElse(rule.limits().defaultDuration());
      if (shortenTo != null && shortenTo.compareTo(requested) > 0) {
        throw refusals.refuse(r, approver, "approve", ReasonCode.DURATION_EXCEEDS_MAX, "An approver may shorten the "
            + "requested " + requested + ", never lengthen it (asked " + shortenTo + ").", "Approve with at most "
            + requested + ".", now);
      }
      List<Approval> approvals = new ArrayList<>(r.approvals());
      approvals.add(new Approval(approver.id(), now, comment, approver.groups(), shortenTo, context));
      boolean escalated = r.escalatedAt().isPresent();
      // The rule in force decides; a rule relaxed since the request never lowers the count recorded with it.
      boolean satisfied = rule.approval().isSatisfied(approvals, rule.escalation().fallbackGroups(escalated))
          && approvals.size() >= r.approvalsRequired();
      Optional<Decision> d = satisfied ? issue(r, auth, approvals, requested, comment, context, now)
          : recordApproval(r, auth, approvals, comment, context, now);
      if (d.isPresent()) {
        return d.get();
      }
    }
    throw refusals.refuse((RequestRecord) null, approver, "approve", ReasonCode.STORE_FAILURE, "Request " + requestId
        + " kept changing; gave up after " + GrantLifecycle.MAX_ATTEMPTS + " attempts.", "Retry.", clock.now());
  }

  /** An approval short of the threshold: recorded, or taken back if its record fails. Empty if the request changed. */
  private Optional<Decision> recordApproval(RequestRecord r, Authorization auth, List<Approval> approvals,
      String comment, ApprovalContext context, Instant now) {
    PrivilegeRule rule = auth.rule();
    RequestRecord next = r.toBuilder().approvals(approvals).version(r.version() + 1).build();
    Ledger.Write w = ledger.update(r, next, null, true, now,
        AuditEvents.withContext(AuditEvents.of(AuditEventType.APPROVAL_RECORDED, now, next)
            .actor(auth.actor().id()).reason(ReasonCode.PENDING_APPROVAL).text(comment)
            .detail("approvals", approvals.size() + "/" + Math.max(r.approvalsRequired(),
                rule.approval().approvalsRequired())), context).build());
    return switch (w) {
      case LOST -> Optional.empty();
      case WON, AUDIT_FAILED_KEPT -> Optional.of(explanations.pending(next, rule, "Approval recorded for '"
          + r.privilege() + "'.", now));
      case STORE_FAILED -> throw storeFailed(r, auth.actor(), "approve", now);
      case AUDIT_FAILED_UNDONE -> throw refusals.refuse(r, auth.actor(), "approve", ReasonCode.AUDIT_FAILURE,
          "The approval could not be audited, so it was not counted.", "Retry.", now);
    };
  }

  /** The last approval: the grant is issued with the request's transition, or revoked if its record fails. */
  private Optional<Decision> issue(RequestRecord r, Authorization auth, List<Approval> approvals, Duration requested,
      String comment, ApprovalContext context, Instant now) {
    List<String> approverIds = approvals.stream().map(Approval::approver).toList();
    Duration duration = requested;
    for (Approval a : approvals) {
      if (a.durationLimit() != null && a.durationLimit().compareTo(duration) < 0) {
        duration = a.durationLimit();
      }
    }
    Grant grant = GrantLifecycle.issue(r.id(), r.request(), auth.rule(), approverIds, now, auth.policyVersion(),
        duration, duration.compareTo(requested) < 0);
    RequestRecord approved = r.toBuilder().approvals(approvals).status(RequestStatus.APPROVED)
        .version(r.version() + 1).decision(now, auth.actor().id(), ReasonCode.APPROVED, comment)
        .grantId(grant.id()).build();
    Ledger.Write w = ledger.update(r, approved, grant, false, now,
        AuditEvents.withContext(AuditEvents.of(AuditEventType.APPROVED, now, approved).actor(auth.actor().id())
            .reason(ReasonCode.APPROVED).text(comment).grantId(grant.id())
            .detail("approvers", String.join(",", approverIds)), context).build(),
        AuditEvents.granted(grant, now, ReasonCode.APPROVED));
    return switch (w) {
      case LOST -> Optional.empty();
      case STORE_FAILED -> throw storeFailed(r, auth.actor(), "approve", now);
      case AUDIT_FAILED_UNDONE, AUDIT_FAILED_KEPT -> throw refusals.refuse(r, auth.actor(), "approve",
          ReasonCode.AUDIT_FAILURE, "The grant could not be audited, so it was revoked at once.", "Retry; if it "
              + "persists, tell the operators (fail closed).", now);
      case WON -> {
        notifyDecided(approved);
        if (policyChanges.afterIssue(grant)) {
          yield Optional.of(PolicyChanges.endedAtIssue(grant));
        }
        yield Optional.of(new Decision.Granted(grant, ReasonCode.APPROVED, "Approved by " + approverIds.size()
            + (approverIds.size() == 1 ? " approver: " : " approvers: ") + grant.toDecision().message(), ""));
      }
    };
  }

  // ------------------------------------------------------------------------------------------------ deny

  /**
   * Denies a pending request; below the rule's deny threshold, the denial is recorded and the request stays pending.
   *
   * @param context the channel and how it authenticated the approver, or null
   * @return the request, DENIED or still PENDING
   */
  public RequestRecord deny(RequestId requestId, Subject approver, String comment, ApprovalContext context) {
    input(requestId, approver, comment);
    gate.ensureOpen("deny");
    for (int attempt = 0; attempt < GrantLifecycle.MAX_ATTEMPTS; attempt++) {
      Instant now = clock.now();
      RequestRecord r = load(requestId, approver, "deny", now);
      Authorization auth = decider.authorize(ApprovalDecider.Act.DENY, approver, ApprovalDecider.Target.of(r),
          comment, now);
      decidable(r, approver, "deny", now);
      List<Approval> denials = new ArrayList<>(r.denials());
      denials.add(new Approval(approver.id(), now, comment, approver.groups(), null, context));
      // An administrator who is not an approver denies alone; approvers count towards the rule's threshold.
      int threshold = auth.approver() ? auth.rule().approval().denyThreshold() : 1;
      boolean final_ = denials.size() >= threshold;
      RequestRecord next = final_
          ? r.toBuilder().denials(denials).status(RequestStatus.DENIED).version(r.version() + 1)
              .decision(now, approver.id(), ReasonCode.DENIED_BY_APPROVER, comment).build()
          : r.toBuilder().denials(denials).version(r.version() + 1).build();
      Ledger.Write w = ledger.update(r, next, null, true, now, AuditEvents.withContext(final_
          ? AuditEvents.of(AuditEventType.DENIED, now, next).actor(approver.id())
              .reason(ReasonCode.DENIED_BY_APPROVER).text(comment)
          : AuditEvents.of(AuditEventType.DENIAL_RECORDED, now, next).actor(approver.id())
              .reason(ReasonCode.DENIED_BY_APPROVER).text(comment)
              .detail("denials", denials.size() + "/" + threshold), context).build());
      if (w == Ledger.Write.LOST) {
        continue;
      }
      if (w == Ledger.Write.STORE_FAILED) {
        throw storeFailed(r, approver, "deny", now);
      }
      if (w == Ledger.Write.AUDIT_FAILED_UNDONE) {
        throw refusals.refuse(r, approver, "deny", ReasonCode.AUDIT_FAILURE, "The denial could not be recorded, so "
            + "it was not made; the request is still pending.", "Retry; if it persists, tell the operators.", now);
      }
      if (final_) {
        notifyDecided(next);
      }
      return next;
    }
    throw refusals.refuse((RequestRecord) null, approver, "deny", ReasonCode.STORE_FAILURE, "Request " + requestId
        + " kept changing.", "Retry.", clock.now());
  }

  // ------------------------------------------------------------------------------------------------ withdraw

  /**
   * Withdraws one's own pending request.
   *
   * @return the request, WITHDRAWN
   */
  public RequestRecord withdraw(RequestId requestId, Subject requester) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    Objects.requireNonNull(requester, "requester cannot be null");
    gate.ensureOpen("withdraw");
    for (int attempt = 0; attempt < GrantLifecycle.MAX_ATTEMPTS; attempt++) {
      Instant now = clock.now();
      RequestRecord r = load(requestId, requester, "withdraw", now);
      if (!r.requesterId().equals(requester.id())) {
        throw refusals.notFound("request", requestId.value(), requester, "withdraw", r, null, now);
      }
      if (r.status() != RequestStatus.PENDING) {
        throw refusals.refuse(r, requester, "withdraw", ReasonCode.REQUEST_NOT_PENDING, "Request " + r.id() + " is "
            + r.status() + ", not PENDING.", r.status() == RequestStatus.APPROVED ? "Revoke its grant instead."
            : "Nothing to withdraw.", now);
      }
      if (!r.isPendingAt(now)) {
        expire(r, now);
        throw refusals.refuse(r, requester, "withdraw", ReasonCode.REQUEST_EXPIRED, "Request " + r.id()
            + " expired at " + r.expiresAt() + ".", "Nothing to withdraw.", now);
      }
      RequestRecord withdrawn = r.toBuilder().status(RequestStatus.WITHDRAWN).version(r.version() + 1)
          .decision(now, requester.id(), ReasonCode.WITHDRAWN, null).build();
      Ledger.Write w = ledger.update(r, withdrawn, null, true, now,
          AuditEvents.of(AuditEventType.WITHDRAWN, now, withdrawn).actor(requester.id()).build());
      if (w == Ledger.Write.LOST) {
        continue;
      }
      if (w == Ledger.Write.STORE_FAILED) {
        throw storeFailed(r, requester, "withdraw", now);
      }
      if (w == Ledger.Write.AUDIT_FAILED_UNDONE) {
        throw refusals.refuse(r, requester, "withdraw", ReasonCode.AUDIT_FAILURE, "The withdrawal could not be "
            + "recorded, so it was not made; the request is still pending.", "Retry; if it persists, tell the "
            + "operators.", now);
      }
      notifyDecided(withdrawn);
      return withdrawn;
    }
    throw refusals.refuse((RequestRecord) null, requester, "withdraw", ReasonCode.STORE_FAILURE, "Request "
        + requestId + " kept changing.", "Retry.", clock.now());
  }

  // ------------------------------------------------------------------------------------------------ revoke a request

  /**
   * Ends what a request gave: a request still pending is ended (withdrawn by its requester, denied by anyone else),
   * so it can never be approved later; otherwise every live grant it produced is revoked.
   *
   * @return the grants revoked
   */
  public List<Grant> revokeRequest(RequestId requestId, Subject actor, String reason) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    Objects.requireNonNull(actor, "actor cannot be null");
    Objects.requireNonNull(reason, "reason cannot be null");
    Text.freeText("reason", reason);
    Instant now = clock.now();
    RequestRecord r = load(requestId, actor, "revoke", now);
    boolean requester = r.requesterId().equals(actor.id());
    if (!requester) {
      decider.authorize(ApprovalDecider.Act.REVOKE, actor, ApprovalDecider.Target.of(r), reason, now);
    }
    if (r.status() == RequestStatus.PENDING) {
      if (requester) {
        withdraw(requestId, actor);
      } else {
        deny(requestId, actor, reason, null);
      }
      return List.of();
    }
    List<Grant> grants;
    try {
      grants = store.grantsFrom(requestId);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while listing grants of request {}", requestId, e);
      throw storeFailed(r, actor, "revoke", now);
    }
    List<Grant> revoked = new ArrayList<>();
    for (Grant g : grants) {
      if (!g.statusAt(now).isTerminal()) {
        try {
          revoked.add(lifecycle.revoke(g.id(), actor, reason));
        } catch (OperationRefusedException e) {
          if (e.reason() != ReasonCode.GRANT_NOT_ACTIVE) {
            throw e;
          }
        }
      }
    }
    return revoked;
  }

  /**
   * Pending requests the approver may decide now: not their own, not decided by them already, for a privilege whose
   * rule in force lists them as approver. Read from the store only for the privileges of the rules that may list
   * them ({@link ApprovalDecider#approverPatterns}); each request is still decided by {@link ApprovalDecider#mayApprove}.
   *
   * @param approver the approver
   * @param page which page
   * @return oldest first (by creation time, then id)
   */
  public Page<RequestRecord> pendingApprovals(Subject approver, PageRequest page) {
    Objects.requireNonNull(approver, "approver cannot be null");
    Objects.requireNonNull(page, "page cannot be null");
    Paging.Position start = Paging.start(page, Paging.Listing.PENDING_APPROVALS, approver.id());
    return pendingApprovals(approver, page.limit(), start).page(Paging.Listing.PENDING_APPROVALS, approver.id());
  }

  /**
   * Every pending request the approver may decide now, as {@link #pendingApprovals(Subject, PageRequest)}.
   *
   * @param approver the approver
   * @return a snapshot, oldest first
   */
  public List<RequestRecord> pendingApprovals(Subject approver) {
    Objects.requireNonNull(approver, "approver cannot be null");
    return pendingApprovals(approver, Integer.MAX_VALUE, null).items();
  }

  private Paging.Result<RequestRecord> pendingApprovals(Subject approver, int limit, Paging.Position start) {
    Instant now = clock.now();
    Optional<java.util.Set<PrivilegePattern>> patterns = decider.approverPatterns(approver);
    if (patterns.isPresent() && patterns.get().isEmpty()) {
      return new Paging.Result<>(List.of(), Optional.empty());
    }
    return Paging.read(limit, start, (at, n) -> patterns.isPresent()
            ? store.pendingRequests(patterns.get(), requestPosition(at), n) : allPendingAfter(at, n),
        r -> r.isPendingAt(now) && !r.requesterId().equals(approver.id()) && !r.approvedBy(approver.id())
            && !r.deniedBy(approver.id()) && decider.mayApprove(approver, r.privilege(), r.escalatedAt().isPresent()),
        RequestDecisions::position);
  }

  /** Every pending request after a position, for a policy that cannot list its rules. */
  private List<RequestRecord> allPendingAfter(Paging.Position at, int n) {
    return store.pendingRequests().stream().filter(r -> at == null || position(r).compareTo(at) > 0)
        .sorted(java.util.Comparator.comparing(RequestDecisions::position)).limit(n).toList();
  }

  /** A request's place in the listings: creation time, then id. */
  static Paging.Position position(RequestRecord r) {
    return new Paging.Position(r.createdAt(), r.id().value());
  }

  /** The store's position for a listing position (null stays null). */
  static RequestPosition requestPosition(Paging.Position at) {
    return at == null ? null : new RequestPosition(at.at(), RequestId.of(at.id()));
  }

  // ------------------------------------------------------------------------------------------------ by the guard

  /** Marks a pending request past its deadline EXPIRED, records it and tells waiters. Best effort. */
  void expire(RequestRecord r, Instant now) {
    RequestRecord expired = r.toBuilder().status(RequestStatus.EXPIRED).version(r.version() + 1)
        .decision(now, AuditEvents.SYSTEM_ACTOR, ReasonCode.REQUEST_EXPIRED, null).build();
    Ledger.Write w = ledger.update(r, expired, null, false, now, AuditEvents.of(AuditEventType.REQUEST_EXPIRED, now,
        expired).actor(AuditEvents.SYSTEM_ACTOR).reason(ReasonCode.REQUEST_EXPIRED).build());
    if (w == Ledger.Write.WON || w == Ledger.Write.AUDIT_FAILED_KEPT) {
      notifyDecided(expired);
    }
  }

  /** Marks a just-created request DENIED after a failure; best effort, since the caller is told it was denied. */
  void fail(RequestRecord record, Instant now, ReasonCode reason) {
    RequestRecord denied = record.toBuilder().status(RequestStatus.DENIED).version(record.version() + 1)
        .decision(now, AuditEvents.SYSTEM_ACTOR, reason, null).build();
    ledger.update(record, denied, null, false, now, AuditEvents.of(AuditEventType.DENIED, now, denied)
        .actor(AuditEvents.SYSTEM_ACTOR).reason(reason).build());
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private static void input(RequestId requestId, Subject actor, String comment) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    Objects.requireNonNull(actor, "approver cannot be null");
    Objects.requireNonNull(comment, "comment cannot be null");
    Text.freeText("comment", comment);
  }

  /** Refuses a decision on a request that is no longer pending, or whose time ran out. */
  private void decidable(RequestRecord r, Subject actor, String action, Instant now) {
    if (r.status() != RequestStatus.PENDING) {
      throw refusals.refuse(r, actor, action, ReasonCode.REQUEST_NOT_PENDING, "Request " + r.id() + " is "
          + r.status() + ", not PENDING.", "Nothing to decide.", now);
    }
    if (!r.isPendingAt(now)) {
      expire(r, now);
      throw refusals.refuse(r, actor, action, ReasonCode.REQUEST_EXPIRED, "Request " + r.id() + " expired at "
          + r.expiresAt() + ".", "The requester must ask again.", now);
    }
    if (r.approvedBy(actor.id()) || r.deniedBy(actor.id())) {
      throw refusals.refuse(r, actor, action, ReasonCode.ALREADY_APPROVED, Text.quote(actor.id())
          + " has already decided on request " + r.id() + "; a person counts once.", "Ask another approver from "
          + Explanations.approverList(r) + ".", now);
    }
  }

  RequestRecord load(RequestId id, Subject actor, String action, Instant now) {
    Optional<RequestRecord> r;
    try {
      r = store.findRequest(id);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while loading request {}", id, e);
      throw refusals.refuse((RequestRecord) null, actor, action, ReasonCode.STORE_FAILURE, "The grant store failed; "
          + "nothing was changed.", "Retry; if it persists, tell the operators.", now);
    }
    if (r.isEmpty()) {
      throw refusals.notFound("request", id.value(), actor, action, null, null, now);
    }
    return r.get();
  }

  private OperationRefusedException storeFailed(RequestRecord r, Subject actor, String action, Instant now) {
    return refusals.refuse(r, actor, action, ReasonCode.STORE_FAILURE, "The grant store failed; nothing was changed.",
        "Retry; if it persists, tell the operators.", now);
  }

  private void notifyDecided(RequestRecord r) {
    waiters.completeIfDecided(r.id());
    try {
      channel.requestDecided(r);
    } catch (RuntimeException e) {
      LOG.warn("approval channel failed to notify the decision on request {}", r.id(), e);
    }
  }

}
