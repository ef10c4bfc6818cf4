package dev.jitguard.policy;

import dev.jitguard.Amounts;
import dev.jitguard.InvalidInputException;
import dev.jitguard.internal.util.Text;
import dev.jitguard.rule.RuleField;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads the fields of a rule from a tree of {@link DocNode}s by the {@link RuleField} table: each mapping accepts the
 * table's fields for it (an unknown one is reported with the closest accepted name, or the new name of a renamed
 * one), its required fields must be there, and each value is read as its field's kind. Every problem is reported
 * with where it was written; nothing is applied to a builder here ({@link RuleBinder} does that).
 *
 * <p>Paths come in two spellings: the canonical one ({@code policies.<pattern>.approval.requireComment}), which the
 * builders' exceptions use, and the one shown to the user, in the input's own spelling
 * ({@code jit.policy.rules[0].approval.require-comment}). Every field read is indexed by its canonical path, so an
 * exception naming a field can be placed where that field was written.
 */
final class FieldReader {
  private static final String DURATION_HINT = "an ISO-8601 duration such as PT30M, PT8H or P1D";
  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");
  private static final Pattern WHOLE = Pattern.compile("[+-]?[0-9]{1,12}");

  /** A list entry with its paths, for per-entry errors. */
  record Item(DocNode node, String cpath, String spath, String text) {}

  /** A named list (an attribute condition), with the key it is written at. */
  record Named(DocNode.Entry entry, String cpath, String spath, List<Item> values) {}

  /**
   * A field as written, its value read as its kind: String, List of {@link Item}, List of {@link Named}, Integer,
   * Boolean, Duration, BigDecimal, LocalTime, ZoneId, {@link Fields} or List of {@link Fields}; null when the value
   * was wrong (the problem was reported).
   */
  record Bound(RuleField field, DocNode.Entry entry, String cpath, String spath, @Nullable Object value) {
    DocNode node() {
      return entry.value();
    }
  }

  /** The fields of one mapping, in the order written; complete when reading them found no problem. */
  record Fields(DocNode node, String cpath, String spath, Map<RuleField, Bound> bound, boolean complete) {
    @Nullable Bound get(RuleField f) {
      return bound.get(f);
    }

    @SuppressWarnings("unchecked")
    <T> @Nullable T value(RuleField f) {
      Bound b = bound.get(f);
      return b == null ? null : (T) b.value();
    }
  }

  /** Where a canonical path was written: the node and the path shown for it. */
  record Placed(DocNode node, String spath) {}

  final Dialect dialect;
  final DocProblems problems;
  /** Every field read, by canonical path. */
  final Map<String, Placed> index = new HashMap<>();

  FieldReader(Dialect dialect, DocProblems problems) {
    this.dialect = dialect;
    this.problems = problems;
  }

  // ------------------------------------------------------------------------------------------------ mappings

  /**
   * Reads a mapping of table fields.
   *
   * @param parent the mapping's field, or null for the rule itself
   * @param extra names accepted besides the table's (Spring's {@code privilege}), left for the caller
   */
  @Nullable Fields fields(DocNode node, @Nullable RuleField parent, String cpath, String spath, List<String> extra) {
    List<RuleField> accepted = parent == null ? RuleField.topLevel() : parent.children();
    List<String> names = new ArrayList<>(extra);
    accepted.forEach(f -> names.add(f.key()));
    DocNode.Mapping m = mapping(node, spath, names);
    if (m == null) {
      return null;
    }
    int before = problems.count();
    Map<RuleField, Bound> bound = new LinkedHashMap<>();
    for (DocNode.Entry e : m.entries().values()) {
      RuleField f = dialect.match(e.key(), accepted);
      String shown = child(spath, e.key());
      if (f == null) {
        if (extra.stream().noneMatch(x -> dialect.names(e.key(), x))) {
          unknown(e, shown, renamed(e.key(), parent), names);
        }
      } else if (bound.containsKey(f)) {
        problems.add(e.keyNode(), shown, "sets " + dialect.spell(f.key()) + " a second time (also as "
            + Text.quote(bound.get(f).entry().key()) + "); keep one");
      } else {
        String canonical = child(cpath, f.key());
        DocNode v = e.value();
        index.putIfAbsent(canonical, new Placed(v instanceof DocNode.Scalar ? v : e.keyNode(), shown));
        bound.put(f, new Bound(f, e, canonical, shown, read(f, v, canonical, shown)));
      }
    }
    for (RuleField f : accepted) {
      if (f.isRequired() && !bound.containsKey(f)) {
        problems.add(m, child(spath, dialect.spell(f.key())), "is missing; give " + f.description());
      }
    }
    return new Fields(m, cpath, spath, bound, problems.count() == before);
  }

