package dev.jitguard.internal;

import dev.jitguard.Decision;
import dev.jitguard.DryRun;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.Outcome;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestRecord;
import dev.jitguard.internal.util.Text;
import dev.jitguard.rule.ApprovalRequirement;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.rule.RequestLimits;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.OnCallSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What people are told: why a check was denied and how to get access (prebuilt per privilege and reason, so the check
 * allocates nothing), what a pending request still needs and who could approve it, and what a request would get
 * (the dry run). Hints come from the rule in force; the cache is rebuilt when the policy version changes.
 *
 * <p>Thread-safe.
 */
public final class Explanations {
  private static final Logger LOG = LoggerFactory.getLogger(Explanations.class);
  private static final ReasonCode[] CHECK_DENIALS = {ReasonCode.NO_GRANT, ReasonCode.GRANT_EXPIRED,
      ReasonCode.GRANT_NOT_YET_ACTIVE, ReasonCode.GRANT_REVOKED, ReasonCode.GRANT_CONSUMED,
      ReasonCode.ACTION_MISMATCH, ReasonCode.AMOUNT_EXCEEDED, ReasonCode.AMOUNT_REQUIRED, ReasonCode.AUDIT_FAILURE,
      ReasonCode.STORE_FAILURE, ReasonCode.GUARD_CLOSED};

  private final ElevationPolicy policy;
  private final OnCallSource onCall;
  private final RequestEvaluator evaluator;
  private final GuardClock clock;
  private final ConcurrentHashMap<Privilege, Decision.Denied[]> denials = new ConcurrentHashMap<>();
  private volatile String denialsVersion;

  Explanations(ElevationPolicy policy, OnCallSource onCall, RequestEvaluator evaluator, GuardClock clock) {
    this.policy = policy;
    this.clock = clock;
    this.onCall = onCall;
    this.evaluator = evaluator;
    this.denialsVersion = versionOf(policy);
  }

  // ------------------------------------------------------------------------------------------------ check denials

  /** The cached denials of a privilege, one per check reason, indexed by the reason's ordinal. */
  Decision.Denied[] denials(Privilege privilege) {
    Decision.Denied[] d = denials.get(privilege); // the deny path: no capturing lambda made per call
    return d != null ? d : denials.computeIfAbsent(privilege, this::buildDenials);
  }

