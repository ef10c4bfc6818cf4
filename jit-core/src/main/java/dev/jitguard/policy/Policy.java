package dev.jitguard.policy;

import dev.jitguard.rule.PrivilegeRuleBuilder;
import dev.jitguard.rule.PrivilegePattern;
import dev.jitguard.rule.PrivilegeRule;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.jitguard.Privilege;
import dev.jitguard.Subject;
import dev.jitguard.internal.util.Identifiers;
import dev.jitguard.internal.util.Text;
import dev.jitguard.spi.ElevationPolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A policy: a fixed set of {@link PrivilegeRule}s, administrators and a version. Immutable and thread-safe. Built in
 * code with {@link #builder()}, or loaded from a JSON or YAML document by {@link PolicyDocuments}: both produce the
 * same model through the same validation.
 *
 * <p>A privilege is governed by its exact rule if there is one, else by the rule with the longest matching prefix
 * ({@code payments.refund.*} before {@code payments.*}). Deny rules of every matching rule apply, so a deny written
 * on {@code payments.*} also covers {@code payments.refund} even when that has its own rule.
 *
 * <pre>{@code
 * Policy policy = Policy.builder()
 *     .version("2026-11-23")
 *     .privilege("db.prod.write", rule -> rule
 *         .eligibleGroups("developers")
 *         .approverGroups("dba")
 *         .requireJustification(20)
 *         .maxDuration(Duration.ofHours(1)))
 *     .build();
 * }</pre>
 */
public final class Policy implements ElevationPolicy {
  private final String version;
  private final Map<PrivilegePattern, PrivilegeRule> rules;
  private final List<PrivilegeRule> wildcards;
  private final Set<String> administratorGroups;
  private final Set<String> administratorSubjects;
  private final Cache<Privilege, Optional<PrivilegeRule>> resolved = Caffeine.newBuilder().maximumSize(10_000).build();

  private Policy(Builder b) {
    this.version = b.version;
    this.rules = Collections.unmodifiableMap(new LinkedHashMap<>(b.rules));
    List<PrivilegeRule> w = new ArrayList<>();
    for (PrivilegeRule r : rules.values()) {
      if (r.pattern().isWildcard()) {
        w.add(r);
      }
    }
    w.sort(Comparator.comparingInt((PrivilegeRule r) -> r.pattern().specificity()).reversed());
    this.wildcards = List.copyOf(w);
    this.administratorGroups = Set.copyOf(b.administratorGroups);
    this.administratorSubjects = Set.copyOf(b.administratorSubjects);
  }

  /**
   * Starts a policy.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Optional<PrivilegeRule> ruleFor(Privilege privilege) {
    Objects.requireNonNull(privilege, "privilege cannot be null");
    return resolved.get(privilege, this::resolve);
  }

  /** The most specific rule, with the deny rules of every less specific matching rule added. */
  private Optional<PrivilegeRule> resolve(Privilege privilege) {
    PrivilegeRule best = rules.get(PrivilegePattern.exactly(privilege));
    List<PrivilegeRule> ancestors = new ArrayList<>();
    for (PrivilegeRule r : wildcards) {
      if (r.pattern().matches(privilege)) {
        if (best == null) {
          best = r;
        } else {
          ancestors.add(r);
        }
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    if (ancestors.stream().allMatch(a -> a.eligibility().deniedSubjects().isEmpty() && a.eligibility().deniedGroups().isEmpty()
        && a.eligibility().deniedAttributes().isEmpty())) {
      return Optional.of(best);
    }
    PrivilegeRuleBuilder merged = best.toBuilder();
    for (PrivilegeRule a : ancestors) {
      merged.denySubjects(a.eligibility().deniedSubjects().toArray(String[]::new));
      merged.denyGroups(a.eligibility().deniedGroups().toArray(String[]::new));
      a.eligibility().deniedAttributes().forEach((k, v) -> merged.denyWhen(k, v.toArray(String[]::new)));
    }
    return Optional.of(merged.build());
  }

  @Override
  public boolean isAdministrator(Subject subject) {
    if (administratorSubjects.contains(subject.id())) {
      return true;
    }
    for (String g : subject.groups()) {
      if (administratorGroups.contains(g)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String version() {
    return version;
  }

  /** @return every rule, as {@link #rules()} */
  @Override
  public Optional<java.util.Collection<PrivilegeRule>> allRules() {
    return Optional.of(rules.values());
  }

  /** @return every rule as declared, by pattern, in declaration order */
  public Map<PrivilegePattern, PrivilegeRule> rules() {
    return rules;
  }

  /** @return groups whose members are administrators */
  public Set<String> administratorGroups() {
    return administratorGroups;
  }

  /** @return administrators by id */
  public Set<String> administratorSubjects() {
    return administratorSubjects;
  }

  @Override
  public String toString() {
    return "Policy[version=" + Text.quote(version) + ", privileges=" + rules.keySet() + "]";
  }

  /** Builds a {@link Policy}. Not thread-safe. */
  public static final class Builder {
    private String version;
    private final Map<PrivilegePattern, PrivilegeRule> rules = new LinkedHashMap<>();
    private final Set<String> administratorGroups = new TreeSet<>();
    private final Set<String> administratorSubjects = new TreeSet<>();

    private Builder() {}

    /**
     * The version recorded with every decision. Defaults to {@code "programmatic"}.
     *
     * @param version printable text, at most 64 characters
     * @return this builder
     */
    public Builder version(String version) {
      Objects.requireNonNull(version, "version cannot be null");
      if (this.version != null) {
        throw new IllegalStateException("version was already set to " + Text.quote(this.version));
      }
      this.version = Text.token("version", version, 64);
      return this;
    }

    /**
     * Adds the rule for a privilege or prefix, configured by a callback on its builder.
     *
     * @param pattern an exact privilege name or a prefix such as {@code payments.*}
     * @param configure sets the rule's fields
     * @return this builder
     */
    public Builder privilege(String pattern, Consumer<PrivilegeRuleBuilder> configure) {
      Objects.requireNonNull(configure, "configure cannot be null");
      PrivilegeRuleBuilder rb = PrivilegeRule.builder(pattern);
      configure.accept(rb);
      return rule(rb.build());
    }

    /**
     * Adds a rule.
     *
     * @param rule the rule
     * @return this builder
     * @throws IllegalStateException if the pattern already has a rule
     */
    public Builder rule(PrivilegeRule rule) {
      Objects.requireNonNull(rule, "rule cannot be null");
      if (rules.putIfAbsent(rule.pattern(), rule) != null) {
        throw new IllegalStateException("policies." + rule.pattern() + " is defined twice; merge the two rules");
      }
      return this;
    }

    /**
     * Groups whose members are administrators (may revoke any grant and deny any request; never approve their own
     * requests).
     *
     * @param groups group names (canonicalised)
     * @return this builder
     */
    public Builder administratorGroups(String... groups) {
      Objects.requireNonNull(groups, "groups cannot be null");
      for (String g : groups) {
        administratorGroups.add(Identifiers.canonical("administrators.groups", g));
      }
      return this;
    }

    /**
     * Subjects who are administrators, by id.
     *
     * @param subjectIds ids (canonicalised)
     * @return this builder
     */
    public Builder administratorSubjects(String... subjectIds) {
      Objects.requireNonNull(subjectIds, "subjectIds cannot be null");
      for (String s : subjectIds) {
        administratorSubjects.add(Identifiers.canonical("administrators.subjects", s));
      }
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the immutable policy
     */
    public Policy build() {
      if (version == null) {
        version = "programmatic";
      }
      return new Policy(this);
    }
  }
}
