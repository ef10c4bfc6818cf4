package dev.jitguard.rule;

import dev.jitguard.ElevationRequest;
import dev.jitguard.InvalidInputException;
import dev.jitguard.Subject;
import dev.jitguard.internal.util.Identifiers;
import dev.jitguard.internal.util.Text;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A condition under which a request is approved without a person. It is evaluated only after every other rule
 * (eligibility, deny rules, justification, ticket, duration) passed, and each auto-approval is audited with the
 * condition's {@link #description()}. Implementations must be thread-safe and must not block; an exception denies the
 * request ({@link dev.jitguard.ReasonCode#POLICY_FAILURE}).
 */
public interface AutoApproveCondition {

  /**
   * Whether the request is approved without a person.
   *
   * @param requester who asks
   * @param request what is asked
   * @param now the guard's current time
   * @return true to auto-approve
   */
  boolean matches(Subject requester, ElevationRequest request, Instant now);

  /**
   * A short description for the audit trail and dry-run explanations, for example {@code member of [oncall]}.
   *
   * @return the description
   */
  String description();

  /**
   * Approves requests from members of any of the groups.
   *
   * @param groups group names (canonicalised)
   * @return the condition
   */
  static AutoApproveCondition memberOfAny(String... groups) {
    Objects.requireNonNull(groups, "groups cannot be null");
    Set<String> canonical = new TreeSet<>();
    for (String g : groups) {
      canonical.add(Identifiers.canonical("autoApprove.groups", g));
    }
    if (canonical.isEmpty()) {
      throw new InvalidInputException("autoApprove.groups", "autoApprove.groups must name at least one group, for "
          + "example memberOfAny(\"oncall-sre\")");
    }
    Set<String> frozen = Set.copyOf(canonical);
    return of("requester is a member of " + canonical, (s) -> s.groups().stream().anyMatch(frozen::contains));
  }

  /**
   * Approves every request that passes the other rules. Use for low-risk privileges where the value is the
   * justification and the audit trail, not a second person.
   *
   * @return the condition
   */
  static AutoApproveCondition always() {
    return of("always (low-risk privilege)", s -> true);
  }

  /**
   * A condition on the requester only.
   *
   * @param description for the audit trail: at most 2000 characters, no NUL or unpaired surrogate
   * @param test the test
   * @return the condition
   * @throws dev.jitguard.InvalidInputException if the description is too long or malformed
   */
  static AutoApproveCondition of(String description, Predicate<Subject> test) {
    Objects.requireNonNull(description, "description cannot be null");
    Objects.requireNonNull(test, "test cannot be null");
    Text.freeText("description", description);
    return new AutoApproveCondition() {
      @Override
      public boolean matches(Subject requester, ElevationRequest request, Instant now) {
        return test.test(requester);
      }

      @Override
      public String description() {
        return description;
      }

      @Override
      public String toString() {
        return "AutoApproveCondition[" + description + "]";
      }
    };
  }
  /**
   * Approves during a weekly time window (for example business hours in the team's time zone).
   *
   * @param window the window
   * @return the condition
   */
  static AutoApproveCondition during(TimeWindow window) {
    Objects.requireNonNull(window, "window cannot be null");
    return new AutoApproveCondition() {
      @Override
      public boolean matches(Subject requester, ElevationRequest request, Instant now) {
        return window.contains(now);
      }

      @Override
      public String description() {
        return "within " + window;
      }
    };
  }

  /**
   * Approves requesters who are on call for a schedule. If the source fails, the condition does not match (the
   * request waits for people).
   *
   * @param source the on-call source
   * @param schedule the schedule name: printable text, at most 128 characters (as in policy documents)
   * @return the condition
   * @throws dev.jitguard.InvalidInputException if the schedule name is empty, too long or not printable
   */
  static AutoApproveCondition onCall(OnCallLookup source, String schedule) {
    Objects.requireNonNull(source, "source cannot be null");
    Objects.requireNonNull(schedule, "schedule cannot be null");
    Text.token("autoApprove.onCall", schedule, 128);
    return new AutoApproveCondition() {
      @Override
      public boolean matches(Subject requester, ElevationRequest request, Instant now) {
        try {
          return source.isOnCall(requester.id(), schedule, now);
        } catch (RuntimeException e) {
          return false;
        }
      }

      @Override
      public String description() {
        return "requester is on call for " + schedule;
      }
    };
  }

  /**
   * Approves when every condition matches (for example on call AND within business hours).
   *
   * @param conditions the conditions
   * @return the condition
   */
  static AutoApproveCondition allOf(AutoApproveCondition... conditions) {
    Objects.requireNonNull(conditions, "conditions cannot be null");
    for (int i = 0; i < conditions.length; i++) {
      Objects.requireNonNull(conditions[i], "conditions[" + i + "] cannot be null");
    }
    List<AutoApproveCondition> all = List.of(conditions);
    if (all.isEmpty()) {
      throw new InvalidInputException("autoApprove", "allOf needs at least one condition, for example "
          + "allOf(onCall(source, \"primary\"), during(businessHours))");
    }
    return new AutoApproveCondition() {
      @Override
      public boolean matches(Subject requester, ElevationRequest request, Instant now) {
        for (AutoApproveCondition c : all) {
          if (!c.matches(requester, request, now)) {
            return false;
          }
        }
        return true;
      }

      @Override
      public String description() {
        StringBuilder sb = new StringBuilder();
        for (AutoApproveCondition c : all) {
          sb.append(sb.length() == 0 ? "" : " and ").append(c.description());
        }
        return sb.toString();
      }
    };
  }
}
