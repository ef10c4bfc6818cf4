package dev.jitguard.rule;

import dev.jitguard.InvalidInputException;
import dev.jitguard.Subject;
import dev.jitguard.internal.util.Identifiers;
import dev.jitguard.internal.util.Text;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One approval stage: {@code approvals} distinct people from its approver groups or listed approvers. A person counts
 * once, even if they are in several of the groups.
 *
 * @param name a short name for messages and the audit trail (for example {@code team-lead})
 * @param approvals how many distinct people must approve, 1 to 10
 * @param groups groups whose members may approve in this stage (canonical)
 * @param subjects subjects who may approve in this stage, by id (canonical)
 */
public record ApprovalStage(String name, int approvals, Set<String> groups, Set<String> subjects) {
  /**
   * Validates and canonicalises.
   *
   * @param name see the record description
   * @param approvals see the record description
   * @param groups see the record description
   * @param subjects see the record description
   * @throws InvalidInputException if the count is out of range or nobody could approve
   */
  public ApprovalStage {
    Objects.requireNonNull(name, "name cannot be null");
    if (!name.matches("[a-z][a-z0-9_-]{0,63}")) {
      throw new InvalidInputException("stages.name", "stage name " + Text.quote(name.length() > 80
          ? name.substring(0, 80) + "..." : name) + " is invalid; use lowercase ASCII [a-z][a-z0-9_-]*, at most 64 "
          + "characters, for example \"team-lead\"");
    }
    if (approvals < 1 || approvals > 10) {
      throw new InvalidInputException("stages." + name + ".approvals", String.format(Locale.ROOT,
          "stages.%s.approvals must be between 1 and 10, but was %d", name, approvals));
    }
    groups = canonical("stages." + name + ".groups", Objects.requireNonNull(groups, "groups cannot be null"));
    subjects = canonical("stages." + name + ".subjects", Objects.requireNonNull(subjects,
        "subjects cannot be null"));
    if (groups.isEmpty() && subjects.isEmpty()) {
      throw new InvalidInputException("stages." + name, "stage " + name + " has no approver groups and no "
          + "approvers; nobody could ever approve it: add groups or subjects");
    }
  }

  private static Set<String> canonical(String field, Collection<String> ids) {
    Set<String> out = new TreeSet<>();
    for (String id : ids) {
      out.add(Identifiers.canonical(field, id));
    }
    return Set.copyOf(out);
  }

  /**
   * A stage.
   *
   * @param name the name
   * @param approvals distinct approvals needed
   * @param groups approver groups
   * @return the stage
   */
  public static ApprovalStage of(String name, int approvals, String... groups) {
    Objects.requireNonNull(groups, "groups cannot be null");
    // Not Set.of: a repeated or null group is reported by the constructor with the stage's field, not as a bare
    // IllegalArgumentException or NullPointerException.
    return new ApprovalStage(name, approvals, new LinkedHashSet<>(Arrays.asList(groups)), Set.of());
  }

  /**
   * Whether a person may approve in this stage.
   *
   * @param subject the person
   * @return true if listed by id or a member of one of the groups
   */
  public boolean admits(Subject subject) {
    if (subjects.contains(subject.id())) {
      return true;
    }
    for (String g : subject.groups()) {
      if (groups.contains(g)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a person, known only by id and the groups recorded with their approval, may approve in this stage.
   *
   * @param subjectId canonical id
   * @param subjectGroups canonical groups
   * @return true if admitted
   */
  public boolean admits(String subjectId, Set<String> subjectGroups) {
    if (subjects.contains(subjectId)) {
      return true;
    }
    for (String g : subjectGroups) {
      if (groups.contains(g)) {
        return true;
      }
    }
    return false;
  }
}
