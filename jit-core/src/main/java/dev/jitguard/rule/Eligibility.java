package dev.jitguard.rule;

import dev.jitguard.Subject;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who may ask for a privilege, and who never may: the {@code eligible} and {@code deny} sections of a rule. This is
 * the one home of the eligibility rule: the guard asks it at request time, again when an approver decides or extends,
 * and for every live grant when the policy changes. Deny rules win over every allow. Immutable and thread-safe.
 */
public final class Eligibility {
  private final Set<String> subjects;
  private final Set<String> groups;
  private final Map<String, Set<String>> attributes;
  private final Set<String> deniedSubjects;
  private final Set<String> deniedGroups;
  private final Map<String, Set<String>> deniedAttributes;

  Eligibility(Set<String> subjects, Set<String> groups, Map<String, Set<String>> attributes,
      Set<String> deniedSubjects, Set<String> deniedGroups, Map<String, Set<String>> deniedAttributes) {
    this.subjects = Collections.unmodifiableSet(new TreeSet<>(subjects));
    this.groups = Collections.unmodifiableSet(new TreeSet<>(groups));
    this.attributes = freeze(attributes);
    this.deniedSubjects = Collections.unmodifiableSet(new TreeSet<>(deniedSubjects));
    this.deniedGroups = Collections.unmodifiableSet(new TreeSet<>(deniedGroups));
    this.deniedAttributes = freeze(deniedAttributes);
  }

  private static Map<String, Set<String>> freeze(Map<String, Set<String>> m) {
    Map<String, Set<String>> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, Collections.unmodifiableSet(new TreeSet<>(v))));
    return Collections.unmodifiableMap(out);
  }

  /** What {@link #decide(Subject)} finds. */
  public enum Verdict {
    /** Listed as eligible and not denied. */
    ELIGIBLE,
    /** A deny rule matches (it wins over every allow). */
    DENIED,
    /** Not denied, but not listed as eligible either. */
    NOT_LISTED
  }

  /**
   * The eligibility rule: deny rules first (they win), then the eligible lists and attribute conditions.
   *
   * @param subject who asks, or holds, or is being approved
   * @return the verdict
   */
  public Verdict decide(Subject subject) {
    Objects.requireNonNull(subject, "subject cannot be null");
    if (denies(subject)) {
      return Verdict.DENIED;
    }
    return lists(subject) ? Verdict.ELIGIBLE : Verdict.NOT_LISTED;
  }

  /**
   * Whether a deny rule matches the subject (deny wins over every allow).
   *
   * @param subject the subject
   * @return true if the subject is explicitly denied by id, group or attribute
   */
  public boolean denies(Subject subject) {
    if (deniedSubjects.contains(subject.id()) || intersects(subject.groups(), deniedGroups)) {
      return true;
    }
    for (Map.Entry<String, Set<String>> c : deniedAttributes.entrySet()) {
      Optional<String> v = subject.attribute(c.getKey());
      if (v.isPresent() && c.getValue().contains(v.get())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the subject is listed as eligible, ignoring deny rules (see {@link #decide}): by id or group (when the
   * rule lists any), and matching every attribute condition.
   *
   * @param subject the subject
   * @return true if listed
   */
  public boolean lists(Subject subject) {
    boolean identity = (subjects.isEmpty() && groups.isEmpty())
        || subjects.contains(subject.id()) || intersects(subject.groups(), groups);
    if (!identity) {
      return false;
    }
    for (Map.Entry<String, Set<String>> c : attributes.entrySet()) {
      Optional<String> v = subject.attribute(c.getKey());
      if (v.isEmpty() || !c.getValue().contains(v.get())) {
        return false;
      }
    }
    return true;
  }

  /** @return true if the section has deny rules of any kind */
  public boolean hasDenials() {
    return !deniedSubjects.isEmpty() || !deniedGroups.isEmpty() || !deniedAttributes.isEmpty();
  }

  static boolean intersects(Set<String> a, Set<String> b) {
    if (b.isEmpty()) {
      return false;
    }
    for (String s : a) {
      if (b.contains(s)) {
        return true;
      }
    }
    return false;
  }

  /** @return subject ids eligible by name */
  public Set<String> subjects() {
    return subjects;
  }

  /** @return groups whose members are eligible */
  public Set<String> groups() {
    return groups;
  }

  /** @return attribute conditions every eligible subject must meet: attribute → accepted values */
  public Map<String, Set<String>> attributes() {
    return attributes;
  }

  /** @return subject ids explicitly denied */
  public Set<String> deniedSubjects() {
    return deniedSubjects;
  }

  /** @return groups explicitly denied */
  public Set<String> deniedGroups() {
    return deniedGroups;
  }

  /** @return attribute values explicitly denied: attribute → denied values */
  public Map<String, Set<String>> deniedAttributes() {
    return deniedAttributes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Eligibility e && subjects.equals(e.subjects) && groups.equals(e.groups)
        && attributes.equals(e.attributes) && deniedSubjects.equals(e.deniedSubjects)
        && deniedGroups.equals(e.deniedGroups) && deniedAttributes.equals(e.deniedAttributes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(subjects, groups, attributes, deniedSubjects, deniedGroups, deniedAttributes);
  }

  @Override
  public String toString() {
    return "Eligibility[subjects=" + subjects + ", groups=" + groups + ", attributes=" + attributes
        + ", deniedSubjects=" + deniedSubjects + ", deniedGroups=" + deniedGroups + ", deniedAttributes="
        + deniedAttributes + "]";
  }
}