  private @Nullable Object read(RuleField f, DocNode v, String cpath, String spath) {
    return switch (f.kind()) {
      case TEXT, REGEX -> string(v, spath);
      case TEXT_LIST -> strings(v, cpath, spath);
      case TEXT_LISTS -> named(v, cpath, spath);
      case INTEGER -> integer(v, spath);
      case BOOLEAN -> bool(v, spath);
      case DURATION -> duration(v, spath);
      case AMOUNT -> amount(v, cpath, spath);
      case CHOICE -> choice(v, spath, f.choices());
      case CHOICE_LIST -> choices(v, cpath, spath, f.choices());
      case LOCAL_TIME -> time(v, spath);
      case TIME_ZONE -> zone(v, spath);
      case MAPPING -> fields(v, f, cpath, spath, List.of());
      case MAPPING_LIST -> mappings(f, v, cpath, spath);
    };
  }

  private @Nullable List<Fields> mappings(RuleField f, DocNode v, String cpath, String spath) {
    if (dialect == Dialect.PROPERTIES && v instanceof DocNode.Mapping m && !m.entries().isEmpty()) {
      problems.add(v, spath, "must be " + f.description() + ", but was a mapping; number its entries, for "
          + "example " + spath + "[0]." + m.entries().keySet().iterator().next());
      return null;
    }
    DocNode.Sequence seq = sequence(v, spath, f.description());
    if (seq == null) {
      return null;
    }
    List<Fields> out = new ArrayList<>();
    for (int i = 0; i < seq.items().size(); i++) {
      DocNode item = seq.items().get(i);
      String c = cpath + "[" + i + "]";
      String s = spath + "[" + i + "]";
      index.putIfAbsent(c, new Placed(item, s));
      Fields fields = fields(item, f, c, s, List.of());
      out.add(fields != null ? fields : new Fields(item, c, s, Map.of(), false));
    }
    return out;
  }

  /** The mapping, with unknown fields reported; null (reported) if the node is not a mapping. */
  DocNode.@Nullable Mapping mapping(DocNode v, String path, @Nullable List<String> accepted) {
    if (dialect == Dialect.PROPERTIES && isEmptyText(v)) {
      return new DocNode.Mapping(v.at(), Map.of());
    }
    if (!(v instanceof DocNode.Mapping m)) {
      problems.add(v, path, "must be a mapping" + (accepted == null ? "" : " with the fields "
          + spelled(accepted)) + ", but was " + v.describe());
      return null;
    }
    return m;
  }

  /** Reports a field the mapping does not accept, naming the closest accepted one. */
  void unknown(DocNode.Entry e, String path, List<String> accepted) {
    unknown(e, path, null, accepted);
  }

  /** Reports a field a mapping of the table does not accept, naming the closest accepted one or its new name. */
  private void unknown(DocNode.Entry e, String path, @Nullable Renamed renamed, List<String> accepted) {
    String closest = renamed != null ? null : dialect.closest(e.key(), accepted);
    String hint;
    if (renamed != null) {
      hint = "; did you mean " + Text.quote(dialect.spell(renamed.suggestion())) + "? (" + dialect.spell(renamed.from())
          + " was renamed to " + dialect.spell(renamed.to().path()) + ") Accepted fields: ";
    } else if (closest != null) {
      hint = "; did you mean " + Text.quote(dialect.spell(closest)) + "? Accepted fields: ";
    } else {
      hint = "; remove it or use one of the accepted fields: ";
    }
    problems.add(e.keyNode(), path, "unknown field " + Text.quote(e.key()) + hint + spelled(accepted)
        + " (an unknown field is an error so that a typo never silently weakens a rule)");
  }

  /** A former spelling: what to suggest in the mapping, the former path and the field it names now. */
  private record Renamed(String suggestion, String from, RuleField to) {}

  /** The field whose former path this key starts, in the mapping of {@code parent}. */
  private @Nullable Renamed renamed(String key, @Nullable RuleField parent) {
    String prefix = parent == null ? "" : parent.path() + ".";
    for (RuleField f : RuleField.values()) {
      for (String former : f.formerPaths()) {
        if (!former.startsWith(prefix)) {
          continue;
        }
        String rest = former.substring(prefix.length());
        int dot = rest.indexOf('.');
        if (dialect.names(key, dot < 0 ? rest : rest.substring(0, dot))) {
          return new Renamed(f.parent().orElse(null) == parent ? f.key() : f.path(), former, f);
        }
      }
    }
    return null;
  }

