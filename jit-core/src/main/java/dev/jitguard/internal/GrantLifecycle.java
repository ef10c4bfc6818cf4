package dev.jitguard.internal;

import dev.jitguard.Approval;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.InvalidInputException;
import dev.jitguard.Page;
import dev.jitguard.PageRequest;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.internal.util.Text;
import dev.jitguard.rule.Eligibility;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A grant's life after its request: issue, extend (within the cap), revoke, consume a use or an amount, expire, and
 * end when the policy no longer allows it. Where a transition is someone else's act on the grant, it is authorized by
 * {@link ApprovalDecider} first; every write goes through the {@link Ledger}. The extension cap is decided here
 * ({@link #extend}).
 *
 * <p>Thread-safe.
 */
public final class GrantLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(GrantLifecycle.class);
  static final int MAX_ATTEMPTS = 1000;

  private final GrantStore store;
  private final ElevationPolicy policy;
  private final Ledger ledger;
  private final ApprovalDecider decider;
  private final Refusals refusals;
  private final GuardClock clock;
  private final Gate gate;
  /** Told when a grant ended or its expiry moved (maintenance flushes its use counter and forgets its warning). */
  private volatile Consumer<Grant> onChanged = g -> { };

  GrantLifecycle(GrantStore store, ElevationPolicy policy, Ledger ledger, ApprovalDecider decider,
      Refusals refusals, GuardClock clock, Gate gate) {
    this.store = store;
    this.policy = policy;
    this.ledger = ledger;
    this.decider = decider;
    this.refusals = refusals;
    this.clock = clock;
    this.gate = gate;
  }

  void onChanged(Consumer<Grant> listener) {
    this.onChanged = listener;
  }

  // ------------------------------------------------------------------------------------------------ issue

  /**
   * A new grant for a request: starting at the request's start or now, for the duration (never past the rule's
   * maximum, which may have tightened since the request was made), metered where the rule meters the privilege.
   *
   * @param shortened whether an approver shortened the duration: the shortened duration is then also the cap of
   *     extensions, so that the holder cannot extend past what the approvers agreed to
   */
  static Grant issue(RequestId requestId, ElevationRequest request, PrivilegeRule rule, List<String> approvers,
      Instant now, String version, Duration granted, boolean shortened) {
    Instant start = request.startAt().filter(s -> s.isAfter(now)).orElse(now);
    Duration max = rule.limits().maxDuration();
    Duration duration = granted.compareTo(max) > 0 ? max : granted;
    Grant.Builder b = Grant.builder(GrantId.random(), requestId);
    request.action().ifPresent(a -> b.action(a.action(), a.argumentDigest()));
    // A metered privilege meters every grant: the request's limit, or the rule's maximum (which also caps a request
    // made before the rule tightened).
    BigDecimal limit = request.amountLimit().orElse(null);
    BigDecimal maxAmount = rule.limits().maxAmount().orElse(null);
    if (maxAmount != null && (limit == null || limit.compareTo(maxAmount) > 0)) {
      limit = maxAmount;
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
        .validity(start, start.plus(duration), start.plus(shortened ? duration : max))
        .uses(uses, uses)
        .approvers(approvers)
        .policyVersion(version)
        .build();
  }

  // ------------------------------------------------------------------------------------------------ revoke

  /** Revokes a grant: its holder gives it back, or an approver or administrator takes it away (authorized). */
  public Grant revoke(GrantId grantId, Subject actor, String reason) {
    Objects.requireNonNull(grantId, "grantId cannot be null");
    Objects.requireNonNull(actor, "actor cannot be null");
    Objects.requireNonNull(reason, "reason cannot be null");
    Text.freeText("reason", reason);
    // Revocation stays possible on a closed guard: it only ever takes access away.
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Instant now = clock.now();
      Grant g = load(grantId, actor, "revoke", now);
      if (!g.subjectId().equals(actor.id())) {
        decider.authorize(ApprovalDecider.Act.REVOKE, actor, ApprovalDecider.Target.of(g, holderOf(g, actor, "revoke", now)), reason, now);
      }
      if (g.statusAt(now).isTerminal()) {
        throw refusals.refuse(g, actor, "revoke", ReasonCode.GRANT_NOT_ACTIVE, "Grant " + g.id() + " is already "
            + g.statusAt(now) + ".", "Nothing to revoke.", now);
      }
      Grant revoked = g.toBuilder().status(GrantStatus.REVOKED).version(g.version() + 1)
          .ended(now, actor.id(), reason).build();
      Ledger.Write w = ledger.update(g, revoked, () -> onChanged.accept(revoked), false,
          AuditEvents.of(AuditEventType.REVOKED, now, revoked).actor(actor.id()).reason(ReasonCode.GRANT_REVOKED)
              .text(reason).build());
      if (w == Ledger.Write.LOST) {
        continue;
      }
      storeFailed(w, g, actor, "revoke", now);
      return revoked;
    }
    throw refusals.refuse((Grant) null, actor, "revoke", ReasonCode.STORE_FAILURE, "Grant " + grantId
        + " kept changing.", "Retry.", clock.now());
  }

  /**
   * Ends a grant that the policy in force no longer allows (its rule is gone, or its holder is denied or no longer
   * eligible): revoked by "policy", recorded with the version that ended it.
   *
   * @return true if it was ended by this call, false if it had ended already
   * @throws IllegalStateException if the store failed (the caller tries again later)
   */
  boolean endForPolicy(Grant g, String version, String why, Instant now) {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (g.statusAt(now).isTerminal()) {
        return false;
      }
      Grant ended = g.toBuilder().status(GrantStatus.REVOKED).version(g.version() + 1)
          .ended(now, AuditEvents.POLICY_ACTOR, why).build();
      Ledger.Write w = ledger.update(g, ended, () -> onChanged.accept(ended), false,
          AuditEvents.of(AuditEventType.REVOKED, now, ended).actor(AuditEvents.POLICY_ACTOR)
              .reason(ReasonCode.GRANT_REVOKED).policyVersion(version).text(why)
              .detail("ended_by", "policy_change").build());
      if (w.written()) {
        return true;
      }
      if (w == Ledger.Write.STORE_FAILED) {
        throw new IllegalStateException("grant store failed while ending grant " + g.id());
      }
      Optional<Grant> current = store.findGrant(g.id());
      if (current.isEmpty()) {
        return false;
      }
      g = current.get();
    }
    throw new IllegalStateException("grant " + g.id() + " kept changing");
  }

  // ------------------------------------------------------------------------------------------------ extend

  /**
   * Extends a grant, never past its cap. The holder may extend alone only where the policy says extensions need no
   * approver, or would approve a new request from them automatically; anyone else is authorized as an approver.
   */
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
    gate.ensureOpen("extend");
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Instant now = clock.now();
      Grant g = load(grantId, actor, "extend", now);
      PrivilegeRule rule = g.subjectId().equals(actor.id()) ? selfExtension(g, actor, now)
          : approverExtension(g, actor, reason, now);
      GrantStatus status = g.statusAt(now);
      if (status.isTerminal()) {
        throw refusals.refuse(g, actor, "extend", ReasonCode.GRANT_NOT_ACTIVE, "Grant " + g.id() + " is " + status
            + "; an ended grant cannot be extended.", "Request the privilege again.", now);
      }
      Instant newExpiry = g.expiresAt().plus(extension);
      Instant cap = g.notBefore().plus(rule.limits().maxDuration());
      if (cap.isAfter(g.capExpiresAt())) {
        cap = g.capExpiresAt(); // the cap fixed at issue never grows, even if the policy was relaxed since
      }
      if (newExpiry.isAfter(cap)) {
        throw refusals.refuse(g, actor, "extend", ReasonCode.EXTENSION_EXCEEDS_CAP, "Extending grant " + g.id()
            + " by " + extension + " would end at " + newExpiry + ", past its cap " + cap + " (maximum duration "
            + Duration.between(g.notBefore(), cap) + " from its start).", "Extend by at most "
            + Duration.between(g.expiresAt(), cap) + ", or request the privilege again.", now);
      }
      Grant extended = g.toBuilder().validity(g.notBefore(), newExpiry, g.capExpiresAt()).version(g.version() + 1)
          .build();
      Ledger.Write w = ledger.update(g, extended, () -> onChanged.accept(extended), true,
          AuditEvents.of(AuditEventType.EXTENDED, now, extended).actor(actor.id()).text(reason)
              .detail("from", g.expiresAt()).detail("to", newExpiry).build());
      if (w == Ledger.Write.LOST) {
        continue;
      }
      if (w == Ledger.Write.AUDIT_FAILED_UNDONE) {
        throw refusals.refuse(g, actor, "extend", ReasonCode.AUDIT_FAILURE, "The extension could not be recorded, "
            + "so it was taken back.", "Retry; if it persists, tell the operators (fail closed).", now);
      }
      storeFailed(w, g, actor, "extend", now);
      return extended;
    }
    throw refusals.refuse((Grant) null, actor, "extend", ReasonCode.STORE_FAILURE, "Grant " + grantId
        + " kept changing.", "Retry.", clock.now());
  }

  /** The holder extends their own grant: a self-service approval, so eligibility and deny rules apply as to a request. */
  private PrivilegeRule selfExtension(Grant g, Subject holder, Instant now) {
    PrivilegeRule rule;
    try {
      rule = policy.snapshot().ruleFor(g.privilege()).orElse(null);
    } catch (RuntimeException e) {
      LOG.error("policy failed for grant {}", g.id(), e);
      throw refusals.refuse(g, holder, "extend", ReasonCode.POLICY_FAILURE, "The policy could not be evaluated; "
          + "nothing was changed.", "Retry.", now);
    }
    if (rule == null) {
      throw refusals.refuse(g, holder, "extend", ReasonCode.UNKNOWN_PRIVILEGE, "The policy no longer has a rule "
          + "for '" + g.privilege() + "'.", "Ask an administrator.", now);
    }
    Eligibility.Verdict verdict = rule.eligibility().decide(holder);
    if (verdict == Eligibility.Verdict.DENIED) {
      throw refusals.refuse(g, holder, "extend", ReasonCode.EXPLICITLY_DENIED, "A deny rule of the policy excludes "
          + Text.quote(holder.id()) + " from '" + g.privilege() + "'; the grant cannot be extended.", "Deny rules "
          + "win over every allow; ask an administrator to review the rule.", now);
    }
    boolean alone = verdict == Eligibility.Verdict.ELIGIBLE && (!rule.approval().extensionRequiresApproval()
        || rule.approval().autoApproval(holder, ElevationRequest.builder(holder, g.privilege()).build(), now)
            .isPresent());
    if (!alone) {
      throw refusals.refuse(g, holder, "extend", ReasonCode.SELF_APPROVAL, "Extending your own grant of '"
          + g.privilege() + "' needs an approver.", "Ask an approver to extend grant " + g.id() + ", or request the "
          + "privilege again.", now);
    }
    return rule;
  }

  /**
   * An approver extends someone else's grant: authorized like an approval of more time, and one person may extend
   * alone only where one person's approval would have issued the grant (not a 2-of-N or multi-stage rule).
   */
  private PrivilegeRule approverExtension(Grant g, Subject actor, String reason, Instant now) {
    Authorization auth = decider.authorize(ApprovalDecider.Act.EXTEND, actor,
        ApprovalDecider.Target.of(g, holderOf(g, actor, "extend", now)), reason, now);
    PrivilegeRule rule = auth.rule();
    Approval alone = new Approval(actor.id(), now, reason, actor.groups(), null, null);
    if (!rule.approval().isSatisfied(List.of(alone), Set.of())) {
      throw refusals.refuse(g, actor, "extend", ReasonCode.NOT_PERMITTED, "Extending grant " + g.id() + " of '"
          + g.privilege() + "' needs the approvals a request needs (" + Explanations.approversText(rule)
          + "); one approver cannot extend it alone.", "Have the holder request the privilege again, to be "
          + "approved as the policy says.", now);
    }
    return rule;
  }

  // ------------------------------------------------------------------------------------------------ consume

  /** What became of a use of a budgeted or metered grant. */
  record Consumption(ReasonCode outcome, Grant grant, String message) {
    static Consumption of(ReasonCode outcome, Grant grant) {
      return new Consumption(outcome, grant, "");
    }
  }

  /**
   * Takes one use and the call's amount from a grant: one compare-and-set in the store (so once means once on every
   * instance), recorded as {@code USED} before it is granted.
   *
   * @param amount what the call spends, for a metered grant; null otherwise
   */
  Consumption consume(Subject subject, Grant seen, BigDecimal amount) {
    Grant current = seen;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Instant now = clock.now();
      GrantStatus status = current.statusAt(now);
      if (status != GrantStatus.ACTIVE) {
        return Consumption.of(CheckPath.reasonFor(status), current);
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
          return Consumption.of(ReasonCode.AMOUNT_REQUIRED, current);
        }
        amountLeft = current.amountLeft().orElseThrow().subtract(amount);
        if (amountLeft.signum() < 0) {
          return Consumption.of(ReasonCode.AMOUNT_EXCEEDED, current); // another call spent it first
        }
        next.amount(current.amountLimit().orElseThrow(), current.amountUsed().orElseThrow().add(amount));
      }
      boolean exhausted = (budgeted && left == 0) || (amountLeft != null && amountLeft.signum() == 0);
      if (exhausted) {
        next.status(GrantStatus.CONSUMED).ended(now, subject.id(), null);
      }
      Grant updated = next.build();
      AuditEvent.Builder used = AuditEvents.of(AuditEventType.USED, now, updated).actor(subject.id());
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
      Ledger.Write w = ledger.update(current, updated, used.build());
      switch (w) {
        case WON -> {
          if (exhausted) {
            ledger.record(AuditEvents.of(AuditEventType.CONSUMED, now, updated).actor(subject.id()).build());
          }
          return new Consumption(ReasonCode.GRANTED, updated, message.toString());
        }
        case STORE_FAILED -> {
          return Consumption.of(ReasonCode.STORE_FAILURE, current);
        }
        case AUDIT_FAILED_KEPT, AUDIT_FAILED_UNDONE -> {
          return Consumption.of(ReasonCode.AUDIT_FAILURE, current);
        }
        case LOST -> {
          Optional<Grant> reread;
          try {
            reread = store.findGrant(current.id());
          } catch (RuntimeException ex) {
            LOG.error("grant store failed while reading grant {}", current.id(), ex);
            return Consumption.of(ReasonCode.STORE_FAILURE, current);
          }
          if (reread.isEmpty()) {
            return Consumption.of(ReasonCode.NO_GRANT, current);
          }
          current = reread.get();
        }
        default -> throw new IllegalStateException("unknown write outcome " + w);
      }
    }
    return Consumption.of(ReasonCode.STORE_FAILURE, current);
  }

  // ------------------------------------------------------------------------------------------------ expire

  /**
   * Marks a grant past its expiry EXPIRED in the store and records it (checks already deny it by its time). Its uses
   * are summarised after its end, by the maintenance run that expired it.
   *
   * @return true if this call marked it
   */
  boolean expire(Grant g, Instant now) {
    if (g.statusAt(now) != GrantStatus.EXPIRED) {
      return false;
    }
    Grant expired = g.toBuilder().status(GrantStatus.EXPIRED).version(g.version() + 1).build();
    return ledger.update(g, expired, AuditEvents.of(AuditEventType.GRANT_EXPIRED, now, expired)
        .actor(AuditEvents.SYSTEM_ACTOR).reason(ReasonCode.GRANT_EXPIRED).build()).written();
  }

  /**
   * The subject's grants that are active or scheduled now.
   *
   * @param subject the subject
   * @return a snapshot, soonest expiry first
   */
  public List<Grant> activeGrants(Subject subject) {
    Objects.requireNonNull(subject, "subject cannot be null");
    return activeGrants(subject, Integer.MAX_VALUE, null).items();
  }

  /**
   * A page of {@link #activeGrants(Subject)}: soonest expiry first, then by id.
   *
   * @return the page
   */
  public Page<Grant> activeGrants(Subject subject, PageRequest page) {
    Objects.requireNonNull(subject, "subject cannot be null");
    Objects.requireNonNull(page, "page cannot be null");
    Paging.Position start = Paging.start(page, Paging.Listing.ACTIVE_GRANTS, subject.id());
    return activeGrants(subject, page.limit(), start).page(Paging.Listing.ACTIVE_GRANTS, subject.id());
  }

  /** The subject's live grants only (the store's narrow query), those active or scheduled now, sliced. */
  private Paging.Result<Grant> activeGrants(Subject subject, int limit, Paging.Position start) {
    Instant now = clock.now();
    List<Grant> live = store.liveGrantsOf(subject.id()).stream().filter(g -> !g.statusAt(now).isTerminal()).toList();
    return Paging.slice(live, limit, start, g -> new Paging.Position(g.expiresAt(), g.id().value()));
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /**
   * The holder as recorded with the grant's request (groups and attributes at request time), for re-evaluation under
   * the policy in force; just the id if the request is no longer stored.
   *
   * @throws RuntimeException if the store failed
   */
  Subject recordedHolder(Grant g) {
    Optional<dev.jitguard.RequestRecord> r = store.findRequest(g.requestId());
    if (r.isPresent() && r.get().requesterId().equals(g.subjectId())) {
      return r.get().request().subject();
    }
    LOG.warn("the request of grant {} is no longer stored; its holder is evaluated by id alone", g.id());
    return Subject.of(g.subjectId());
  }

  private Subject holderOf(Grant g, Subject actor, String action, Instant now) {
    try {
      return recordedHolder(g);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while reading the request of grant {}", g.id(), e);
      throw refusals.refuse((Grant) null, actor, action, ReasonCode.STORE_FAILURE, "The grant store failed; nothing "
          + "was changed.", "Retry; if it persists, tell the operators.", now);
    }
  }

  private Grant load(GrantId id, Subject actor, String action, Instant now) {
    Optional<Grant> g;
    try {
      g = store.findGrant(id);
    } catch (RuntimeException e) {
      LOG.error("grant store failed while loading grant {}", id, e);
      throw refusals.refuse((Grant) null, actor, action, ReasonCode.STORE_FAILURE, "The grant store failed; nothing "
          + "was changed.", "Retry; if it persists, tell the operators.", now);
    }
    if (g.isEmpty()) {
      throw refusals.notFound("grant", id.value(), actor, action, null, null, now);
    }
    return g.get();
  }

  private void storeFailed(Ledger.Write w, Grant g, Subject actor, String action, Instant now) {
    if (w == Ledger.Write.STORE_FAILED) {
      throw refusals.refuse(g, actor, action, ReasonCode.STORE_FAILURE, "The grant store failed; nothing was "
          + "changed.", "Retry; if it persists, tell the operators.", now);
    }
  }
}
