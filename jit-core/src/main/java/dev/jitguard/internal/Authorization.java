package dev.jitguard.internal;

import dev.jitguard.Subject;
import dev.jitguard.rule.PrivilegeRule;

/**
 * Proof that {@link ApprovalDecider} allowed an act on someone else's request or grant: the only way to get one is
 * {@link ApprovalDecider#authorize}, and every such act takes one. It carries the rule and policy version the decision
 * was made under, so the act that follows uses the same snapshot.
 */
public final class Authorization {
  private final Subject actor;
  private final PrivilegeRule rule;
  private final String policyVersion;
  private final boolean approver;

  Authorization(Subject actor, PrivilegeRule rule, String policyVersion, boolean approver) {
    this.actor = actor;
    this.rule = rule;
    this.policyVersion = policyVersion;
    this.approver = approver;
  }

  /** @return who may do it */
  public Subject actor() {
    return actor;
  }

  /**
   * The rule in force for the privilege; null only for an administrator taking access away after the privilege lost
   * its rule.
   *
   * @return the rule, or null
   */
  public PrivilegeRule rule() {
    return rule;
  }

  /** @return the policy version the decision was made under */
  public String policyVersion() {
    return policyVersion;
  }

  /** @return true if the actor acts as an approver of the privilege (not only as an administrator) */
  public boolean approver() {
    return approver;
  }
}
