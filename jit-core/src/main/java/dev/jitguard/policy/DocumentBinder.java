package dev.jitguard.policy;

import dev.jitguard.rule.PrivilegeRuleBuilder;
import dev.jitguard.rule.ApprovalStage;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.rule.StageMode;
import dev.jitguard.rule.TimeWindow;
import dev.jitguard.InvalidInputException;
import dev.jitguard.Amounts;
import dev.jitguard.internal.util.Text;
import dev.jitguard.spi.OnCallSource;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Applies a parsed document to {@link Policy#builder()} and {@link PrivilegeRule#builder(String)}, field by field, so
 * a document goes through exactly the validation a programmatic policy does. Every problem is collected with the
 * location of the field being applied: unknown fields, wrong types and every exception the builders throw. The
 * cross-field checks of a rule ({@link PrivilegeRuleBuilder#build()}) run once its fields are valid, so one mistake
 * is not reported twice.
 */
final class DocumentBinder {
  /** A user-supplied version leaves room for {@code #} and the 12-digit content hash in the 64-character version. */
  static final int MAX_VERSION_LENGTH = 64 - 13;

  static final List<String> TOP = List.of("version", "administrators", "policies");
  static final List<String> ADMINISTRATORS = List.of("groups", "subjects");
  static final List<String> PEOPLE = List.of("groups", "subjects", "attributes");
  static final List<String> RULE = List.of("eligible", "deny", "defaultDuration", "maxDuration", "justification",
      "ticket", "autoApprove", "approval", "extensionRequiresApproval", "expiryWarning", "maxUses", "maxAmount",
      "maxStartDelay", "breakGlass", "denyMessage");
  static final List<String> JUSTIFICATION = List.of("minLength");
  static final List<String> TICKET = List.of("required", "pattern");
  static final List<String> AUTO_APPROVE = List.of("groups", "window", "onCall", "always");
  static final List<String> WINDOW = List.of("days", "from", "to", "zone");
  static final List<String> APPROVAL = List.of("approvals", "groups", "subjects", "stages", "mode", "denyThreshold",
      "requireComment", "pendingTtl", "remindAfter", "escalateAfter", "escalateTo", "suggestOnCall");
  static final List<String> STAGE = List.of("name", "approvals", "groups", "subjects");
  static final List<String> BREAK_GLASS = List.of("minReasonLength", "maxDuration");

  private static final String DURATION_HINT = "an ISO-8601 duration such as PT30M, PT8H or P1D";

  private final DocProblems problems;
  private final @Nullable OnCallSource onCallSource;
  /** Every field path of the document and where it is written, to place the builders' cross-field errors. */
  private final Map<String, DocNode> index = new HashMap<>();

  private DocumentBinder(DocProblems problems, @Nullable OnCallSource onCallSource) {
    this.problems = problems;
    this.onCallSource = onCallSource;
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
    indexTree(root, "", root);
    if (!(root instanceof DocNode.Mapping)) {
      problems.add(root, "", "the document must be a mapping with the fields " + String.join(", ", TOP)
          + ", but was " + root.describe());
      return null;
    }
    DocNode.Mapping top = mapping(root, "", TOP);
    Policy.Builder pb = Policy.builder();
    DocNode.Entry version = top.entries().get("version");
    if (version == null) {
      pb.version(contentHash);
    } else {
      String v = string(version.value(), "version");
      if (v != null) {
        if (v.length() > MAX_VERSION_LENGTH) {
          problems.add(version.value(), "version", String.format(Locale.ROOT, "must be at most %d characters "
              + "(the loader appends '#' and 12 hex digits of the content hash), but was %d; shorten it",
              MAX_VERSION_LENGTH, v.length()));
        } else {
          apply(version.value(), "version", () -> pb.version(v + "#" + contentHash));
        }
      }
    }
    DocNode.Entry admins = top.entries().get("administrators");
    if (admins != null) {
      DocNode.Mapping m = mapping(admins.value(), "administrators", ADMINISTRATORS);
      if (m != null) {
        for (DocNode.Entry e : m.entries().values()) {
          String p = DocumentReader.child("administrators", e.key());
          switch (e.key()) {
            case "groups" -> each(e.value(), p, pb::administratorGroups);
            case "subjects" -> each(e.value(), p, pb::administratorSubjects);
            default -> { }
          }
        }
      }
    }
    DocNode.Entry policies = top.entries().get("policies");
    if (policies == null) {
      problems.add(root, "policies", "is missing; add the rules, one per privilege or prefix, for example "
          + "policies: {logs.read: {eligible: {groups: [developers]}, approval: {groups: [sre]}}}");
    } else {
      DocNode.Mapping m = mapping(policies.value(), "policies", null);
      if (m != null && m.entries().isEmpty()) {
        problems.add(policies.keyNode(), "policies", "lists no rules; add at least one (a policy without rules "
            + "denies every request)");
      } else if (m != null) {
        for (DocNode.Entry e : m.entries().values()) {
          rule(e, pb);
        }
      }
    }
    if (!problems.isEmpty()) {
      return null;
    }
    return pb.build();
  }

  // ------------------------------------------------------------------------------------------------ rules

  private void rule(DocNode.Entry entry, Policy.Builder pb) {
    String path = "policies." + entry.key();
    DocNode.Mapping m = mapping(entry.value(), path, RULE);
    PrivilegeRuleBuilder[] holder = new PrivilegeRuleBuilder[1];
    if (!apply(entry.keyNode(), path, () -> holder[0] = PrivilegeRule.builder(entry.key())) || m == null) {
      return;
    }
    PrivilegeRuleBuilder rb = holder[0];
    int before = problems.count();
    for (DocNode.Entry f : m.entries().values()) {
      String p = DocumentReader.child(path, f.key());
      DocNode v = f.value();
      switch (f.key()) {
        case "eligible" -> people(v, p, rb::eligibleGroups, rb::eligibleSubjects, rb::eligibleWhen);
        case "deny" -> people(v, p, rb::denyGroups, rb::denySubjects, rb::denyWhen);
        case "defaultDuration" -> duration(v, p, rb::defaultDuration);
        case "maxDuration" -> duration(v, p, rb::maxDuration);
        case "justification" -> justification(v, p, rb);
        case "ticket" -> ticket(v, p, rb);
        case "autoApprove" -> autoApprove(v, p, rb);
        case "approval" -> approval(v, p, rb);
        case "extensionRequiresApproval" -> bool(v, p, rb::extensionRequiresApproval);
        case "expiryWarning" -> duration(v, p, rb::expiryWarning);
        case "maxUses" -> integer(v, p, rb::maxUses);
        case "maxAmount" -> amount(v, p, rb::maxAmount);
        case "maxStartDelay" -> duration(v, p, rb::maxStartDelay);
        case "breakGlass" -> breakGlass(v, p, rb);
        case "denyMessage" -> {
          String s = string(v, p);
          if (s != null) {
            apply(v, p, () -> rb.denyMessage(s));
          }
        }
        default -> { } // reported as unknown by mapping(..)
      }
    }
    if (problems.count() > before) {
      return;
    }
    PrivilegeRule[] built = new PrivilegeRule[1];
    if (apply(entry.keyNode(), path, () -> built[0] = rb.build())) {
      apply(entry.keyNode(), path, () -> pb.rule(built[0]));
    }
  }

  private void people(DocNode v, String path, Consumer<String[]> groups, Consumer<String[]> subjects,
      BiConsumer<String, String[]> when) {
    DocNode.Mapping m = mapping(v, path, PEOPLE);
    if (m == null) {
      return;
    }
    for (DocNode.Entry e : m.entries().values()) {
      String p = DocumentReader.child(path, e.key());
      switch (e.key()) {
        case "groups" -> each(e.value(), p, groups);
        case "subjects" -> each(e.value(), p, subjects);
        case "attributes" -> {
          DocNode.Mapping attributes = mapping(e.value(), p, null);
          if (attributes != null) {
            for (DocNode.Entry a : attributes.entries().values()) {
              String ap = DocumentReader.child(p, a.key());
              List<Item> values = strings(a.value(), ap);
              if (values != null) {
                String[] texts = values.stream().map(Item::text).toArray(String[]::new);
                apply(a.keyNode(), ap, () -> when.accept(a.key(), texts));
              }
            }
          }
        }
        default -> { }
      }
    }
  }

  private void justification(DocNode v, String path, PrivilegeRuleBuilder rb) {
    DocNode.Mapping m = mapping(v, path, JUSTIFICATION);
    if (m != null && require(m, path, "minLength", "the minimum number of characters, for example 20")) {
      integer(m.entries().get("minLength").value(), path + ".minLength", rb::requireJustification);
    }
  }

  private void ticket(DocNode v, String path, PrivilegeRuleBuilder rb) {
    DocNode.Mapping m = mapping(v, path, TICKET);
    if (m == null) {
      return;
    }
    for (DocNode.Entry e : m.entries().values()) {
      String p = DocumentReader.child(path, e.key());
      switch (e.key()) {
        case "required" -> bool(e.value(), p, required -> {
          if (required) {
            rb.requireTicket();
          }
        });
        case "pattern" -> {
          String s = string(e.value(), p);
          if (s != null) {
            apply(e.value(), p, () -> rb.ticketPattern(s));
          }
        }
        default -> { }
      }
    }
  }

  private void breakGlass(DocNode v, String path, PrivilegeRuleBuilder rb) {
    DocNode.Mapping m = mapping(v, path, BREAK_GLASS);
    if (m == null) {
      return;
    }
    boolean reason = require(m, path, "minReasonLength", "the minimum length of the emergency reason, for example "
        + "40");
    boolean max = require(m, path, "maxDuration", "the longest break-glass grant, for example PT15M");
    if (!reason || !max) {
      return;
    }
    Integer n = integerValue(m.entries().get("minReasonLength").value(), path + ".minReasonLength");
    Duration d = durationValue(m.entries().get("maxDuration").value(), path + ".maxDuration");
    if (n != null && d != null) {
      apply(v, path, () -> rb.breakGlass(n, d));
    }
  }

  // ------------------------------------------------------------------------------------------------ approval

  private void approval(DocNode v, String path, PrivilegeRuleBuilder rb) {
    DocNode.Mapping m = mapping(v, path, APPROVAL);
    if (m == null) {
      return;
    }
    DocNode.Entry escalateTo = m.entries().get("escalateTo");
    for (DocNode.Entry e : m.entries().values()) {
      String p = DocumentReader.child(path, e.key());
      DocNode ev = e.value();
      switch (e.key()) {
        case "approvals" -> integer(ev, p, rb::approvals);
        case "groups" -> each(ev, p, rb::approverGroups);
        case "subjects" -> each(ev, p, rb::approverSubjects);
        case "stages" -> stages(ev, p, rb);
        case "mode" -> {
          StageMode mode = enumValue(ev, p, StageMode.class);
          if (mode != null) {
            apply(ev, p, () -> rb.stageMode(mode));
          }
        }
        case "denyThreshold" -> integer(ev, p, rb::denyThreshold);
        case "requireComment" -> bool(ev, p, required -> {
          if (required) {
            rb.requireApproverComment();
          }
        });
        case "pendingTtl" -> duration(ev, p, rb::pendingTtl);
        case "remindAfter" -> duration(ev, p, rb::remindAfter);
        case "escalateAfter" -> {
          Duration d = durationValue(ev, p);
          List<Item> groups = escalateTo == null ? List.of()
              : strings(escalateTo.value(), DocumentReader.child(path, "escalateTo"));
          if (d != null && groups != null) {
            String[] g = groups.stream().map(Item::text).toArray(String[]::new);
            apply(ev, p, () -> rb.escalateAfter(d, g));
          }
        }
        case "escalateTo" -> {
          if (!m.entries().containsKey("escalateAfter")) {
            problems.add(e.keyNode(), p, "has no effect without " + path + ".escalateAfter; add escalateAfter (how "
                + "long a request waits before these groups may approve it), for example escalateAfter: PT2H");
          }
        }
        case "suggestOnCall" -> {
          String s = string(ev, p);
          if (s != null) {
            apply(ev, p, () -> rb.suggestOnCall(s));
          }
        }
        default -> { }
      }
    }
  }

  private void stages(DocNode v, String path, PrivilegeRuleBuilder rb) {
    DocNode.Sequence seq = sequence(v, path, "a list of stages such as [{name: team-lead, approvals: 1, groups: "
        + "[leads]}]");
    if (seq == null) {
      return;
    }
    if (seq.items().isEmpty()) {
      problems.add(v, path, "lists no stages; add at least one stage or remove stages and use approval.groups");
      return;
    }
    for (int i = 0; i < seq.items().size(); i++) {
      DocNode item = seq.items().get(i);
      String p = path + "[" + i + "]";
      DocNode.Mapping m = mapping(item, p, STAGE);
      if (m == null || !require(m, p, "name", "a short lowercase name such as team-lead")) {
        continue;
      }
      int before = problems.count();
      String name = string(m.entries().get("name").value(), p + ".name");
      int[] approvals = {1};
      DocNode.Entry n = m.entries().get("approvals");
      if (n != null) {
        integer(n.value(), p + ".approvals", x -> approvals[0] = x);
      }
      Set<String> groups = new LinkedHashSet<>();
      Set<String> subjects = new LinkedHashSet<>();
      DocNode.Entry g = m.entries().get("groups");
      if (g != null) {
        List<Item> items = strings(g.value(), p + ".groups");
        if (items != null) {
          items.forEach(x -> groups.add(x.text()));
        }
      }
      DocNode.Entry s = m.entries().get("subjects");
      if (s != null) {
        List<Item> items = strings(s.value(), p + ".subjects");
        if (items != null) {
          items.forEach(x -> subjects.add(x.text()));
        }
      }
      if (name == null || problems.count() > before) {
        continue;
      }
      ApprovalStage[] stage = new ApprovalStage[1];
      Map<String, String> aliases = new LinkedHashMap<>();
      aliases.put("stages." + name, p);
      aliases.put("stages", p);
      if (apply(item, p, () -> stage[0] = new ApprovalStage(name, approvals[0], groups, subjects), aliases)) {
        apply(item, p, () -> rb.stage(stage[0]));
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ auto-approval

  private void autoApprove(DocNode v, String path, PrivilegeRuleBuilder rb) {
    DocNode.Sequence seq = sequence(v, path, "a list of conditions such as [{groups: [oncall-sre]}]");
    if (seq == null) {
      return;
    }
    for (int i = 0; i < seq.items().size(); i++) {
      DocNode item = seq.items().get(i);
      String p = path + "[" + i + "]";
      DocNode.Mapping m = mapping(item, p, AUTO_APPROVE);
      if (m == null) {
        continue;
      }
      if (m.entries().isEmpty()) {
        problems.add(item, p, "is an empty condition; give at least one of " + String.join(", ", AUTO_APPROVE)
            + " (several in one entry must all hold)");
        continue;
      }
      int before = problems.count();
      List<AutoApproveCondition> all = new ArrayList<>();
      for (DocNode.Entry e : m.entries().values()) {
        String cp = DocumentReader.child(p, e.key());
        DocNode ev = e.value();
        switch (e.key()) {
          case "groups" -> {
            List<Item> groups = strings(ev, cp);
            if (groups != null && groups.isEmpty()) {
              problems.add(ev, cp, "lists no groups; name the groups whose members are approved automatically");
            } else if (groups != null) {
              boolean valid = true;
              for (Item x : groups) {
                valid &= apply(x.node(), x.path(), () -> AutoApproveCondition.memberOfAny(x.text()));
              }
              String[] g = groups.stream().map(Item::text).toArray(String[]::new);
              if (valid) {
                apply(ev, cp, () -> all.add(AutoApproveCondition.memberOfAny(g)));
              }
            }
          }
          case "window" -> {
            TimeWindow w = window(ev, cp);
            if (w != null) {
              all.add(AutoApproveCondition.during(w));
            }
          }
          case "onCall" -> {
            String schedule = string(ev, cp);
            if (schedule != null && onCallSource == null) {
              problems.add(ev, cp, "names the on-call schedule " + Text.quote(schedule) + ", but no on-call source "
                  + "was given to the loader; load with PolicyDocuments.loader().withOnCallSource(source)");
            } else if (schedule != null && apply(ev, cp, () -> Text.token(cp, schedule, 128))) {
              all.add(AutoApproveCondition.onCall(onCallSource, schedule));
            }
          }
          case "always" -> bool(ev, cp, always -> {
            if (!always) {
              throw new InvalidInputException(cp, cp + " is false, which approves nothing; remove this entry, or "
                  + "write always: true to approve every request that passes the other rules");
            }
            all.add(AutoApproveCondition.always());
          });
          default -> { }
        }
      }
      if (problems.count() == before && !all.isEmpty()) {
        AutoApproveCondition c = all.size() == 1 ? all.get(0)
            : AutoApproveCondition.allOf(all.toArray(AutoApproveCondition[]::new));
        apply(item, p, () -> rb.autoApprove(c));
      }
    }
  }

  private @Nullable TimeWindow window(DocNode v, String path) {
    DocNode.Mapping m = mapping(v, path, WINDOW);
    if (m == null) {
      return null;
    }
    boolean complete = require(m, path, "days", "the days the window starts on, for example [MONDAY, TUESDAY]")
        & require(m, path, "from", "the local start time, for example \"09:00\"")
        & require(m, path, "to", "the local end time (exclusive), for example \"17:00\"")
        & require(m, path, "zone", "the time zone of the local times, for example Europe/Berlin");
    if (!complete) {
      return null;
    }
    int before = problems.count();
    Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
    List<Item> dayItems = strings(m.entries().get("days").value(), path + ".days");
    if (dayItems != null) {
      for (Item d : dayItems) {
        DayOfWeek day = enumValue(d.node(), d.path(), DayOfWeek.class);
        if (day != null) {
          days.add(day);
        }
      }
    }
    LocalTime from = time(m.entries().get("from").value(), path + ".from");
    LocalTime to = time(m.entries().get("to").value(), path + ".to");
    ZoneId zone = null;
    DocNode zoneNode = m.entries().get("zone").value();
    String z = string(zoneNode, path + ".zone");
    if (z != null) {
      try {
        zone = ZoneId.of(z);
      } catch (DateTimeException e) {
        problems.add(zoneNode, path + ".zone", "must be a time zone ID such as \"Europe/Berlin\", "
            + "\"America/New_York\" or \"UTC\", but was " + Text.quote(z));
      }
    }
    if (problems.count() > before || from == null || to == null || zone == null) {
      return null;
    }
    TimeWindow[] w = new TimeWindow[1];
    LocalTime f = from;
    LocalTime t = to;
    ZoneId zz = zone;
    return apply(v, path, () -> w[0] = new TimeWindow(days, f, t, zz)) ? w[0] : null;
  }

  private @Nullable LocalTime time(DocNode v, String path) {
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

  // ------------------------------------------------------------------------------------------------ values

  /** A list entry with its path, for per-entry errors. */
  private record Item(DocNode node, String path, String text) {}

  private DocNode.@Nullable Mapping mapping(DocNode v, String path, @Nullable List<String> accepted) {
    if (!(v instanceof DocNode.Mapping m)) {
      problems.add(v, path, "must be a mapping" + (accepted == null ? "" : " with the fields "
          + String.join(", ", accepted)) + ", but was " + v.describe());
      return null;
    }
    if (accepted != null) {
      for (DocNode.Entry e : m.entries().values()) {
        if (!accepted.contains(e.key())) {
          unknown(e, DocumentReader.child(path, e.key()), accepted);
        }
      }
    }
    return m;
  }

  private void unknown(DocNode.Entry e, String path, List<String> accepted) {
    String closest = closest(e.key(), accepted);
    problems.add(e.keyNode(), path, "unknown field " + Text.quote(e.key())
        + (closest == null ? "; remove it or use one of the accepted fields: "
            : "; did you mean " + Text.quote(closest) + "? Accepted fields: ")
        + String.join(", ", accepted) + " (an unknown field is an error so that a typo never silently weakens a "
        + "rule)");
  }

  private boolean require(DocNode.Mapping m, String path, String field, String what) {
    if (m.entries().containsKey(field)) {
      return true;
    }
    problems.add(m, DocumentReader.child(path, field), "is missing; give " + what);
    return false;
  }

  private DocNode.@Nullable Sequence sequence(DocNode v, String path, String example) {
    if (v instanceof DocNode.Sequence s) {
      return s;
    }
    problems.add(v, path, "must be " + example + ", but was " + v.describe());
    return null;
  }

  /** A list of texts; entries that are not text are reported and left out. Null if not a list at all. */
  private @Nullable List<Item> strings(DocNode v, String path) {
    if (!(v instanceof DocNode.Sequence s)) {
      String fix = v instanceof DocNode.Scalar sc && sc.kind() == DocNode.Kind.STRING && !sc.text().isEmpty()
          ? "; write it as a list: [" + Text.quote(sc.text()) + "]"
          : "; write a list such as [payments-leads], or remove the field";
      problems.add(v, path, "must be a list of names, but was " + v.describe() + fix);
      return null;
    }
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < s.items().size(); i++) {
      DocNode item = s.items().get(i);
      String p = path + "[" + i + "]";
      String text = string(item, p);
      if (text != null) {
        out.add(new Item(item, p, text));
      }
    }
    return out;
  }

  private void each(DocNode v, String path, Consumer<String[]> target) {
    List<Item> items = strings(v, path);
    if (items != null) {
      for (Item x : items) {
        apply(x.node(), x.path(), () -> target.accept(new String[] {x.text()}));
      }
    }
  }

  private @Nullable String string(DocNode v, String path) {
    if (v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.STRING) {
      return s.text();
    }
    String fix = v instanceof DocNode.Scalar s && s.kind() != DocNode.Kind.NULL
        ? "; quote it: " + Text.quote(s.text()) : "";
    problems.add(v, path, "must be text, but was " + v.describe() + fix);
    return null;
  }

  private @Nullable Integer integerValue(DocNode v, String path) {
    if (v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.INTEGER) {
      try {
        return Integer.parseInt(s.text());
      } catch (NumberFormatException e) {
        problems.add(v, path, "is too large, but was " + v.describe() + "; use a small whole number");
        return null;
      }
    }
    problems.add(v, path, "must be a whole number, but was " + v.describe()
        + (v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.STRING ? "; remove the quotes" : ""));
    return null;
  }

  private void integer(DocNode v, String path, Consumer<Integer> target) {
    Integer n = integerValue(v, path);
    if (n != null) {
      apply(v, path, () -> target.accept(n));
    }
  }

  /** A decimal amount, written as a number ({@code 500.00}) or a string ({@code "500.00"}); parsed exactly. */
  private void amount(DocNode v, String path, Consumer<BigDecimal> target) {
    if (v instanceof DocNode.Scalar s && (s.kind() == DocNode.Kind.INTEGER || s.kind() == DocNode.Kind.DECIMAL
        || s.kind() == DocNode.Kind.STRING)) {
      apply(v, path, () -> target.accept(Amounts.parse(path, s.text().trim())));
      return;
    }
    problems.add(v, path, "must be a decimal amount such as 500.00, but was " + v.describe());
  }

  private void bool(DocNode v, String path, Consumer<Boolean> target) {
    if (v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.BOOLEAN) {
      apply(v, path, () -> target.accept(Boolean.parseBoolean(s.text())));
      return;
    }
    problems.add(v, path, "must be true or false, but was " + v.describe()
        + (v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.STRING ? "; write true or false without quotes"
            : ""));
  }

  private @Nullable Duration durationValue(DocNode v, String path) {
    if (v instanceof DocNode.Scalar s && s.kind() == DocNode.Kind.STRING) {
      try {
        return Duration.parse(s.text());
      } catch (DateTimeParseException e) {
        problems.add(v, path, "must be " + DURATION_HINT + ", but was " + Text.quote(s.text()));
        return null;
      }
    }
    problems.add(v, path, "must be " + DURATION_HINT + ", but was " + v.describe());
    return null;
  }

  private void duration(DocNode v, String path, Consumer<Duration> target) {
    Duration d = durationValue(v, path);
    if (d != null) {
      apply(v, path, () -> target.accept(d));
    }
  }

  private <E extends Enum<E>> @Nullable E enumValue(DocNode v, String path, Class<E> type) {
    String s = string(v, path);
    if (s == null) {
      return null;
    }
    List<String> names = new ArrayList<>();
    for (E c : type.getEnumConstants()) {
      if (c.name().equals(s)) {
        return c;
      }
      names.add(c.name());
    }
    String closest = closest(s, names);
    problems.add(v, path, "must be one of " + String.join(", ", names) + ", but was " + Text.quote(s)
        + (closest == null ? "" : "; did you mean " + closest + "?"));
    return null;
  }

  // ------------------------------------------------------------------------------------------------ errors

  private boolean apply(DocNode at, String path, Runnable action) {
    return apply(at, path, action, Map.of());
  }

  /**
   * Runs a builder call and turns its exception into a problem at the document field being applied, or at the field
   * the exception names when the document has it (cross-field checks).
   *
   * @param aliases prefixes of exception field names to replace by a document path (for value types such as
   *     {@link ApprovalStage} that name their fields relative to themselves), longest first
   */
  private boolean apply(DocNode at, String path, Runnable action, Map<String, String> aliases) {
    try {
      action.run();
      return true;
    } catch (IllegalArgumentException | IllegalStateException e) {
      report(at, path, e, aliases);
      return false;
    }
  }

  private void report(DocNode at, String path, RuntimeException e, Map<String, String> aliases) {
    String message = String.valueOf(e.getMessage());
    String where = path;
    DocNode node = at;
    if (e instanceof InvalidInputException invalid) {
      String field = invalid.field();
      String f = field;
      for (Map.Entry<String, String> a : aliases.entrySet()) {
        if (f.equals(a.getKey()) || f.startsWith(a.getKey() + ".")) {
          f = a.getValue() + f.substring(a.getKey().length());
          break;
        }
      }
      boolean documentField = !f.equals(field) || f.startsWith("policies.") || f.startsWith("administrators.")
          || f.equals("version");
      boolean within = path.equals(f) || path.startsWith(f + "[") || path.startsWith(f + ".");
      if (!within) {
        String found = locate(f, path);
        if (found != null) {
          where = found;
          node = index.get(found);
          documentField = true;
        } else if (f.startsWith(path + ".") || documentField) {
          where = f;
        }
      }
      // Value types name fields relative to themselves ("autoApprove.groups" for ...autoApprove[0].groups).
      String plain = where.replaceAll("\\[\\d+\\]", "");
      if (documentField || plain.equals(field) || plain.endsWith("." + field)) {
        message = strip(message, field);
      }
    }
    message = strip(message, path);
    problems.add(node, where, message);
  }

  private @Nullable String locate(String field, String path) {
    if (index.containsKey(field)) {
      return field;
    }
    String candidate = path + "." + field;
    if (index.containsKey(candidate)) {
      return candidate;
    }
    for (int i = path.length() - 1; i > 0; i--) {
      if (path.charAt(i) == '.') {
        candidate = path.substring(0, i) + "." + field;
        if (index.containsKey(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }

  private static String strip(String message, String prefix) {
    return !prefix.isEmpty() && message.startsWith(prefix + " ") ? message.substring(prefix.length() + 1) : message;
  }

  /** Records every path; a container field is placed at its key, a scalar at its value. */
  private void indexTree(DocNode node, String path, DocNode at) {
    index.putIfAbsent(path, at);
    if (node instanceof DocNode.Mapping m) {
      for (DocNode.Entry e : m.entries().values()) {
        DocNode v = e.value();
        indexTree(v, DocumentReader.child(path, e.key()), v instanceof DocNode.Scalar ? v : e.keyNode());
      }
    } else if (node instanceof DocNode.Sequence s) {
      for (int i = 0; i < s.items().size(); i++) {
        indexTree(s.items().get(i), path + "[" + i + "]", s.items().get(i));
      }
    }
  }

  /** The accepted name closest to a misspelt one: same ignoring case, or at most a few edits away. */
  static @Nullable String closest(String name, List<String> accepted) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String a : accepted) {
      if (a.equalsIgnoreCase(name)) {
        return a;
      }
      int d = distance(name.toLowerCase(Locale.ROOT), a.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = a;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(2, Math.min(name.length(), best.length()) / 4) ? best : null;
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
