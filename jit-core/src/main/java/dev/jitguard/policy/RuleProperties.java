package dev.jitguard.policy;

import dev.jitguard.internal.util.Text;
import dev.jitguard.policy.FieldReader.Placed;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.rule.RuleField;
import dev.jitguard.spi.OnCallSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads policy rules written as flat properties, the way Spring Boot configures {@code jit.policy.rules}:
 *
 * <pre>
 * jit.policy.rules[0].privilege=payments.refund
 * jit.policy.rules[0].eligible.groups=support
 * jit.policy.rules[0].approval.groups[0]=payments-leads
 * jit.policy.rules[0].approval.require-comment=true
 * </pre>
 *
 * <p>A rule is the {@code privilege} it governs (the key a policy document writes it under) plus exactly the fields
 * of a policy document rule ({@link RuleField}), in Spring's kebab-case ({@code require-comment}) or as documents
 * spell them ({@code requireComment}). They are read by the same table and pass the same validation as a document:
 * an unknown field is an error naming the closest accepted one (a typo must never silently weaken a rule), and every
 * problem is reported at once with the property's name and origin in a {@link PolicyPropertiesException}.
 *
 * <p>Values may be text (as {@code .properties} files give them) or typed (as YAML gives them): {@code "2"} and
 * {@code 2} are the same whole number, {@code "true"} and {@code true} the same boolean, and a list of names may be one
 * comma-separated value. Durations are ISO-8601 ({@code PT30M}), as in documents. An amount must be text or a whole
 * number: YAML reads {@code 500.00} as a binary floating-point number, which would lose digits.
 *
 * <pre>{@code
 * RuleProperties.Reader reader = RuleProperties.reader("jit.policy.rules");
 * reader.property(List.of("[0]", "privilege"), "payments.refund", "application.properties:3");
 * reader.property(List.of("[0]", "eligible", "groups"), "support", "application.properties:4");
 * List<PrivilegeRule> rules = reader.read();
 * }</pre>
 */
public final class RuleProperties {
  /** The rule's own name for the privilege it governs; a document writes it as the rule's key instead. */
  public static final String PRIVILEGE = "privilege";

  private RuleProperties() {}

  /**
   * Starts reading the rules under a prefix.
   *
   * @param prefix the name of the list of rules, such as {@code jit.policy.rules}, used in messages
   * @return a new reader
   */
  public static Reader reader(String prefix) {
    return new Reader(Objects.requireNonNull(prefix, "prefix cannot be null"));
  }

  /** Collects the properties of one source, then reads the rules. Not thread-safe; read once. */
  public static final class Reader {
    private final String prefix;
    private final DocProblems problems;
    private final PropertyTree tree;
    private @Nullable OnCallSource onCallSource;
    private boolean read;

    private Reader(String prefix) {
      this.prefix = prefix;
      this.problems = new DocProblems(prefix);
      this.tree = new PropertyTree(prefix, problems);
    }

    /**
     * The on-call source that {@code onCall} auto-approval conditions ask. Without one, a rule using them is
     * rejected.
     *
     * @param source the source
     * @return this reader
     */
    public Reader withOnCallSource(OnCallSource source) {
      Objects.requireNonNull(source, "source cannot be null");
      if (onCallSource != null) {
        throw new IllegalStateException("onCallSource was already set to " + onCallSource);
      }
      this.onCallSource = source;
      return this;
    }

    /**
     * Adds one property.
     *
     * @param name the elements of the property's name below the prefix, in order: keys as written
     *     ({@code approval}, {@code require-comment}) and list indices written {@code [n]}; for
     *     {@code jit.policy.rules[0].approval.groups[1]} under {@code jit.policy.rules}:
     *     {@code [0], approval, groups, [1]}
     * @param value the value: text, a number, a boolean, or null
     * @param origin where the property was set, for messages; empty if not known
     * @return this reader
     */
    public Reader property(List<String> name, @Nullable Object value, String origin) {
      Objects.requireNonNull(name, "name cannot be null");
      Objects.requireNonNull(origin, "origin cannot be null");
      if (read) {
        throw new IllegalStateException("the rules were already read; start a new reader");
      }
      tree.add(List.copyOf(name), value, origin);
      return this;
    }

    /**
     * Reads the rules.
     *
     * @return the rules, in the order of their indices
     * @throws PolicyPropertiesException listing every problem, if any property is not valid
     */
    public List<PrivilegeRule> read() {
      if (read) {
        throw new IllegalStateException("the rules were already read; start a new reader");
      }
      read = true;
      RuleBinder binder = new RuleBinder(Dialect.PROPERTIES, problems, onCallSource);
      FieldReader fields = binder.reader();
      Map<String, String> privileges = new LinkedHashMap<>();
      List<PrivilegeRule> rules = new ArrayList<>();
      DocNode.Sequence list = fields.sequence(tree.toDoc(), prefix, "a list of rules, each with a privilege and "
          + "the fields of a policy document rule");
      for (int i = 0; list != null && i < list.items().size(); i++) {
        String spath = prefix + "[" + i + "]";
        DocNode item = list.items().get(i);
        DocNode.Entry privilege = item instanceof DocNode.Mapping m ? privilege(m) : null;
        String pattern = privilege == null ? null : fields.string(privilege.value(), spath + "." + privilege.key());
        if (privilege == null && item instanceof DocNode.Mapping) {
          problems.add(item, spath + "." + PRIVILEGE, "is missing; name the privilege (payments.refund) or prefix "
              + "(payments.*) the rule governs");
        }
        if (pattern == null) {
          fields.fields(item, null, "policies.?", spath, List.of(PRIVILEGE)); // to report the other fields too
          continue;
        }
        String first = privileges.entrySet().stream().filter(e -> e.getValue().equals(pattern))
            .map(Map.Entry::getKey).findFirst().orElse(null);
        privileges.put(spath, pattern);
        String privilegePath = spath + "." + privilege.key();
        if (first != null) {
          problems.add(privilege.value(), privilegePath, "names " + Text.quote(pattern) + ", which " + first
              + " names too; merge the two rules");
          continue;
        }
        PrivilegeRule rule = binder.bind(pattern, new Placed(privilege.value(), privilegePath), spath, item,
            List.of(PRIVILEGE));
        if (rule != null) {
          rules.add(rule);
        }
      }
      if (!problems.isEmpty()) {
        throw exception(privileges);
      }
      return List.copyOf(rules);
    }

    private static DocNode.@Nullable Entry privilege(DocNode.Mapping m) {
      for (DocNode.Entry e : m.entries().values()) {
        if (Dialect.PROPERTIES.names(e.key(), PRIVILEGE)) {
          return e;
        }
      }
      return null;
    }

    private PolicyPropertiesException exception(Map<String, String> privileges) {
      List<PolicyPropertiesException.Problem> out = new ArrayList<>();
      for (DocProblems.Found f : problems.found()) {
        String privilege = "";
        for (Map.Entry<String, String> rule : privileges.entrySet()) {
          String r = rule.getKey();
          if (f.path().equals(r) || f.path().startsWith(r + ".") || f.path().startsWith(r + "[")) {
            privilege = rule.getValue();
          }
        }
        out.add(new PolicyPropertiesException.Problem(f.path(), privilege, f.at().origin(), f.message()));
      }
      if (problems.dropped() > 0) {
        out.add(new PolicyPropertiesException.Problem(prefix, "", "", problems.more()));
      }
      return new PolicyPropertiesException(prefix, out);
    }
  }
}
