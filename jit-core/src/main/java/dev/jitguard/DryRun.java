package dev.jitguard;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link PrivilegeGuard#request} would do with a request, and why, without doing it: nothing is stored, audited
 * or sent to approvers.
 *
 * @param wouldBe granted (auto-approved), pending (needs approvers) or denied
 * @param reason the reason code the real request would get
 * @param message explanation, naming the rule that decided
 * @param hint what to do next
 * @param duration the duration the grant would have, when not denied
 * @param approvalsRequired distinct approvals needed (0 when auto-approved or denied)
 * @param approverGroups groups whose members could approve
 * @param approverSubjects subjects who could approve, by id
 * @param policyVersion the policy version that evaluated it
 */
public record DryRun(Outcome wouldBe, ReasonCode reason, String message, String hint, Optional<Duration> duration,
    int approvalsRequired, Set<String> approverGroups, Set<String> approverSubjects, String policyVersion) {
  /**
   * Rejects nulls and copies sets.
   *
   * @param wouldBe see the record description
   * @param reason see the record description
   * @param message see the record description
   * @param hint see the record description
   * @param duration see the record description
   * @param approvalsRequired see the record description
   * @param approverGroups see the record description
   * @param approverSubjects see the record description
   * @param policyVersion see the record description
   */
  public DryRun {
    Objects.requireNonNull(wouldBe, "wouldBe cannot be null");
    Objects.requireNonNull(reason, "reason cannot be null");
    Objects.requireNonNull(message, "message cannot be null");
    Objects.requireNonNull(hint, "hint cannot be null");
    Objects.requireNonNull(duration, "duration cannot be null");
    approverGroups = Set.copyOf(Objects.requireNonNull(approverGroups, "approverGroups cannot be null"));
    approverSubjects = Set.copyOf(Objects.requireNonNull(approverSubjects, "approverSubjects cannot be null"));
    Objects.requireNonNull(policyVersion, "policyVersion cannot be null");
  }
}
