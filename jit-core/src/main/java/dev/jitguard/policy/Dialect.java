package dev.jitguard.policy;

import dev.jitguard.rule.RuleField;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * How a source spells the rule's fields and writes its values. Both read the same {@link RuleField} table; they
 * differ only where the syntax does:
 *
 * <ul>
 *   <li>{@link #DOCUMENT}: a JSON or YAML policy document. Field names are matched exactly as the table spells them
 *       ({@code requireComment}); scalars are typed by the parser, so {@code "2"} is text, not a number.
 *   <li>{@link #PROPERTIES}: flat properties such as Spring Boot's
 *       {@code jit.policy.rules[0].approval.require-comment}. A name matches in any of the forms Spring's relaxed
 *       binding accepts ({@code require-comment}, {@code requireComment}, {@code requirecomment},
 *       {@code REQUIRECOMMENT}) and messages use kebab-case. Numbers and booleans may arrive as text
 *       ({@code .properties} files have nothing else), and a list of names may be written as one comma-separated
 *       value.
 * </ul>
 */
enum Dialect {
  /** Policy documents (JSON, YAML). */
  DOCUMENT,
  /** Flat properties (Spring Boot). */
  PROPERTIES;

  /**
   * Whether a name as written names a field.
   *
   * @param written the name in the input
   * @param documentSpelling the field's name as documents spell it
   * @return true if it names the field in this dialect
   */
  boolean names(String written, String documentSpelling) {
    return this == DOCUMENT ? written.equals(documentSpelling) : uniform(written).equals(uniform(documentSpelling));
  }

  /** @return the field of {@code accepted} that {@code written} names, or null */
  @Nullable RuleField match(String written, List<RuleField> accepted) {
    for (RuleField f : accepted) {
      if (names(written, f.key())) {
        return f;
      }
    }
    return null;
  }

  /** @return a name or path as this dialect writes it in messages: as is, or in Spring's kebab-case */
  String spell(String documentSpelling) {
    return this == DOCUMENT ? documentSpelling : RuleField.kebab(documentSpelling);
  }

  /**
   * The accepted name closest to a misspelt one: the same in another form, or at most a few edits away. Documents
   * compare ignoring case; properties compare Spring's uniform form (lowercase letters and digits only).
   *
   * @param written the unknown name
   * @param accepted names as documents spell them
   * @return the closest, as documents spell it, or null if none is close
   */
  @Nullable String closest(String written, List<String> accepted) {
    String name = normal(written);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    int bestLength = 0;
    for (String a : accepted) {
      String n = normal(a);
      if (n.equals(name)) {
        return a;
      }
      int d = distance(name, n);
      if (d < bestDistance) {
        best = a;
        bestDistance = d;
        bestLength = n.length();
      }
    }
    return best != null && bestDistance <= Math.max(2, Math.min(name.length(), bestLength) / 4) ? best : null;
  }

  private String normal(String s) {
    return this == DOCUMENT ? s.toLowerCase(Locale.ROOT) : uniform(s);
  }

  /** Spring's uniform form of a name: lowercase ASCII letters and digits, everything else dropped. */
  static String uniform(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        sb.append((char) (c - 'A' + 'a'));
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Levenshtein distance, bounded input (field names). */
  private static int distance(String a, String b) {
    if (a.length() > 64 || b.length() > 64) {
      return Integer.MAX_VALUE;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
