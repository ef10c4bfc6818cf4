package dev.jitguard.policy;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Policy rules written as properties ({@link RuleProperties}, Spring Boot's {@code jit.policy.rules}) that could not
 * be loaded: every problem found, each naming the property ({@code jit.policy.rules[0].aproval}), the rule's
 * privilege and where the property was set when known, what is wrong and how to fix it. Nothing was loaded.
 *
 * <pre>
 * Policy rules under jit.policy.rules have 1 problem; nothing was loaded:
 *   jit.policy.rules[0].aproval (rule payments.refund; class path resource [application.yml] - 14:19): unknown
 *   field "aproval"; did you mean "approval"? Accepted fields: privilege, eligible, deny, ...
 * </pre>
 *
 * <p>Text taken from the properties (names, values) is escaped, so a message is safe to log.
 */
public final class PolicyPropertiesException extends IllegalArgumentException {
  /** Serialization version. */
  private static final long serialVersionUID = 1L;

  /** The property prefix the rules were bound from. */
  private final String prefix;
  /** Every problem found, in property order. */
  private final List<Problem> problems;

  /**
   * Creates the exception.
   *
   * @param prefix the properties' prefix, such as {@code jit.policy.rules}
   * @param problems the problems, at least one
   */
  public PolicyPropertiesException(String prefix, List<Problem> problems) {
    super(render(prefix, problems));
    this.prefix = prefix;
    this.problems = List.copyOf(problems);
  }

  private static String render(String prefix, List<Problem> problems) {
    Objects.requireNonNull(prefix, "prefix cannot be null");
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("problems cannot be empty");
    }
    StringBuilder sb = new StringBuilder("Policy rules under ").append(PolicyDocumentException.printable(prefix));
    sb.append(problems.size() == 1 ? " have 1 problem" : String.format(Locale.ROOT, " have %d problems",
        problems.size()));
    sb.append("; nothing was loaded:");
    for (Problem p : problems) {
      sb.append("\n  ").append(p);
    }
    return sb.toString();
  }

  /** @return the properties' prefix, such as {@code jit.policy.rules} */
  public String prefix() {
    return prefix;
  }

  /** @return every problem found, in the order found */
  public List<Problem> problems() {
    return problems;
  }

  /**
   * One problem with a property.
   *
   * @param property the full property name, such as {@code jit.policy.rules[0].approval.require-comment}; list
   *     entries are written {@code [n]}
   * @param privilege the privilege or prefix of the rule, empty when not known
   * @param origin where the property was set (for example {@code class path resource [application.yml] - 14:9}),
   *     empty when not known
   * @param message what is wrong and how to fix it
   */
  public record Problem(String property, String privilege, String origin, String message) implements Serializable {
    /**
     * Validates.
     *
     * @param property see the record description
     * @param privilege see the record description
     * @param origin see the record description
     * @param message see the record description
     */
    public Problem {
      Objects.requireNonNull(property, "property cannot be null");
      Objects.requireNonNull(privilege, "privilege cannot be null");
      Objects.requireNonNull(origin, "origin cannot be null");
      Objects.requireNonNull(message, "message cannot be null");
      property = PolicyDocumentException.printable(property);
      privilege = PolicyDocumentException.printable(privilege);
      origin = PolicyDocumentException.printable(origin);
      message = PolicyDocumentException.printable(message);
    }

    /** @return {@code property (rule privilege; origin): message}, leaving out what is unknown */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder(property);
      if (!privilege.isEmpty() || !origin.isEmpty()) {
        sb.append(" (");
        if (!privilege.isEmpty()) {
          sb.append("rule ").append(privilege).append(origin.isEmpty() ? "" : "; ");
        }
        sb.append(origin).append(')');
      }
      return sb.append(": ").append(message).toString();
    }
  }
}
