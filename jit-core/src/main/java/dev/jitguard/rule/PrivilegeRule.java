package dev.jitguard.rule;

import dev.jitguard.InvalidInputException;
import dev.jitguard.Privilege;
import java.util.Objects;
import java.util.Optional;

/**
 * The rule for one privilege or a prefix of privileges ({@link PrivilegePattern}), in the sections a policy document
 * has: {@link Eligibility who may ask and who never may}, {@link RequestLimits what a request must carry and may ask
 * for}, {@link ApprovalRequirement who must approve}, {@link Escalation what happens to an undecided request}, and
 * whether {@link BreakGlass break-glass} is allowed. Immutable and thread-safe; build it with {@link #builder(String)}
 * or load it from a policy document.
 *
 * <p>The requester never counts as an approver of their own request, whatever their groups (administrators
 * included); that rule is enforced by the guard, not here, so no policy can turn it off.
 */
public final class PrivilegeRule {
  private final PrivilegePattern pattern;
  private final Eligibility eligibility;
  private final RequestLimits limits;
  private final ApprovalRequirement approval;
  private final Escalation escalation;
  private final BreakGlass breakGlass;
  private final String denyMessage;

  PrivilegeRule(PrivilegePattern pattern, Eligibility eligibility, RequestLimits limits, ApprovalRequirement approval,
      Escalation escalation, BreakGlass breakGlass, String denyMessage) {
    this.pattern = pattern;
    this.eligibility = eligibility;
    this.limits = limits;
    this.approval = approval;
    this.escalation = escalation;
    this.breakGlass = breakGlass;
    this.denyMessage = denyMessage;
  }

  /**
   * Starts a rule.
   *
   * @param pattern an exact privilege name ({@code payments.refund}) or a prefix ({@code payments.*})
   * @return the builder
   * @throws InvalidInputException if the pattern is malformed
   */
  public static PrivilegeRuleBuilder builder(String pattern) {
    return new PrivilegeRuleBuilder(PrivilegePattern.of(pattern));
  }

  /**
   * Starts a rule for exactly one privilege.
   *
   * @param privilege the privilege
   * @return the builder
   */
  public static PrivilegeRuleBuilder builder(Privilege privilege) {
    return new PrivilegeRuleBuilder(PrivilegePattern.exactly(Objects.requireNonNull(privilege,
        "privilege cannot be null")));
  }

  /**
   * A builder holding this rule's values, to derive a changed rule.
   *
   * @return the builder
   */
  public PrivilegeRuleBuilder toBuilder() {
    return new PrivilegeRuleBuilder(pattern).load(this);
  }

  /** @return the privilege or prefix this rule governs */
  public PrivilegePattern pattern() {
    return pattern;
  }

  /** @return who may ask for the privilege, and who never may */
  public Eligibility eligibility() {
    return eligibility;
  }

  /** @return what a request must carry and may ask for */
  public RequestLimits limits() {
    return limits;
  }

  /** @return who must approve, and how */
  public ApprovalRequirement approval() {
    return approval;
  }

  /** @return reminders and escalation of requests nobody decides */
  public Escalation escalation() {
    return escalation;
  }

  /** @return the break-glass settings, if emergency self-elevation is allowed */
  public Optional<BreakGlass> breakGlass() {
    return Optional.ofNullable(breakGlass);
  }

  /** @return an administrator-written message added to every denial of this privilege */
  public Optional<String> denyMessage() {
    return Optional.ofNullable(denyMessage);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PrivilegeRule r && pattern.equals(r.pattern) && eligibility.equals(r.eligibility)
        && limits.equals(r.limits) && approval.equals(r.approval) && escalation.equals(r.escalation)
        && Objects.equals(breakGlass, r.breakGlass) && Objects.equals(denyMessage, r.denyMessage);
  }

  @Override
  public int hashCode() {
    return Objects.hash(pattern, eligibility, limits, approval, escalation, breakGlass, denyMessage);
  }

  @Override
  public String toString() {
    return "PrivilegeRule[" + pattern + ", eligible=" + eligibility.groups() + eligibility.subjects()
        + eligibility.attributes() + ", stages=" + approval.stages().size() + " " + approval.stageMode()
        + ", maxDuration=" + limits.maxDuration() + "]";
  }
}
