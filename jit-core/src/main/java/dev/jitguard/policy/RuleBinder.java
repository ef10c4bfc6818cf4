package dev.jitguard.policy;

import dev.jitguard.InvalidInputException;
import dev.jitguard.internal.util.Text;
import dev.jitguard.policy.FieldReader.Bound;
import dev.jitguard.policy.FieldReader.Fields;
import dev.jitguard.policy.FieldReader.Item;
import dev.jitguard.policy.FieldReader.Named;
import dev.jitguard.policy.FieldReader.Placed;
import dev.jitguard.rule.ApprovalStage;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.rule.PrivilegeRuleBuilder;
import dev.jitguard.rule.RuleField;
import dev.jitguard.rule.StageMode;
import dev.jitguard.rule.TimeWindow;
import dev.jitguard.spi.OnCallSource;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Binds one rule, written as a tree, to {@link PrivilegeRule#builder(String)}: {@link FieldReader} reads every field
 * by the {@link RuleField} table, then {@link #apply} gives each to the builder, so the rule goes through exactly the
 * validation a programmatic rule does. Every exception the builder throws becomes a problem at the field it names
 * (or, for the checks between fields in {@link PrivilegeRuleBuilder#build()}, at the field the exception names when
 * the input has it). The cross-field checks run only once the fields are valid, so one mistake is not reported twice.
 */
final class RuleBinder {
  private final FieldReader read;
  private final DocProblems problems;
  private final @Nullable OnCallSource onCallSource;
  /** The builder of the rule being bound; set by {@link #bind} before any field is applied. */
  private PrivilegeRuleBuilder rb;
  /** The canonical and the shown path of the rule being bound. */
  private @Nullable String ruleC;
  private String ruleS = "";

  RuleBinder(Dialect dialect, DocProblems problems, @Nullable OnCallSource onCallSource) {
    this.read = new FieldReader(dialect, problems);
    this.problems = problems;
    this.onCallSource = onCallSource;
  }

  FieldReader reader() {
    return read;
  }

  /**
   * Binds a rule.
   *
   * @param pattern the privilege or prefix, as written
   * @param patternAt where the pattern was written, and its shown path
   * @param spath the rule's path as shown ({@code policies.payments.refund}, {@code jit.policy.rules[0]})
   * @param node the rule's fields
   * @param extra names accepted in the rule's mapping besides the table's (and handled by the caller)
   * @return the rule, or null if any problem was found (reported)
   */
  @Nullable PrivilegeRule bind(String pattern, Placed patternAt, String spath, DocNode node, List<String> extra) {
    String cpath = "policies." + pattern;
    ruleC = cpath;
    ruleS = spath;
    read.index.clear();
    read.index.put(cpath, new Placed(patternAt.node(), spath));
    int before = problems.count();
    Fields fields = read.fields(node, null, cpath, spath, extra);
    PrivilegeRuleBuilder[] holder = new PrivilegeRuleBuilder[1];
    if (!apply(patternAt.node(), cpath, patternAt.spath(), () -> holder[0] = PrivilegeRule.builder(pattern))
        || fields == null) {
      return null;
    }
    rb = holder[0];
    fields.bound().values().forEach(b -> apply(b, fields));
    if (problems.count() > before) {
      return null;
    }
    PrivilegeRule[] built = new PrivilegeRule[1];
    return apply(patternAt.node(), cpath, spath, () -> built[0] = rb.build()) ? built[0] : null;
  }

  // ------------------------------------------------------------------------------------------------ the fields

  /**
   * Gives one field to the builder. The switch is exhaustive: a field added to the table does not compile until it
   * says how it binds. Fields of a value (a stage, a time window, break-glass) are applied by that value.
   */
  private void apply(Bound b, Fields siblings) {
    if (b.value() == null) {
      return; // reported when read
    }
    Runnable action = switch (b.field()) {
      case ELIGIBLE, DENY, JUSTIFICATION, TICKET, APPROVAL -> () -> {
        Fields section = value(b);
        section.bound().values().forEach(x -> apply(x, section));
      };
      case ELIGIBLE_GROUPS -> () -> each(b, rb::eligibleGroups);
      case ELIGIBLE_SUBJECTS -> () -> each(b, rb::eligibleSubjects);
      case ELIGIBLE_ATTRIBUTES -> () -> attributes(b, rb::eligibleWhen);
      case DENY_GROUPS -> () -> each(b, rb::denyGroups);
      case DENY_SUBJECTS -> () -> each(b, rb::denySubjects);
      case DENY_ATTRIBUTES -> () -> attributes(b, rb::denyWhen);
      case DEFAULT_DURATION -> () -> set(b, (Duration d) -> rb.defaultDuration(d));
      case MAX_DURATION -> () -> set(b, (Duration d) -> rb.maxDuration(d));
      case JUSTIFICATION_MIN_LENGTH -> () -> set(b, (Integer n) -> rb.requireJustification(n));
      case TICKET_REQUIRED -> () -> set(b, (Boolean on) -> {
        if (on) {
          rb.requireTicket();
        }
      });
      case TICKET_PATTERN -> () -> set(b, (String regex) -> rb.ticketPattern(regex));
      case AUTO_APPROVE -> () -> autoApprove(value(b));
      case APPROVALS -> () -> set(b, (Integer n) -> rb.approvals(n));
      case APPROVER_GROUPS -> () -> each(b, rb::approverGroups);
      case APPROVER_SUBJECTS -> () -> each(b, rb::approverSubjects);
      case STAGES -> () -> stages(b, value(b));
      case STAGE_MODE -> () -> set(b, (String mode) -> rb.stageMode(StageMode.valueOf(mode)));
      case DENY_THRESHOLD -> () -> set(b, (Integer n) -> rb.denyThreshold(n));
      case REQUIRE_COMMENT -> () -> set(b, (Boolean on) -> {
        if (on) {
          rb.requireApproverComment();
        }
      });
      case PENDING_TTL -> () -> set(b, (Duration d) -> rb.pendingTtl(d));
      case REMIND_AFTER -> () -> set(b, (Duration d) -> rb.remindAfter(d));
      case ESCALATE_AFTER -> () -> escalate(b, siblings);
      case ESCALATE_TO -> () -> {
        if (siblings.get(RuleField.ESCALATE_AFTER) == null) {
          String after = read.dialect.spell(RuleField.ESCALATE_AFTER.key());
          problems.add(b.entry().keyNode(), b.spath(), "has no effect without " + siblings.spath() + "." + after
              + "; add " + after + " (" + RuleField.ESCALATE_AFTER.description() + ")");
        }
      };
      case SUGGEST_ON_CALL -> () -> set(b, (String schedule) -> rb.suggestOnCall(schedule));
      case EXTENSION_REQUIRES_APPROVAL -> () -> set(b, (Boolean on) -> rb.extensionRequiresApproval(on));
      case EXPIRY_WARNING -> () -> set(b, (Duration d) -> rb.expiryWarning(d));
      case MAX_USES -> () -> set(b, (Integer n) -> rb.maxUses(n));
      case MAX_AMOUNT -> () -> set(b, (BigDecimal max) -> rb.maxAmount(max));
      case MAX_START_DELAY -> () -> set(b, (Duration d) -> rb.maxStartDelay(d));
      case BREAK_GLASS -> () -> breakGlass(b, value(b));
      case DENY_MESSAGE -> () -> set(b, (String message) -> rb.denyMessage(message));
      case AUTO_APPROVE_GROUPS, AUTO_APPROVE_WINDOW, WINDOW_DAYS, WINDOW_FROM, WINDOW_TO, WINDOW_ZONE,
          AUTO_APPROVE_ON_CALL, AUTO_APPROVE_ALWAYS -> () -> { }; // by autoApprove(..)
      case STAGE_NAME, STAGE_APPROVALS, STAGE_GROUPS, STAGE_SUBJECTS -> () -> { }; // by stages(..)
      case BREAK_GLASS_MIN_REASON_LENGTH, BREAK_GLASS_MAX_DURATION -> () -> { }; // by breakGlass(..)
    };
    action.run();
  }

  @SuppressWarnings("unchecked")
  private static <T> T value(Bound b) {
    return (T) b.value();
  }

  private <T> void set(Bound b, Consumer<T> target) {
    T v = value(b);
    apply(b.node(), b.cpath(), b.spath(), () -> target.accept(v));
  }

  private void each(Bound b, Consumer<String[]> target) {
    List<Item> items = value(b);
    for (Item x : items) {
      apply(x.node(), x.cpath(), x.spath(), () -> target.accept(new String[] {x.text()}));
    }
  }

  private void attributes(Bound b, BiConsumer<String, String[]> when) {
    List<Named> named = value(b);
    for (Named n : named) {
      String[] texts = texts(n.values());
      apply(n.entry().keyNode(), n.cpath(), n.spath(), () -> when.accept(n.entry().key(), texts));
    }
  }

  private static String[] texts(List<Item> items) {
    return items.stream().map(Item::text).toArray(String[]::new);
  }

  private void escalate(Bound b, Fields approval) {
    Bound to = approval.get(RuleField.ESCALATE_TO);
    if (to != null && to.value() == null) {
      return; // reported when read
    }
    String[] groups = to == null ? new String[0] : texts(value(to));
    set(b, (Duration d) -> rb.escalateAfter(d, groups));
  }

  private void breakGlass(Bound b, Fields f) {
    Integer n = f.value(RuleField.BREAK_GLASS_MIN_REASON_LENGTH);
    Duration d = f.value(RuleField.BREAK_GLASS_MAX_DURATION);
    if (f.complete() && n != null && d != null) {
      apply(b.node(), b.cpath(), b.spath(), () -> rb.breakGlass(n, d));
    }
  }

  private void stages(Bound b, List<Fields> items) {
    if (items.isEmpty()) {
      problems.add(b.node(), b.spath(), "lists no stages; add at least one stage or remove "
          + read.dialect.spell(RuleField.STAGES.key()) + " and use " + read.dialect.spell(RuleField.APPROVER_GROUPS
          .path()));
      return;
    }
    for (Fields s : items) {
      String name = s.value(RuleField.STAGE_NAME);
      if (!s.complete() || name == null) {
        continue;
      }
      Integer approvals = s.value(RuleField.STAGE_APPROVALS);
      List<Item> groups = s.value(RuleField.STAGE_GROUPS);
      List<Item> subjects = s.value(RuleField.STAGE_SUBJECTS);
      Set<String> g = groups == null ? Set.of() : new LinkedHashSet<>(List.of(texts(groups)));
      Set<String> u = subjects == null ? Set.of() : new LinkedHashSet<>(List.of(texts(subjects)));
      ApprovalStage[] stage = new ApprovalStage[1];
      Map<String, String> aliases = new LinkedHashMap<>();
      aliases.put("stages." + name, s.cpath());
      aliases.put("stages", s.cpath());
      if (apply(s.node(), s.cpath(), s.spath(), () -> stage[0] = new ApprovalStage(name,
          approvals == null ? 1 : approvals, g, u), aliases)) {
        apply(s.node(), s.cpath(), s.spath(), () -> rb.stage(stage[0]));
      }
    }
  }

  private void autoApprove(List<Fields> items) {
    for (Fields item : items) {
      if (item.complete() && item.bound().isEmpty()) {
        List<String> names = RuleField.AUTO_APPROVE.children().stream()
            .map(f -> read.dialect.spell(f.key())).toList();
        problems.add(item.node(), item.spath(), "is an empty condition; give at least one of "
            + String.join(", ", names) + " (several in one entry must all hold)");
      }
      if (!item.complete() || item.bound().isEmpty()) {
        continue;
      }
      int before = problems.count();
      List<AutoApproveCondition> all = new ArrayList<>();
      for (Bound b : item.bound().values()) {
        AutoApproveCondition c = condition(b);
        if (c != null) {
          all.add(c);
        }
      }
      if (problems.count() == before && all.size() == item.bound().size()) {
        AutoApproveCondition c = all.size() == 1 ? all.get(0)
            : AutoApproveCondition.allOf(all.toArray(AutoApproveCondition[]::new));
        apply(item.node(), item.cpath(), item.spath(), () -> rb.autoApprove(c));
      }
    }
  }

  private @Nullable AutoApproveCondition condition(Bound b) {
    AutoApproveCondition[] out = new AutoApproveCondition[1];
    switch (b.field()) {
      case AUTO_APPROVE_GROUPS -> {
        List<Item> groups = value(b);
        if (groups.isEmpty()) {
          problems.add(b.node(), b.spath(), "lists no groups; name the groups whose members are approved "
              + "automatically");
          return null;
        }
        boolean valid = true;
        for (Item x : groups) {
          valid &= apply(x.node(), x.cpath(), x.spath(), () -> AutoApproveCondition.memberOfAny(x.text()));
        }
        if (valid) {
          apply(b.node(), b.cpath(), b.spath(), () -> out[0] = AutoApproveCondition.memberOfAny(texts(groups)));
        }
      }
      case AUTO_APPROVE_WINDOW -> {
        Fields w = value(b);
        List<Item> dayItems = w.value(RuleField.WINDOW_DAYS);
        LocalTime from = w.value(RuleField.WINDOW_FROM);
        LocalTime to = w.value(RuleField.WINDOW_TO);
        ZoneId zone = w.value(RuleField.WINDOW_ZONE);
        if (w.complete() && dayItems != null && from != null && to != null && zone != null) {
          Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
          dayItems.forEach(d -> days.add(DayOfWeek.valueOf(d.text())));
          apply(b.node(), b.cpath(), b.spath(),
              () -> out[0] = AutoApproveCondition.during(new TimeWindow(days, from, to, zone)));
        }
      }
      case AUTO_APPROVE_ON_CALL -> {
        String schedule = value(b);
        if (onCallSource == null) {
          problems.add(b.node(), b.spath(), "names the on-call schedule " + Text.quote(schedule) + ", but no "
              + "on-call source was given to the loader; load with PolicyDocuments.loader().withOnCallSource(source)"
              + (read.dialect == Dialect.PROPERTIES ? " (with Spring, declare an OnCallSource bean)" : ""));
        } else if (apply(b.node(), b.cpath(), b.spath(), () -> Text.token(b.cpath(), schedule, 128))) {
          out[0] = AutoApproveCondition.onCall(onCallSource, schedule);
        }
      }
      case AUTO_APPROVE_ALWAYS -> apply(b.node(), b.cpath(), b.spath(), () -> {
        if (!(Boolean) value(b)) {
          throw new InvalidInputException(b.cpath(), b.cpath() + " is false, which approves nothing; remove this "
              + "entry, or write " + read.dialect.spell("always") + ": true to approve every request that passes "
              + "the other rules");
        }
        out[0] = AutoApproveCondition.always();
      });
      default -> throw new IllegalStateException(b.field() + " is not an auto-approval condition");
    }
    return out[0];
  }

  // ------------------------------------------------------------------------------------------------ errors

  boolean apply(DocNode at, String cpath, String spath, Runnable action) {
    return apply(at, cpath, spath, action, Map.of());
  }

  /**
   * Runs a builder call and turns its exception into a problem at the field being applied, or at the field the
   * exception names when the input has it (cross-field checks).
   *
   * @param aliases prefixes of exception field names to replace by a canonical path (for value types such as
   *     {@link ApprovalStage} that name their fields relative to themselves), longest first
   */
  private boolean apply(DocNode at, String cpath, String spath, Runnable action, Map<String, String> aliases) {
    try {
      action.run();
      return true;
    } catch (IllegalArgumentException | IllegalStateException e) {
      report(at, cpath, spath, e, aliases);
      return false;
    }
  }

  private void report(DocNode at, String cpath, String spath, RuntimeException e, Map<String, String> aliases) {
    String message = String.valueOf(e.getMessage());
    String where = cpath;
    String shown = spath;
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
      boolean within = cpath.equals(f) || cpath.startsWith(f + "[") || cpath.startsWith(f + ".");
      if (!within) {
        String found = locate(f, cpath);
        if (found != null) {
          where = found;
          node = read.index.get(found).node();
          shown = read.index.get(found).spath();
          documentField = true;
        } else if (f.startsWith(cpath + ".") || documentField) {
          where = f;
          shown = shown(f);
        }
      }
      // Value types name fields relative to themselves ("window.to" for ...autoApprove[0].window.to).
      String plain = where.replaceAll("\\[\\d+\\]", "");
      if (documentField || plain.equals(field) || plain.endsWith("." + field)) {
        message = strip(message, field);
      }
    }
    problems.add(node, shown, strip(message, cpath));
  }

  /** The shown path of a canonical one the input does not have, in the input's spelling. */
  private String shown(String canonical) {
    return ruleC != null && canonical.startsWith(ruleC + ".")
        ? ruleS + "." + read.dialect.spell(canonical.substring(ruleC.length() + 1)) : canonical;
  }

  private @Nullable String locate(String field, String path) {
    Map<String, Placed> index = read.index;
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

  static String strip(String message, String prefix) {
    return !prefix.isEmpty() && message.startsWith(prefix + " ") ? message.substring(prefix.length() + 1) : message;
  }
}