  private String spelled(List<String> names) {
    List<String> out = new ArrayList<>(names.size());
    names.forEach(n -> out.add(dialect.spell(n)));
    return String.join(", ", out);
  }

  DocNode.@Nullable Sequence sequence(DocNode v, String path, String example) {
    if (v instanceof DocNode.Sequence s) {
      return s;
    }
    if (dialect == Dialect.PROPERTIES && isEmptyText(v)) {
      return new DocNode.Sequence(v.at(), List.of());
    }
    problems.add(v, path, "must be " + example + ", but was " + v.describe());
    return null;
  }

  private static boolean isEmptyText(DocNode v) {
    return v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.STRING && s.text().isBlank();
  }

  static String child(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  // ------------------------------------------------------------------------------------------------ values

  /** A list of texts; entries that are not text are reported and left out. Null if not a list at all. */
  @Nullable List<Item> strings(DocNode v, String cpath, String spath) {
    if (dialect == Dialect.PROPERTIES && v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.STRING) {
      // One comma-separated value, as Spring binds a list from a .properties file.
      List<Item> out = new ArrayList<>();
      if (!s.text().isBlank()) {
        String[] parts = s.text().split(",", -1);
        for (int i = 0; i < parts.length; i++) {
          out.add(new Item(v, cpath + "[" + i + "]", spath + "[" + i + "]", parts[i].trim()));
        }
      }
      return out;
    }
    if (!(v instanceof DocNode.Sequence s)) {
      String fix = v instanceof DocNode.Scalar sc && sc.kind() == DocNode.Kind.STRING && !sc.text().isEmpty()
          ? "; write it as a list: [" + Text.quote(sc.text()) + "]"
          : "; write a list such as [payments-leads], or remove the field";
      problems.add(v, spath, "must be a list of names, but was " + v.describe() + fix);
      return null;
    }
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < s.items().size(); i++) {
      DocNode item = s.items().get(i);
      String sp = spath + "[" + i + "]";
      index.putIfAbsent(cpath + "[" + i + "]", new Placed(item, sp));
      String text = string(item, sp);
      if (text != null) {
        out.add(new Item(item, cpath + "[" + i + "]", sp, text));
      }
    }
    return out;
  }

  private @Nullable List<Named> named(DocNode v, String cpath, String spath) {
    DocNode.Mapping m = mapping(v, spath, null);
    if (m == null) {
      return null;
    }
    List<Named> out = new ArrayList<>();
    for (DocNode.Entry e : m.entries().values()) {
      String c = child(cpath, e.key());
      String s = child(spath, e.key());
      List<Item> values = strings(e.value(), c, s);
      if (values != null) {
        out.add(new Named(e, c, s, values));
      }
    }
    return out;
  }

  @Nullable String string(DocNode v, String path) {
    if (v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.STRING) {
      return s.text();
    }
    String fix = v instanceof DocNode.Scalar s && s.kind() != DocNode.Kind.NULL
        ? "; quote it: " + Text.quote(s.text()) : "";
    problems.add(v, path, "must be text, but was " + v.describe() + fix);
    return null;
  }

  private @Nullable Integer integer(DocNode v, String path) {
    if (v instanceof DocNode.Scalar s && (s.kind() == DocNode.Kind.INTEGER || lenient(s)
        && WHOLE.matcher(s.text().trim()).matches())) {
      try {
        return Integer.parseInt(s.text().trim());
      } catch (NumberFormatException e) {
        problems.add(v, path, "is too large, but was " + v.describe() + "; use a small whole number");
        return null;
      }
    }
    problems.add(v, path, "must be a whole number, but was " + v.describe()
        + (dialect == Dialect.DOCUMENT && v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.STRING
            ? "; remove the quotes" : ""));
    return null;
  }

  private @Nullable Boolean bool(DocNode v, String path) {
    if (v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.BOOLEAN) {
      return Boolean.parseBoolean(s.text());
    }
    if (v instanceof DocNode.Scalar s && lenient(s)
        && (s.text().trim().equalsIgnoreCase("true") || s.text().trim().equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s.text().trim());
    }
    problems.add(v, path, "must be true or false, but was " + v.describe()
        + (dialect == Dialect.DOCUMENT && v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.STRING
            ? "; write true or false without quotes" : ""));
    return null;
  }

