package dev.jitguard.internal;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.InvalidInputException;
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
import dev.jitguard.rule.BreakGlass;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Break-glass: emergency self-elevation without approvers where the rule allows it (eligible and not denied, a
 * reason of the rule's length, a short duration), loudly recorded, the skipped approvers notified, and a review left
 * open until someone else reviews it (authorized by {@link ApprovalDecider}).
 *
 * <p>Thread-safe.
 */
public final class BreakGlassDesk {
  private static final Logger LOG = LoggerFactory.getLogger(BreakGlassDesk.class);

  private final ElevationPolicy policy;
  private final GrantStore store;
  private final ApprovalChannel channel;
  private final RequestEvaluator evaluator;
  private final Explanations explanations;
  private final ApprovalDecider decider;
  private final RequestDecisions decisions;
  private final RequestIntake intake;
  private final PolicyChanges policyChanges;
  private final Ledger ledger;
  private final Refusals refusals;
  private final GuardClock clock;
  private final Gate gate;

  BreakGlassDesk(ElevationPolicy policy, GrantStore store, ApprovalChannel channel, RequestEvaluator evaluator,
      Explanations explanations, ApprovalDecider decider, RequestDecisions decisions, RequestIntake intake,
      PolicyChanges policyChanges, Ledger ledger, Refusals refusals, GuardClock clock, Gate gate) {
    this.policy = policy;
    this.store = store;
    this.channel = channel;
    this.evaluator = evaluator;
    this.explanations = explanations;
    this.decider = decider;
    this.decisions = decisions;
    this.intake = intake;
    this.policyChanges = policyChanges;
    this.ledger = ledger;
    this.refusals = refusals;
    this.clock = clock;
    this.gate = gate;
  }

  /**
   * Emergency self-elevation.
   *
   * @return granted (reason BREAK_GLASS) or denied
   */
  public Decision breakGlass(Subject subject, Privilege privilege, String reason, Duration duration) {
    Objects.requireNonNull(subject, "subject cannot be null");
    Objects.requireNonNull(privilege, "privilege cannot be null");
    Objects.requireNonNull(reason, "reason cannot be null");
    Objects.requireNonNull(duration, "duration cannot be null");
    // Checked under its own name first: the request below carries the reason as its justification.
    Text.freeText("reason", reason);
    ElevationRequest request = ElevationRequest.builder(subject, privilege).justification(reason).duration(duration)
        .build();
    if (gate.isClosed()) {
      return new Decision.Denied(privilege, ReasonCode.GUARD_CLOSED, "Denied because the guard is closed.",
          "The application is shutting down; retry later.");
    }
    Instant now = clock.now();
    String version = Explanations.versionOf(policy);
    PrivilegeRule rule;
    try {
      ElevationPolicy snapshot = policy.snapshot();
      version = snapshot.version();
      rule = snapshot.ruleFor(privilege).orElse(null);
    } catch (RuntimeException e) {
      LOG.error("policy failed while evaluating break-glass for {}", privilege, e);
      return denied(request, now, RequestEvaluator.refusal(ReasonCode.POLICY_FAILURE, "The policy could not be "
          + "evaluated for '" + privilege + "'; denied.", "Retry; if it persists, tell the operators (fail closed).",
          null, version));
    }
    if (rule == null) {
      return denied(request, now, RequestEvaluator.refusal(ReasonCode.UNKNOWN_PRIVILEGE, "No policy rule covers '"
          + privilege + "'.", "Check the privilege name.", null, version));
    }
    RequestEvaluator.Evaluation who = evaluator.eligibility(rule, subject, privilege, version, true);
    if (who != null) {
      return denied(request, now, who);
    }
    if (rule.breakGlass().isEmpty()) {
      return denied(request, now, RequestEvaluator.refusal(ReasonCode.BREAK_GLASS_NOT_ALLOWED, "Break-glass is not "
          + "allowed for '" + privilege + "'.", explanations.howToRequest(privilege), rule, version));
    }
    BreakGlass bg = rule.breakGlass().get();
    int length = reason.strip().codePointCount(0, reason.strip().length());
    if (length < bg.minReasonLength()) {
      return denied(request, now, RequestEvaluator.refusal(ReasonCode.JUSTIFICATION_TOO_SHORT,
          String.format(Locale.ROOT, "A break-glass reason for '%s' must be at least %d characters, but was %d.",
              privilege, bg.minReasonLength(), length), "Say what the emergency is and what you will do.", rule,
          version));
    }
    if (duration.compareTo(bg.maxDuration()) > 0) {
      return denied(request, now, RequestEvaluator.refusal(ReasonCode.DURATION_EXCEEDS_MAX, "Break-glass for '"
          + privilege + "' lasts at most " + bg.maxDuration() + ", but " + duration + " was asked.",
          "Ask for at most " + bg.maxDuration() + ".", rule, version));
    }
    RequestId requestId = RequestId.random();
    Grant issued = GrantLifecycle.issue(requestId, request, rule, List.of(), now, version, duration, false);
    // Break-glass access is short by design: no extension may take it past the break-glass maximum.
    Grant grant = issued.toBuilder().validity(issued.notBefore(), issued.expiresAt(),
        issued.notBefore().plus(bg.maxDuration())).build();
    RequestRecord record = RequestRecord.builder(requestId, request).createdAt(now).expiresAt(now)
        .approverGroups(rule.approval().approverGroups()).policyVersion(version).status(RequestStatus.APPROVED)
        .breakGlass(true).decision(now, subject.id(), ReasonCode.BREAK_GLASS, reason).grantId(grant.id()).build();
    Ledger.Write w = ledger.issue(record, grant, now,
        AuditEvents.request(AuditEventType.BREAK_GLASS, now, request, version).requestId(requestId)
            .grantId(grant.id()).reason(ReasonCode.BREAK_GLASS).detail("duration", duration)
            .detail("skipped_approvers", rule.approval().approverGroups()).build(),
        AuditEvents.granted(grant, now, ReasonCode.BREAK_GLASS));
    if (w == Ledger.Write.STORE_FAILED) {
      return intake.storeFailure(request, now, version, null);
    }
    if (w != Ledger.Write.WON) {
      return new Decision.Denied(privilege, ReasonCode.AUDIT_FAILURE, "Denied because the audit trail could not "
          + "record the break-glass use of '" + privilege + "'.", "Retry; if it persists, tell the operators.");
    }
    if (policyChanges.afterIssue(grant)) {
      return PolicyChanges.endedAtIssue(grant);
    }
    try {
      channel.breakGlassUsed(record, rule);
    } catch (RuntimeException e) {
      LOG.error("approval channel failed to notify approvers of the break-glass use {}; the review stays open",
          requestId, e);
    }
    return new Decision.Granted(grant, ReasonCode.BREAK_GLASS, "Break-glass: " + grant.toDecision().message()
        + "; the approvers were notified and a review is open.", "Expect a review of request " + requestId + ".");
  }

  /** A break-glass denial: recorded, answered with the rule's words. */
  private Decision.Denied denied(ElevationRequest request, Instant now, RequestEvaluator.Evaluation ev) {
    ledger.record(AuditEvents.request(AuditEventType.REQUEST_DENIED, now, request, ev.policyVersion())
        .reason(ev.reason()).detail("break_glass", true).build());
    return new Decision.Denied(request.privilege(), ev.reason(), ev.message(), ev.hint());
  }

  /**
   * Break-glass uses not reviewed yet that the reviewer may review: never their own.
   *
   * @return a snapshot, oldest first
   */
  public List<RequestRecord> openReviews(Subject reviewer) {
    Objects.requireNonNull(reviewer, "reviewer cannot be null");
    return openReviews(reviewer, Integer.MAX_VALUE, null).items();
  }

  /**
   * A page of {@link #openReviews(Subject)}, oldest first (creation time, then id).
   *
   * @return the page
   */
  public Page<RequestRecord> openReviews(Subject reviewer, PageRequest page) {
    Objects.requireNonNull(reviewer, "reviewer cannot be null");
    Objects.requireNonNull(page, "page cannot be null");
    Paging.Position start = Paging.start(page, Paging.Listing.OPEN_REVIEWS, reviewer.id());
    return openReviews(reviewer, page.limit(), start).page(Paging.Listing.OPEN_REVIEWS, reviewer.id());
  }

  private Paging.Result<RequestRecord> openReviews(Subject reviewer, int limit, Paging.Position start) {
    boolean admin = decider.isAdministrator(reviewer);
    return Paging.read(limit, start, (at, n) -> store.openReviews(RequestDecisions.requestPosition(at), n),
        r -> !r.requesterId().equals(reviewer.id()) && (admin || decider.mayApprove(reviewer, r.privilege(), false)),
        RequestDecisions::position);
  }

  /**
   * Closes the review of someone else's break-glass use.
   *
   * @return the request with its review
   */
  public RequestRecord review(RequestId requestId, Subject reviewer, String comment) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    Objects.requireNonNull(reviewer, "reviewer cannot be null");
    Objects.requireNonNull(comment, "comment cannot be null");
    Text.freeText("comment", comment);
    if (comment.isBlank()) {
      throw new InvalidInputException("comment", "comment must not be empty: a review says what was checked");
    }
    for (int attempt = 0; attempt < GrantLifecycle.MAX_ATTEMPTS; attempt++) {
      Instant now = clock.now();
      RequestRecord r = decisions.load(requestId, reviewer, "review", now);
      decider.authorize(ApprovalDecider.Act.REVIEW, reviewer, ApprovalDecider.Target.of(r), comment, now);
      if (!r.isReviewOpen()) {
        throw refusals.refuse(r, reviewer, "review", ReasonCode.NO_OPEN_REVIEW, "Request " + r.id()
            + (r.isBreakGlass() ? " was already reviewed." : " is not a break-glass use."), "Nothing to review.", now);
      }
      RequestRecord reviewed = r.toBuilder().review(now, reviewer.id(), comment).version(r.version() + 1).build();
      Ledger.Write w = ledger.update(r, reviewed, null, true, now, AuditEvents.of(AuditEventType.REVIEWED, now,
          reviewed).actor(reviewer.id()).text(comment).build());
      if (w == Ledger.Write.LOST) {
        continue;
      }
      if (w == Ledger.Write.AUDIT_FAILED_UNDONE) {
        throw refusals.refuse(r, reviewer, "review", ReasonCode.AUDIT_FAILURE, "The review could not be recorded, "
            + "so it was not made.", "Retry; if it persists, tell the operators (fail closed).", now);
      }
      if (w == Ledger.Write.STORE_FAILED) {
        throw refusals.refuse(r, reviewer, "review", ReasonCode.STORE_FAILURE, "The grant store failed; nothing was "
            + "changed.", "Retry; if it persists, tell the operators.", now);
      }
      return reviewed;
    }
    throw refusals.refuse((RequestRecord) null, reviewer, "review", ReasonCode.STORE_FAILURE, "Request " + requestId
        + " kept changing.", "Retry.", clock.now());
  }
}
