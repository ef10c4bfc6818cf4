package dev.jitguard.internal;

import dev.jitguard.ElevationRequest;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.internal.util.Text;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.rule.Eligibility;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.rule.RequestLimits;
import dev.jitguard.spi.ElevationPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates a request against the rule in force, without side effects: the rule exists, the requester is eligible
 * and not denied, the justification, ticket, duration, budget, amount and start are within the rule's limits, and
 * whether a condition approves it automatically. Request intake and the dry run share it, so they always agree.
 */
final class RequestEvaluator {
  private static final Logger LOG = LoggerFactory.getLogger(RequestEvaluator.class);

  /**
   * The outcome: denied (reason, message and hint set), or allowed with the duration and, if one matched, the
   * auto-approval condition.
   */
  record Evaluation(ReasonCode reason, String message, String hint, PrivilegeRule rule, Duration duration,
      AutoApproveCondition auto, String policyVersion) {
    boolean denied() {
      return duration == null;
    }
  }

  private final ElevationPolicy policy;

  RequestEvaluator(ElevationPolicy policy) {
    this.policy = policy;
  }

  Evaluation evaluate(ElevationRequest r, Instant now) {
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
      return evaluate(r, now, rule, version);
    } catch (RuntimeException e) {
      LOG.error("policy rule failed while evaluating a request for {}", p, e);
      return refusal(ReasonCode.POLICY_FAILURE, "The policy could not be evaluated for '" + p + "'; denied.",
          "Retry; if it persists, tell the operators (fail closed).", rule, version);
    }
  }

  private Evaluation evaluate(ElevationRequest r, Instant now, PrivilegeRule rule, String version) {
    Subject subject = r.subject();
    Privilege p = r.privilege();
    Evaluation who = eligibility(rule, subject, p, version, false);
    if (who != null) {
      return who;
    }
    RequestLimits limits = rule.limits();
    String justification = r.justification().strip();
    int length = justification.codePointCount(0, justification.length());
    if (limits.justificationRequired() && justification.isEmpty()) {
      return refusal(ReasonCode.JUSTIFICATION_REQUIRED, "'" + p + "' requires a justification.",
          "Say why you need it, in at least " + limits.minJustificationLength() + " characters.", rule, version);
    }
    if (length < limits.minJustificationLength()) {
      return refusal(ReasonCode.JUSTIFICATION_TOO_SHORT, String.format(Locale.ROOT,
          "The justification for '%s' must be at least %d characters, but was %d.", p,
          limits.minJustificationLength(), length), "Say what you will do and why (a ticket or incident helps).",
          rule, version);
    }
    if (limits.ticketRequired() && r.ticket().isEmpty()) {
      return refusal(ReasonCode.TICKET_REQUIRED, "'" + p + "' requires a ticket reference.",
          "Add the incident or change ticket" + limits.ticketPattern().map(x -> " (pattern "
              + Text.quote(x.pattern()) + ")").orElse("") + ".", rule, version);
    }
    if (r.ticket().isPresent() && limits.ticketPattern().isPresent()
        && !limits.ticketPattern().get().matcher(r.ticket().get()).matches()) {
      return refusal(ReasonCode.TICKET_INVALID, "The ticket reference " + Text.quote(r.ticket().get())
          + " does not match the pattern " + Text.quote(limits.ticketPattern().get().pattern()) + ".",
          "Use the ticket id exactly as your ticketing system shows it.", rule, version);
    }
    Duration duration = r.duration().orElse(limits.defaultDuration());
    if (duration.compareTo(limits.maxDuration()) > 0) {
      return refusal(ReasonCode.DURATION_EXCEEDS_MAX, "The duration for '" + p + "' must be at most "
          + limits.maxDuration() + ", but was " + duration + ".", "Ask for at most " + limits.maxDuration()
          + "; extend later if needed.", rule, version);
    }
    if (r.uses().isPresent() && r.uses().getAsInt() > limits.maxUses()) {
      return refusal(ReasonCode.USES_EXCEED_MAX, String.format(Locale.ROOT,
          "The budget of uses for '%s' must be at most %d, but was %d.", p, limits.maxUses(), r.uses().getAsInt()),
          "Ask for fewer uses.", rule, version);
    }
    if (r.amountLimit().isPresent() && limits.maxAmount().isPresent()
        && r.amountLimit().get().compareTo(limits.maxAmount().get()) > 0) {
      return refusal(ReasonCode.AMOUNT_EXCEEDS_MAX, "The amount limit for '" + p + "' must be at most "
          + limits.maxAmount().get().toPlainString() + ", but was " + r.amountLimit().get().toPlainString() + ".",
          "Ask for at most " + limits.maxAmount().get().toPlainString() + ".", rule, version);
    }
    if (r.startAt().isPresent()) {
      Instant start = r.startAt().get();
      if (start.isBefore(now) || start.isAfter(now.plus(limits.maxStartDelay()))) {
        return refusal(ReasonCode.START_OUT_OF_RANGE, "The start " + start + " must be between now (" + now
            + ") and " + now.plus(limits.maxStartDelay()) + ".", "Leave the start unset to begin at approval, or "
            + "pick a start within " + limits.maxStartDelay() + ".", rule, version);
      }
    }
    AutoApproveCondition auto = rule.approval().autoApproval(subject, r, now).orElse(null);
    if (auto == null && !rule.approval().hasApprovers()) {
      return refusal(ReasonCode.NOT_ELIGIBLE, "'" + p + "' is only granted automatically, and no condition of "
          + "the policy matches " + Text.quote(subject.id()) + ".", "It is granted when "
          + rule.approval().autoApprove().stream().map(AutoApproveCondition::description).toList() + ".", rule,
          version);
    }
    return new Evaluation(auto != null ? ReasonCode.AUTO_APPROVED : ReasonCode.PENDING_APPROVAL, "", "", rule,
        duration, auto, version);
  }

  /**
   * The eligibility part of an evaluation, shared with break-glass: a denial if the subject is denied or not
   * eligible, else null.
   *
   * @param emergency whether this is a break-glass request (the words differ)
   */
  Evaluation eligibility(PrivilegeRule rule, Subject subject, Privilege p, String version, boolean emergency) {
    Eligibility.Verdict verdict = rule.eligibility().decide(subject);
    if (verdict == Eligibility.Verdict.DENIED) {
      return refusal(ReasonCode.EXPLICITLY_DENIED, "A deny rule of the policy excludes " + Text.quote(subject.id())
          + " from '" + p + "'" + (emergency ? ", in emergencies too." : "."), emergency ? "Ask someone else to act."
          : "Deny rules win over every allow; ask someone else to do the task, or an administrator to review the "
              + "rule.", rule, version);
    }
    if (verdict == Eligibility.Verdict.NOT_LISTED) {
      return refusal(ReasonCode.NOT_ELIGIBLE, Text.quote(subject.id()) + " is not eligible for '" + p + "'"
          + (emergency ? ", in emergencies either." : "."), emergency ? "Ask an eligible person."
          : "Eligible are " + eligibleText(rule.eligibility()) + "; ask to be added to one of them, or ask an "
              + "eligible person.", rule, version);
    }
    return null;
  }

  /** A denial; names the rule that decided and adds the administrators' message, so the requester can act. */
  static Evaluation refusal(ReasonCode reason, String message, String hint, PrivilegeRule rule, String version) {
    if (rule != null) {
      String base = message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
      message = base + " (rule '" + rule.pattern() + "').";
      if (rule.denyMessage().isPresent() && !hint.contains(rule.denyMessage().get())) {
        hint = hint + " " + rule.denyMessage().get();
      }
    }
    return new Evaluation(reason, message, hint, rule, null, null, version);
  }

  static String eligibleText(Eligibility e) {
    List<String> parts = new ArrayList<>();
    if (!e.groups().isEmpty()) {
      parts.add("members of " + e.groups());
    }
    if (!e.subjects().isEmpty()) {
      parts.add("subjects " + e.subjects());
    }
    String who = String.join(" and ", parts);
    if (e.attributes().isEmpty()) {
      return who;
    }
    List<String> conditions = new ArrayList<>();
    e.attributes().forEach((k, v) -> conditions.add(k + " in " + new java.util.TreeSet<>(v)));
    String with = String.join(" and ", conditions);
    return who.isEmpty() ? "subjects with " + with : who + ", with " + with;
  }
}