  /**
   * Drops the cached denials if the policy version changed since they were built.
   *
   * @return true if they were dropped (the next denial of each privilege builds them again)
   */
  boolean refreshIfPolicyChanged() {
    String version = versionOf(policy);
    if (version.equals(denialsVersion)) {
      return false;
    }
    denials.clear();
    denialsVersion = version;
    return true;
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

  /** A metered grant with too little left, answered with the figures. */
  Decision.Denied amountExceeded(Decision.Denied cached, Grant g, java.math.BigDecimal amount) {
    String left = g.amountLeft().orElseThrow().toPlainString();
    return new Decision.Denied(g.privilege(), ReasonCode.AMOUNT_EXCEEDED, "This call spends "
        + amount.toPlainString() + ", but the elevation for '" + g.privilege() + "' has " + left + " left of "
        + g.amountLimit().orElseThrow().toPlainString() + " (grant " + g.id() + ").",
        "Spend at most " + left + ", or " + lowerFirst(cached.hint()));
  }

  static String lowerFirst(String s) {
    return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }

  /** "Request it with ..." from the current rule; the policy is not called again on the hot path. */
  String howToRequest(Privilege privilege) {
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
    RequestLimits limits = rule.limits();
    StringBuilder sb = new StringBuilder("Request an elevation for '").append(privilege).append('\'');
    List<String> needs = new ArrayList<>();
    if (limits.justificationRequired()) {
      needs.add("a justification of at least " + limits.minJustificationLength() + " characters");
    }
    if (limits.ticketRequired()) {
      needs.add("a ticket reference" + limits.ticketPattern().map(p -> " matching " + Text.quote(p.pattern()))
          .orElse(""));
    }
    if (!needs.isEmpty()) {
      sb.append(" with ").append(String.join(" and ", needs));
    }
    sb.append(", for at most ").append(limits.maxDuration()).append("; ").append(approversText(rule)).append('.');
    rule.breakGlass().ifPresent(b -> sb.append(" In an emergency, break-glass is allowed (reason of at least ")
        .append(b.minReasonLength()).append(" characters, at most ").append(b.maxDuration())
        .append(", reviewed afterwards)."));
    rule.denyMessage().ifPresent(m -> sb.append(' ').append(m));
    return sb.toString();
  }

  static String approversText(PrivilegeRule rule) {
    ApprovalRequirement a = rule.approval();
    if (!a.hasApprovers()) {
      return a.autoApprove().isEmpty() ? "only break-glass is possible"
          : "approved automatically when " + a.autoApprove().get(0).description();
    }
    if (a.stages().size() > 1) {
      return a.missing(List.of(), Set.of()) + " needed, a person counting once and never for their own request";
    }
    StringBuilder sb = new StringBuilder();
    sb.append(a.approvalsRequired()).append(a.approvalsRequired() == 1 ? " approval" : " approvals").append(" from ");
    List<String> who = new ArrayList<>();
    if (!a.approverGroups().isEmpty()) {
      who.add("group " + a.approverGroups());
    }
    if (!a.approverSubjects().isEmpty()) {
      who.add("approvers " + a.approverSubjects());
    }
    sb.append(String.join(" or ", who)).append(" needed, not counting yourself");
    if (!a.autoApprove().isEmpty()) {
      sb.append(" (automatic when ").append(a.autoApprove().get(0).description()).append(')');
    }
    return sb.toString();
  }

  // ------------------------------------------------------------------------------------------------ pending

  /** A pending answer: how many approvals were received, what is still missing and from whom, until when. */
  Decision.Pending pending(RequestRecord r, PrivilegeRule rule, String message, Instant now) {
    boolean escalated = r.escalatedAt().isPresent();
    String missing = rule.approval().missing(r.approvals(), rule.escalation().fallbackGroups(escalated));
    if (missing.isEmpty()) {
      int left = Math.max(1, r.approvalsRequired() - r.approvals().size());
      missing = left + " more approval" + (left == 1 ? "" : "s") + " from " + approverList(r);
    }
    if (escalated && !rule.escalation().groups().isEmpty()) {
      missing += " (escalated: members of " + rule.escalation().groups() + " may approve too)";
    }
    return new Decision.Pending(r, suggestedApprovers(r, rule, now), String.format(Locale.ROOT,
        "%s %d of %d approvals received; request %s.", message, r.approvals().size(),
        Math.max(r.approvalsRequired(), rule.approval().approvalsRequired()), r.id()),
        String.format(Locale.ROOT, "Needs %s before %s (not counting yourself); or withdraw request %s.",
            missing, r.expiresAt(), r.id()));
  }

  static String approverList(RequestRecord r) {
    return r.approverGroups().isEmpty() ? "the approvers of '" + r.privilege() + "'" : "group " + r.approverGroups();
  }

  /** Listed approvers and the people on call for the rule's schedule, minus the requester and who already acted. */
  private List<String> suggestedApprovers(RequestRecord r, PrivilegeRule rule, Instant now) {
    Set<String> out = new LinkedHashSet<>(rule.approval().approverSubjects());
    Optional<String> schedule = rule.approval().suggestOnCall();
    if (schedule.isPresent() && onCall != null) {
      try {
        out.addAll(onCall.onCall(schedule.get(), now));
      } catch (RuntimeException e) {
        LOG.warn("on-call source failed; no on-call approvers suggested", e);
      }
    }
    out.remove(r.requesterId());
    r.approvals().forEach(a -> out.remove(a.approver()));
    r.denials().forEach(a -> out.remove(a.approver()));
    return List.copyOf(out);
  }

  // ------------------------------------------------------------------------------------------------ dry run

  /**
   * What a request would get, and why, with no side effect (nothing stored, recorded or sent).
   *
   * @param request what would be asked
   * @return the explanation
   */
  public DryRun dryRun(ElevationRequest request) {
    java.util.Objects.requireNonNull(request, "request cannot be null");
    RequestEvaluator.Evaluation ev = evaluator.evaluate(request, clock.now());
    PrivilegeRule rule = ev.rule();
    if (ev.denied()) {
      return new DryRun(Outcome.DENIED, ev.reason(), ev.message(), ev.hint(), Optional.empty(), 0,
          rule == null ? Set.of() : rule.approval().approverGroups(),
          rule == null ? Set.of() : rule.approval().approverSubjects(), ev.policyVersion());
    }
    if (ev.auto() != null) {
      return new DryRun(Outcome.GRANTED, ReasonCode.AUTO_APPROVED, "Would be approved automatically: "
          + ev.auto().description() + " (rule '" + rule.pattern() + "').", "", Optional.of(ev.duration()), 0,
          rule.approval().approverGroups(), rule.approval().approverSubjects(), ev.policyVersion());
    }
    return new DryRun(Outcome.PENDING, ReasonCode.PENDING_APPROVAL, "Would wait for " + approversText(rule)
        + " (rule '" + rule.pattern() + "').",
        "Submit the request; approvers can decide within " + rule.approval().pendingTtl() + ".",
        Optional.of(ev.duration()), rule.approval().approvalsRequired(), rule.approval().approverGroups(),
        rule.approval().approverSubjects(), ev.policyVersion());
  }

  static String versionOf(ElevationPolicy p) {
    try {
      return p.version();
    } catch (RuntimeException e) {
      LOG.error("policy failed to report its version", e);
      return "unavailable";
    }
  }
}
