package dev.jitguard.internal;

import dev.jitguard.Privilege;
import dev.jitguard.Subject;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ElevationPolicy;
import java.util.Optional;

/**
 * A policy of the application's own (a database, a remote decision point), with a bound on each call
 * ({@link BoundedCalls}): one that hangs makes the guard fail closed ({@code POLICY_FAILURE}) instead of hanging its
 * callers. The built-in policies ({@code Policy}, {@code ReloadingPolicy}) answer from memory and are not wrapped.
 * The check never calls the policy.
 *
 * <p>Thread-safe if the policy is.
 */
final class BoundedPolicy implements ElevationPolicy {
  private static final String WHAT = "the policy";
  private final ElevationPolicy policy;
  private final BoundedCalls calls;

  private BoundedPolicy(ElevationPolicy policy, BoundedCalls calls) {
    this.policy = policy;
    this.calls = calls;
  }

  /** The policy, bounded unless it is one of the built-in ones. */
  static ElevationPolicy of(ElevationPolicy policy, BoundedCalls calls) {
    String type = policy.getClass().getName();
    boolean builtIn = type.equals("dev.jitguard.policy.Policy") || type.equals("dev.jitguard.policy.ReloadingPolicy")
        || policy instanceof BoundedPolicy;
    return builtIn ? policy : new BoundedPolicy(policy, calls);
  }

  @Override
  public Optional<PrivilegeRule> ruleFor(Privilege privilege) {
    return calls.call(WHAT, () -> policy.ruleFor(privilege));
  }

  @Override
  public boolean isAdministrator(Subject subject) {
    return calls.call(WHAT, () -> policy.isAdministrator(subject));
  }

  @Override
  public String version() {
    return calls.call(WHAT, policy::version);
  }

  @Override
  public Optional<java.util.Collection<PrivilegeRule>> allRules() {
    return calls.call(WHAT, policy::allRules);
  }

  @Override
  public ElevationPolicy snapshot() {
    return of(calls.call(WHAT, policy::snapshot), calls);
  }

  @Override
  public AutoCloseable subscribe(Runnable onChange) {
    return policy.subscribe(onChange);
  }

  @Override
  public String toString() {
    return policy.toString();
  }
}