  private @Nullable Duration duration(DocNode v, String path) {
    if (v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.STRING) {
      String text = dialect == Dialect.PROPERTIES ? s.text().trim() : s.text();
      try {
        return Duration.parse(text);
      } catch (DateTimeParseException e) {
        problems.add(v, path, "must be " + DURATION_HINT + ", but was " + Text.quote(s.text()) + iso(text));
        return null;
      }
    }
    problems.add(v, path, "must be " + DURATION_HINT + ", but was " + v.describe());
    return null;
  }

  /** The ISO-8601 form of Spring's simple duration format ({@code 30m}, {@code 1h}, {@code 2d}), as a fix. */
  private static String iso(String text) {
    Matcher m = SIMPLE_DURATION.matcher(text);
    if (!m.matches()) {
      return "";
    }
    long n = Long.parseLong(m.group(1));
    String iso = switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n).toString();
      case "s" -> Duration.ofSeconds(n).toString();
      case "m" -> Duration.ofMinutes(n).toString();
      case "h" -> Duration.ofHours(n).toString();
      default -> "P" + n + "D";
    };
    return "; write " + iso;
  }

  /** A decimal amount, parsed exactly from its text; never through a binary floating-point number. */
  private @Nullable BigDecimal amount(DocNode v, String cpath, String spath) {
    if (v instanceof DocNode.Scalar s && dialect == Dialect.PROPERTIES && s.kind() == DocNode.Kind.DECIMAL) {
      problems.add(v, spath, "must be written as text so that every digit is kept, but was the number " + s.text()
          + " (YAML reads an unquoted decimal as a binary floating-point number, which drops trailing zeros and "
          + "may round); quote it, for example \"500.00\"");
      return null;
    }
    if (v instanceof DocNode.Scalar s && (s.kind() == DocNode.Kind.INTEGER || s.kind() == DocNode.Kind.DECIMAL
        || s.kind() == DocNode.Kind.STRING)) {
      try {
        return Amounts.parse(cpath, s.text().trim());
      } catch (InvalidInputException e) {
        problems.add(v, spath, RuleBinder.strip(String.valueOf(e.getMessage()), cpath));
        return null;
      }
    }
    problems.add(v, spath, "must be a decimal amount such as 500.00, but was " + v.describe());
    return null;
  }

  private @Nullable String choice(DocNode v, String path, List<String> names) {
    String s = string(v, path);
    return s == null ? null : oneOf(v, path, s, names);
  }

  private @Nullable String oneOf(DocNode v, String path, String s, List<String> names) {
    if (names.contains(s)) {
      return s;
    }
    String closest = Dialect.DOCUMENT.closest(s, names);
    problems.add(v, path, "must be one of " + String.join(", ", names) + ", but was " + Text.quote(s)
        + (closest == null ? "" : "; did you mean " + closest + "?"));
    return null;
  }

  private @Nullable List<Item> choices(DocNode v, String cpath, String spath, List<String> names) {
    List<Item> items = strings(v, cpath, spath);
    if (items == null) {
      return null;
    }
    boolean valid = true;
    for (Item x : items) {
      valid &= oneOf(x.node(), x.spath(), x.text(), names) != null;
    }
    return valid ? items : null;
  }

  private @Nullable LocalTime time(DocNode v, String path) {
    if (dialect == Dialect.PROPERTIES && v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.INTEGER
        && WHOLE.matcher(s.text()).matches() && Long.parseLong(s.text()) >= 0 && Long.parseLong(s.text()) < 1440) {
      long n = Long.parseLong(s.text());
      String hhmm = String.format(Locale.ROOT, "%02d:%02d", n / 60, n % 60);
      problems.add(v, path, "must be a local time such as \"09:00\", but was the number " + n + ": YAML reads an "
          + "unquoted " + hhmm + " as a number (base 60); quote it: \"" + hhmm + "\"");
      return null;
    }
    String s = string(v, path);
    if (s == null) {
      return null;
    }
    try {
      return LocalTime.parse(s);
    } catch (DateTimeParseException e) {
      problems.add(v, path, "must be a local time such as \"09:00\" or \"17:30\" (24-hour clock), but was "
          + Text.quote(s));
      return null;
    }
  }

  private @Nullable ZoneId zone(DocNode v, String path) {
    String z = string(v, path);
    if (z == null) {
      return null;
    }
    try {
      return ZoneId.of(z);
    } catch (DateTimeException e) {
      problems.add(v, path, "must be a time zone ID such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\", "
          + "but was " + Text.quote(z));
      return null;
    }
  }

  /** Whether a text scalar may stand for a number or a boolean: in properties, where every value is text. */
  private boolean lenient(DocNode.Scalar s) {
    return dialect == Dialect.PROPERTIES && s.kind() == DocNode.Kind.STRING;
  }
}
