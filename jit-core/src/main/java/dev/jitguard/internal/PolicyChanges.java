package dev.jitguard.internal;

import dev.jitguard.Grant;
import dev.jitguard.Privilege;
import dev.jitguard.Subject;
import dev.jitguard.internal.GrantIndex.Slot;
import dev.jitguard.internal.util.Text;
import dev.jitguard.rule.Eligibility;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A policy change reaches live grants: when a new policy version is in force, every live grant whose privilege lost
 * its rule, or whose holder the new rule denies or no longer lists as eligible, ends at once (revoked by "policy",
 * recorded with the version that ended it). The work happens when the policy announces the change (a
 * {@link dev.jitguard.policy.ReloadingPolicy} does, before its reload returns) or, for policies that do not, at the
 * next maintenance run; never on the check path. Only grants whose rule's eligibility changed are re-evaluated, with
 * the holder as recorded with the grant's request. A change that could not be applied (the store failed) is applied
 * again by maintenance until it is.
 *
 * <p>Thread-safe; applications are serialised.
 */
final class PolicyChanges {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyChanges.class);

  private final ElevationPolicy policy;
  private final GrantStore store;
  private final GrantLifecycle lifecycle;
  private final Explanations explanations;
  private final GrantIndex index;
  private final GuardClock clock;
  /** The snapshot last applied; null before the first application. */
  private ElevationPolicy applied;
  private String appliedVersion;
  private boolean unfinished;

  PolicyChanges(ElevationPolicy policy, GrantStore store, GrantLifecycle lifecycle, Explanations explanations,
      GrantIndex index, GuardClock clock) {
    this.policy = policy;
    this.store = store;
    this.lifecycle = lifecycle;
    this.explanations = explanations;
    this.index = index;
    this.clock = clock;
  }

  /**
   * At start: grants issued under another policy version are evaluated against the policy in force (it may have
   * changed while no guard ran).
   *
   * @param live the live grants just loaded
   */
  synchronized void applyAtStart(List<Grant> live) {
    InForce now = inForce();
    if (now == null) {
      unfinished = true;
      return;
    }
    applied(now, sweep(null, now, live.stream().filter(g -> !g.policyVersion().equals(now.version())).toList()));
  }

  /** Applies the policy in force if its version changed since the last application, or the last one was unfinished. */
  synchronized void applyIfChanged() {
    InForce now = inForce();
    if (now == null || (!unfinished && now.version().equals(appliedVersion))) {
      return;
    }
    if (explanations.refreshIfPolicyChanged()) {
      for (Slot s : index.slots()) {
        s.denials = explanations.denials(s.privilege);
      }
    }
    List<Grant> live;
    try {
      live = store.liveGrants();
    } catch (RuntimeException e) {
      LOG.error("grant store failed while applying policy version {} to live grants; trying again at the next "
          + "maintenance run", Text.quote(now.version()), e);
      unfinished = true;
      return;
    }
    // After an unfinished application, nothing can be taken as already applied: every grant is evaluated.
    applied(now, sweep(unfinished || applied == now.snapshot() ? null : applied, now, live));
  }

  /**
   * A grant was just issued under a policy version that may no longer be in force (a reload ran while the request
   * was being decided, after the reload had swept the live grants): it is evaluated against the policy in force now.
   *
   * @param g the grant just issued
   * @return true if the policy in force no longer allows it and it was ended
   */
  synchronized boolean afterIssue(Grant g) {
    InForce now = inForce();
    if (now == null || g.policyVersion().equals(now.version())) {
      return false; // the version it was decided under is in force (or the policy failed: maintenance evaluates it)
    }
    Optional<Grant> current;
    try {
      current = store.findGrant(g.id());
    } catch (RuntimeException e) {
      LOG.error("grant store failed while re-evaluating grant {} under the policy in force", g.id(), e);
      unfinished = true;
      return false;
    }
    if (current.isEmpty()) {
      return false;
    }
    if (!sweep(null, now, List.of(current.get()))) {
      unfinished = true;
    }
    return store.findGrant(g.id()).map(x -> x.storedStatus().isTerminal()).orElse(false);
  }

  /**
   * The answer for a grant that the policy in force ended right after it was issued.
   *
   * @param g the grant
   * @return a denial saying so
   */
  static dev.jitguard.Decision.Denied endedAtIssue(Grant g) {
    return new dev.jitguard.Decision.Denied(g.privilege(), dev.jitguard.ReasonCode.GRANT_REVOKED, "The policy changed "
        + "while the request for '" + g.privilege() + "' was decided, and the version now in force does not allow "
        + "grant " + g.id() + "; it was ended at once.", "Check what the policy now requires, and request again.");
  }

  /** The policy in force and its version, read together; null (logged) if the policy failed. */
  private InForce inForce() {
    try {
      ElevationPolicy snapshot = policy.snapshot();
      return new InForce(snapshot, snapshot.version());
    } catch (RuntimeException e) {
      LOG.error("policy failed while looking for a change; live grants are evaluated at the next maintenance run", e);
      return null;
    }
  }

  private void applied(InForce now, boolean complete) {
    applied = now.snapshot();
    appliedVersion = now.version();
    unfinished = !complete; // an unfinished application is repeated in full by the next maintenance run
  }

  private record InForce(ElevationPolicy snapshot, String version) {}

  /**
   * Ends the grants the new policy no longer allows.
   *
   * @param before the policy applied before, to skip grants whose rule's eligibility did not change; null to
   *     evaluate every grant
   * @param after the policy in force
   * @return true if every grant could be evaluated
   */
  private boolean sweep(ElevationPolicy before, InForce after, List<Grant> live) {
    String version = after.version();
    Instant now = clock.now();
    Map<Privilege, Optional<PrivilegeRule>> rules = new HashMap<>();
    Map<Privilege, Optional<PrivilegeRule>> previous = new HashMap<>();
    boolean complete = true;
    int ended = 0;
    for (Grant g : live) {
      if (g.statusAt(now).isTerminal()) {
        continue;
      }
      try {
        Optional<PrivilegeRule> rule = rules.computeIfAbsent(g.privilege(), after.snapshot()::ruleFor);
        if (rule.isEmpty()) {
          ended += end(g, version, "policy " + version + " has no rule for '" + g.privilege() + "'", now);
          continue;
        }
        Eligibility eligibility = rule.get().eligibility();
        if (before != null && g.policyVersion().equals(appliedVersion)) {
          Optional<PrivilegeRule> old = previous.computeIfAbsent(g.privilege(), before::ruleFor);
          if (old.isPresent() && old.get().eligibility().equals(eligibility)) {
            continue; // issued under the version applied before, and who may hold it did not change
          }
        }
        Subject holder = lifecycle.recordedHolder(g);
        Eligibility.Verdict verdict = eligibility.decide(holder);
        if (verdict != Eligibility.Verdict.ELIGIBLE) {
          ended += end(g, version, "policy " + version + (verdict == Eligibility.Verdict.DENIED
              ? " denies " : " no longer lists as eligible ") + Text.quote(holder.id()), now);
        }
      } catch (RuntimeException e) {
        LOG.error("could not apply policy version {} to grant {}; trying again at the next maintenance run",
            Text.quote(version), g.id(), e);
        complete = false;
      }
    }
    if (ended > 0) {
      LOG.info("policy version {} ended {} live grant(s) it no longer allows", Text.quote(version), ended);
    }
    return complete;
  }

  private int end(Grant g, String version, String why, Instant now) {
    return lifecycle.endForPolicy(g, version, why, now) ? 1 : 0;
  }
}
