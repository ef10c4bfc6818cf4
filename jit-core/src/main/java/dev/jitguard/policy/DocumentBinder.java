package dev.jitguard.policy;

import dev.jitguard.policy.FieldReader.Item;
import dev.jitguard.policy.FieldReader.Placed;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.OnCallSource;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Applies a parsed document to {@link Policy#builder()}: its version and administrators here, each rule under
 * {@code policies} through {@link RuleBinder}, which reads the rule's fields by the {@link dev.jitguard.rule.RuleField}
 * table. Every problem is collected with the location of the field being applied.
 */
final class DocumentBinder {
  /** A user-supplied version leaves room for {@code #} and the 12-digit content hash in the 64-character version. */
  static final int MAX_VERSION_LENGTH = 64 - 13;

  static final List<String> TOP = List.of("version", "administrators", "policies");
  static final List<String> ADMINISTRATORS = List.of("groups", "subjects");

  private final DocProblems problems;
  private final RuleBinder rules;
  private final FieldReader read;

  private DocumentBinder(DocProblems problems, @Nullable OnCallSource onCallSource) {
    this.problems = problems;
    this.rules = new RuleBinder(Dialect.DOCUMENT, problems, onCallSource);
    this.read = rules.reader();
  }

  /**
   * Builds the policy.
   *
   * @param root the parsed document
   * @param contentHash the first 12 hex digits of the SHA-256 of the document bytes
   * @return the policy, or null if any problem was found (added to {@code problems})
   */
  static @Nullable Policy bind(DocNode root, String contentHash, @Nullable OnCallSource onCallSource,
      DocProblems problems) {
    return new DocumentBinder(problems, onCallSource).bind(root, contentHash);
  }

  private @Nullable Policy bind(DocNode root, String contentHash) {
    if (!(root instanceof DocNode.Mapping)) {
      problems.add(root, "", "the document must be a mapping with the fields " + String.join(", ", TOP)
          + ", but was " + root.describe());
      return null;
    }
    DocNode.Mapping top = known(root, "", TOP);
    Policy.Builder pb = Policy.builder();
    DocNode.Entry version = top.entries().get("version");
    if (version == null) {
      pb.version(contentHash);
    } else {
      String v = read.string(version.value(), "version");
      if (v != null && v.length() > MAX_VERSION_LENGTH) {
        problems.add(version.value(), "version", String.format(Locale.ROOT, "must be at most %d characters "
            + "(the loader appends '#' and 12 hex digits of the content hash), but was %d; shorten it",
            MAX_VERSION_LENGTH, v.length()));
      } else if (v != null) {
        rules.apply(version.value(), "version", "version", () -> pb.version(v + "#" + contentHash));
      }
    }
    DocNode.Entry admins = top.entries().get("administrators");
    DocNode.Mapping m = admins == null ? null : known(admins.value(), "administrators", ADMINISTRATORS);
    if (m != null) {
      for (DocNode.Entry e : m.entries().values()) {
        String p = FieldReader.child("administrators", e.key());
        switch (e.key()) {
          case "groups" -> each(e.value(), p, pb::administratorGroups);
          case "subjects" -> each(e.value(), p, pb::administratorSubjects);
          default -> { }
        }
      }
    }
    DocNode.Entry policies = top.entries().get("policies");
    if (policies == null) {
      problems.add(root, "policies", "is missing; add the rules, one per privilege or prefix, for example "
          + "policies: {logs.read: {eligible: {groups: [developers]}, approval: {groups: [sre]}}}");
    } else {
      DocNode.Mapping rm = read.mapping(policies.value(), "policies", null);
      if (rm != null && rm.entries().isEmpty()) {
        problems.add(policies.keyNode(), "policies", "lists no rules; add at least one (a policy without rules "
            + "denies every request)");
      } else if (rm != null) {
        for (DocNode.Entry e : rm.entries().values()) {
          String path = "policies." + e.key();
          PrivilegeRule rule = rules.bind(e.key(), new Placed(e.keyNode(), path), path, e.value(), List.of());
          if (rule != null) {
            rules.apply(e.keyNode(), path, path, () -> pb.rule(rule));
          }
        }
      }
    }
    return problems.isEmpty() ? pb.build() : null;
  }

  /** A mapping of the top level or the administrators, with unknown fields reported; null if not a mapping. */
  private DocNode.@Nullable Mapping known(DocNode v, String path, List<String> accepted) {
    DocNode.Mapping m = read.mapping(v, path, accepted);
    if (m != null) {
      for (DocNode.Entry e : m.entries().values()) {
        if (!accepted.contains(e.key())) {
          read.unknown(e, FieldReader.child(path, e.key()), accepted);
        }
      }
    }
    return m;
  }

  private void each(DocNode v, String path, Consumer<String[]> target) {
    List<Item> items = read.strings(v, path, path);
    if (items != null) {
      for (Item x : items) {
        rules.apply(x.node(), x.cpath(), x.spath(), () -> target.accept(new String[] {x.text()}));
      }
    }
  }
}
