package dev.jitguard;

import dev.jitguard.policy.Policy;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ElevationPolicy;
import java.util.Optional;

/**
 * A policy whose rules change in place without an announcement (no {@code subscribe}), as a policy read from a
 * database does: every call answers from the policy switched to last, with its version. For tests of policy changes.
 */
final class SwitchingPolicy implements ElevationPolicy {
  private volatile Policy current;

  SwitchingPolicy(Policy first) {
    this.current = first;
  }

  /** From now on, every call answers from {@code next}. */
  void switchTo(Policy next) {
    this.current = next;
  }

  @Override
  public Optional<PrivilegeRule> ruleFor(Privilege privilege) {
    return current.ruleFor(privilege);
  }

  @Override
  public boolean isAdministrator(Subject subject) {
    return current.isAdministrator(subject);
  }

  @Override
  public String version() {
    return current.version();
  }

  @Override
  public ElevationPolicy snapshot() {
    return current;
  }
}
