package dev.jitguard.rule;

import java.time.Duration;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What happens to a request nobody decides: approvers are reminded after a delay, and after a longer one the request
 * is escalated, so members of fallback groups may approve it too. Immutable and thread-safe.
 */
public final class Escalation {
  private final Duration remindAfter;
  private final Duration escalateAfter;
  private final Set<String> groups;

  Escalation(Duration remindAfter, Duration escalateAfter, Set<String> groups) {
    this.remindAfter = remindAfter;
    this.escalateAfter = escalateAfter;
    this.groups = Collections.unmodifiableSet(new TreeSet<>(groups));
  }

  /** @return after how long approvers are reminded of a pending request */
  public Optional<Duration> remindAfter() {
    return Optional.ofNullable(remindAfter);
  }

  /** @return after how long a pending request is escalated to {@link #groups()} */
  public Optional<Duration> escalateAfter() {
    return Optional.ofNullable(escalateAfter);
  }

  /** @return fallback approver groups that may approve once a request is escalated */
  public Set<String> groups() {
    return groups;
  }

  /**
   * The groups whose members may approve in addition to the stages' approvers.
   *
   * @param escalated whether the request was escalated
   * @return the fallback groups once escalated, else none
   */
  public Set<String> fallbackGroups(boolean escalated) {
    return escalated ? groups : Set.of();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Escalation e && Objects.equals(remindAfter, e.remindAfter)
        && Objects.equals(escalateAfter, e.escalateAfter) && groups.equals(e.groups);
  }

  @Override
  public int hashCode() {
    return Objects.hash(remindAfter, escalateAfter, groups);
  }

  @Override
  public String toString() {
    return "Escalation[remindAfter=" + remindAfter + ", escalateAfter=" + escalateAfter + ", groups=" + groups + "]";
  }
}
