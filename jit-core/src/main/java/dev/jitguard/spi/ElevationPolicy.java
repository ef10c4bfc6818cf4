package dev.jitguard.spi;

import dev.jitguard.Privilege;
import dev.jitguard.Subject;
import dev.jitguard.rule.PrivilegeRule;
import java.util.Optional;

/**
 * Where the rules come from: the {@link PrivilegeRule} for each privilege, who the administrators are, and a version
 * string recorded with every decision.
 *
 * <p>The guard owns the decision function (eligibility, deny-wins, no self-approval, thresholds of distinct
 * approvers); a policy only supplies rules, so no policy implementation can weaken those invariants.
 *
 * <p><b>Contract.</b> Implementations must be thread-safe and fast (they are called on every request and approval,
 * never on the check hot path). Any exception is treated as "the policy could not be evaluated": the request or
 * approval is denied with {@link dev.jitguard.ReasonCode#POLICY_FAILURE} and audited. Calls must not re-enter the
 * guard.
 */
public interface ElevationPolicy {

  /**
   * The rule for a privilege.
   *
   * @param privilege the privilege
   * @return the rule, or empty if the policy does not know the privilege (requests are then denied)
   */
  Optional<PrivilegeRule> ruleFor(Privilege privilege);

  /**
   * Whether the subject is an administrator: may revoke any grant and list every request. Administrators get no
   * approval powers beyond the rules, and can never approve their own requests.
   *
   * @param subject the subject
   * @return true for administrators
   */
  boolean isAdministrator(Subject subject);

  /**
   * The version of the rules, recorded with every request and grant so a decision can be traced to the rules that
   * made it.
   *
   * @return a short version string
   */
  String version();

  /**
   * A consistent view of the policy for one decision: the guard asks for the rule and the version of the same
   * snapshot, so a reload between the two calls cannot make a decision record one version and use another's rule.
   * Immutable policies return themselves (the default); reloading ones return the policy in force.
   *
   * @return a policy that does not change
   */
  default ElevationPolicy snapshot() {
    return this;
  }

  /**
   * Announces policy changes: the guard subscribes, and a policy that changes (a reload) calls the listener once a
   * new version is in force, on the changing thread and before the call that changed it returns, so grants the new
   * version no longer allows have ended by then. Policies that never change, and those that do not announce changes,
   * keep the default (no announcements): the guard then compares {@link #version()} at each maintenance run.
   *
   * <p>A listener's exception must be logged and ignored by the policy; listeners must not call back into the policy
   * to change it.
   *
   * @param onChange called after each change
   * @return ends the subscription
   */
  default AutoCloseable subscribe(Runnable onChange) {
    return () -> { };
  }

  /**
   * Every rule of the policy, if it can list them: the guard narrows listings with them (an approver's pending
   * approvals are read only for the privileges whose rules list the approver; the decision on each request is still
   * the rule's, from {@link #ruleFor}). Empty, the default, when it cannot: listings then read every pending request.
   * Must be consistent with {@link #ruleFor}: every rule it returns for a privilege is among these.
   *
   * @return the rules, or empty
   */
  default java.util.Optional<java.util.Collection<PrivilegeRule>> allRules() {
    return java.util.Optional.empty();
  }
}
