package dev.jitguard.rule;

import dev.jitguard.ElevationRequest;
import dev.jitguard.InvalidInputException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The fields of a {@link PrivilegeRule}, defined once: one entry per field path as policy documents spell it
 * ({@code eligible.groups}, {@code approval.requireComment}, {@code approval.stages[].approvals}), with its kind of
 * value and whether its mapping requires it. Code, policy documents and Spring Boot properties ({@code
 * jit.policy.rules[n].approval.require-comment}, the same path in Spring's kebab-case) all accept exactly these fields:
 * {@link PrivilegeRuleBuilder} names them this way in its messages, and both binders (documents and properties) read
 * them from this table, so a field cannot be spelt two ways or known to one source only.
 *
 * <p>Entries are declared in document order, each mapping's fields right after it; {@link #children()} and
 * {@link #topLevel()} keep that order.
 */
public enum RuleField {
  /** Who may request the privilege. */
  ELIGIBLE(null, "eligible", Kind.MAPPING, "who may request: groups, subjects or attribute conditions"),
  /** Groups whose members may request. */
  ELIGIBLE_GROUPS(ELIGIBLE, "groups", Kind.TEXT_LIST, "groups whose members may request, for example [support]"),
  /** Subjects who may request, by id. */
  ELIGIBLE_SUBJECTS(ELIGIBLE, "subjects", Kind.TEXT_LIST, "subjects who may request, by id, for example [carol]"),
  /** Attribute conditions every requester must meet. */
  ELIGIBLE_ATTRIBUTES(ELIGIBLE, "attributes", Kind.TEXT_LISTS,
      "attribute conditions, for example {department: [payments]}"),
  /** Who may never get the privilege; wins over every allow. */
  DENY(null, "deny", Kind.MAPPING, "who may never get the privilege: groups, subjects or attribute conditions"),
  /** Groups whose members may never get the privilege. */
  DENY_GROUPS(DENY, "groups", Kind.TEXT_LIST, "groups whose members are always denied, for example [interns]"),
  /** Subjects who may never get the privilege. */
  DENY_SUBJECTS(DENY, "subjects", Kind.TEXT_LIST, "subjects who are always denied, by id, for example [mallory]"),
  /** Attribute values that deny. */
  DENY_ATTRIBUTES(DENY, "attributes", Kind.TEXT_LISTS, "attribute values that deny, for example "
      + "{employment: [contractor]}"),
  /** The duration granted when a request names none. */
  DEFAULT_DURATION(null, "defaultDuration", Kind.DURATION, "the duration granted when a request names none, for "
      + "example PT30M"),
  /** The longest grant, extensions included. */
  MAX_DURATION(null, "maxDuration", Kind.DURATION, "the longest grant, extensions included, for example PT1H"),
  /** The justification a request must carry. */
  JUSTIFICATION(null, "justification", Kind.MAPPING, "the justification a request must carry"),
  /** The shortest justification accepted. */
  JUSTIFICATION_MIN_LENGTH(JUSTIFICATION, "minLength", Kind.INTEGER, true,
      "the minimum number of characters, for example 20"),
  /** The ticket reference a request must carry. */
  TICKET(null, "ticket", Kind.MAPPING, "the ticket reference a request carries"),
  /** Whether a ticket reference is required. */
  TICKET_REQUIRED(TICKET, "required", Kind.BOOLEAN, "whether a ticket reference is required, true or false"),
  /** The pattern a ticket reference must match in full. */
  TICKET_PATTERN(TICKET, "pattern", Kind.REGEX, "a regular expression a ticket must match in full, for example "
      + "\"[A-Z]+-[0-9]+\""),
  /** Alternatives under which requests are approved without a person. */
  AUTO_APPROVE(null, "autoApprove", Kind.MAPPING_LIST, "a list of conditions such as [{groups: [oncall-sre]}]"),
  /** Requesters in these groups are approved automatically. */
  AUTO_APPROVE_GROUPS(AUTO_APPROVE, "groups", Kind.TEXT_LIST, "groups whose members are approved automatically"),
  /** Requests made within this weekly window are approved automatically. */
  AUTO_APPROVE_WINDOW(AUTO_APPROVE, "window", Kind.MAPPING, "a weekly time window {days, from, to, zone}"),
  /** The days the window starts on. */
  WINDOW_DAYS(AUTO_APPROVE_WINDOW, "days", Kind.CHOICE_LIST, true, DayOfWeek.class,
      "the days the window starts on, for example [MONDAY, TUESDAY]"),
  /** The window's local start time. */
  WINDOW_FROM(AUTO_APPROVE_WINDOW, "from", Kind.LOCAL_TIME, true, "the local start time, for example \"09:00\""),
  /** The window's local end time, exclusive. */
  WINDOW_TO(AUTO_APPROVE_WINDOW, "to", Kind.LOCAL_TIME, true,
      "the local end time (exclusive), for example \"17:00\""),
  /** The window's time zone. */
  WINDOW_ZONE(AUTO_APPROVE_WINDOW, "zone", Kind.TIME_ZONE, true,
      "the time zone of the local times, for example Europe/Berlin"),
  /** Requesters on call for this schedule are approved automatically. */
  AUTO_APPROVE_ON_CALL(AUTO_APPROVE, "onCall", Kind.TEXT, "an on-call schedule, for example primary-sre"),
  /** Every request that passes the other rules is approved automatically. */
  AUTO_APPROVE_ALWAYS(AUTO_APPROVE, "always", Kind.BOOLEAN, "true to approve every request without a person"),
  /** Who must approve, and how requests wait. */
  APPROVAL(null, "approval", Kind.MAPPING, "who must approve, and how requests wait"),
  /** Distinct approvals needed in the single approver stage. */
  APPROVALS(APPROVAL, "approvals", Kind.INTEGER, "how many distinct people must approve, 1 to 10"),
  /** Groups whose members may approve, in the single approver stage. */
  APPROVER_GROUPS(APPROVAL, "groups", Kind.TEXT_LIST, "groups whose members may approve, for example "
      + "[payments-leads]"),
  /** Subjects who may approve, in the single approver stage. */
  APPROVER_SUBJECTS(APPROVAL, "subjects", Kind.TEXT_LIST, "subjects who may approve, by id"),
  /** Approval stages, instead of the single stage. */
  STAGES(APPROVAL, "stages", Kind.MAPPING_LIST, "a list of stages such as [{name: team-lead, approvals: 1, "
      + "groups: [leads]}]"),
  /** A stage's name. */
  STAGE_NAME(STAGES, "name", Kind.TEXT, true, "a short lowercase name such as team-lead"),
  /** Distinct approvals a stage needs. */
  STAGE_APPROVALS(STAGES, "approvals", Kind.INTEGER, "how many distinct people of the stage must approve, 1 to 10 "
      + "(default 1)"),
  /** Groups whose members may approve in a stage. */
  STAGE_GROUPS(STAGES, "groups", Kind.TEXT_LIST, "groups whose members may approve in the stage"),
  /** Subjects who may approve in a stage. */
  STAGE_SUBJECTS(STAGES, "subjects", Kind.TEXT_LIST, "subjects who may approve in the stage, by id"),
  /** How stages combine. */
  STAGE_MODE(APPROVAL, "mode", Kind.CHOICE, false, StageMode.class, "how stages combine: ALL (every stage, the "
      + "default) or ANY"),
  /** Distinct denials that deny a request. */
  DENY_THRESHOLD(APPROVAL, "denyThreshold", Kind.INTEGER, "how many distinct approvers must deny, 1 to 10 "
      + "(default 1)"),
  /** Whether approvers must comment. */
  REQUIRE_COMMENT(APPROVAL, "requireComment", Kind.BOOLEAN, false, null, "whether approvers must give a comment",
      "approval.commentRequired"),
  /** How long a request may wait for approvals. */
  PENDING_TTL(APPROVAL, "pendingTtl", Kind.DURATION, "how long a request may wait for approvals, for example PT8H"),
  /** When approvers are reminded of a pending request. */
  REMIND_AFTER(APPROVAL, "remindAfter", Kind.DURATION, "after how long approvers are reminded, for example PT30M"),
  /** When a pending request is escalated to the fallback groups. */
  ESCALATE_AFTER(APPROVAL, "escalateAfter", Kind.DURATION, "how long a request waits before the escalateTo groups "
      + "may approve it, for example PT2H"),
  /** The fallback approver groups of an escalated request. */
  ESCALATE_TO(APPROVAL, "escalateTo", Kind.TEXT_LIST, "the fallback approver groups once escalated, for example "
      + "[finance-managers]"),
  /** The on-call schedule whose people are suggested as approvers. */
  SUGGEST_ON_CALL(APPROVAL, "suggestOnCall", Kind.TEXT, "an on-call schedule whose people are suggested as "
      + "approvers"),
  /** Whether extending a grant needs an approver. */
  EXTENSION_REQUIRES_APPROVAL(null, "extensionRequiresApproval", Kind.BOOLEAN, false, null, "whether extending a "
      + "grant needs an approver (default true)", "extension.requiresApproval"),
  /** When the expiry warning event is sent. */
  EXPIRY_WARNING(null, "expiryWarning", Kind.DURATION, "how long before expiry a GRANT_EXPIRING event is sent, for "
      + "example PT5M"),
  /** The largest budget of uses a request may ask for. */
  MAX_USES(null, "maxUses", Kind.INTEGER, "the largest budget of uses a request may ask for (default 1000)"),
  /** The most one grant's calls may spend together; meters the privilege. */
  MAX_AMOUNT(null, "maxAmount", Kind.AMOUNT, "the most one grant's calls may spend together, a plain decimal such "
      + "as \"500.00\""),
  /** How far ahead a scheduled start may be. */
  MAX_START_DELAY(null, "maxStartDelay", Kind.DURATION, "how far ahead a scheduled start may be (default P7D)"),
  /** Emergency self-elevation. */
  BREAK_GLASS(null, "breakGlass", Kind.MAPPING, "emergency self-elevation {minReasonLength, maxDuration}"),
  /** The shortest emergency reason accepted. */
  BREAK_GLASS_MIN_REASON_LENGTH(BREAK_GLASS, "minReasonLength", Kind.INTEGER, true,
      "the minimum length of the emergency reason, for example 40"),
  /** The longest break-glass grant. */
  BREAK_GLASS_MAX_DURATION(BREAK_GLASS, "maxDuration", Kind.DURATION, true,
      "the longest break-glass grant, for example PT15M"),
  /** A message added to every denial. */
  DENY_MESSAGE(null, "denyMessage", Kind.TEXT, "a message added to every denial, for example \"Ask in #payments\"");

  /** The kind of value a field holds. */
  public enum Kind {
    /** Printable text. */
    TEXT,
    /** A list of names (groups, subjects, values). */
    TEXT_LIST,
    /** A mapping of names to lists of values (attribute conditions). */
    TEXT_LISTS,
    /** A whole number. */
    INTEGER,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** An ISO-8601 duration such as {@code PT30M}. */
    DURATION,
    /** An exact decimal amount such as {@code 500.00}. */
    AMOUNT,
    /** A Java regular expression, written by the policy author. */
    REGEX,
    /** One of the names {@link RuleField#choices()} lists. */
    CHOICE,
    /** A list of the names {@link RuleField#choices()} lists. */
    CHOICE_LIST,
    /** A local time such as {@code "09:00"}. */
    LOCAL_TIME,
    /** A time zone ID such as {@code Europe/Berlin}. */
    TIME_ZONE,
    /** A mapping of the fields {@link RuleField#children()} lists. */
    MAPPING,
    /** A list of mappings, each of the fields {@link RuleField#children()} lists. */
    MAPPING_LIST
  }

  private final @Nullable RuleField parent;
  private final String key;
  private final String path;
  private final Kind kind;
  private final boolean required;
  private final List<String> choices;
  private final String description;
  private final List<String> formerPaths;

  RuleField(@Nullable RuleField parent, String key, Kind kind, String description) {
    this(parent, key, kind, false, null, description);
  }

  RuleField(@Nullable RuleField parent, String key, Kind kind, boolean required, String description) {
    this(parent, key, kind, required, null, description);
  }

  RuleField(@Nullable RuleField parent, String key, Kind kind, boolean required,
      @Nullable Class<? extends Enum<?>> choices, String description, String... formerPaths) {
    this.parent = parent;
    this.key = key;
    this.path = parent == null ? key
        : parent.path + (parent.kind == Kind.MAPPING_LIST ? "[]." : ".") + key;
    this.kind = kind;
    this.required = required;
    this.choices = choices == null ? List.of()
        : Arrays.stream(choices.getEnumConstants()).map(Enum::name).toList();
    this.description = description;
    this.formerPaths = List.of(formerPaths);
  }

  /** @return the field's name within its mapping, as documents spell it, for example {@code requireComment} */
  public String key() {
    return key;
  }

  /**
   * The field's path within a rule, as policy documents spell it: {@code maxDuration}, {@code approval.requireComment};
   * the fields of list entries are written with {@code []}, for example {@code approval.stages[].approvals}.
   *
   * @return the path
   */
  public String path() {
    return path;
  }

  /**
   * The path as Spring Boot properties spell it (kebab-case), for example {@code approval.require-comment} under
   * {@code jit.policy.rules[n]}. Spring's relaxed binding accepts the camelCase {@link #path()} too.
   *
   * @return the path in kebab-case
   */
  public String propertyPath() {
    return kebab(path);
  }

  /** @return the kind of value the field holds */
  public Kind kind() {
    return kind;
  }

  /** @return the mapping this field belongs to; empty for a field of the rule itself */
  public Optional<RuleField> parent() {
    return Optional.ofNullable(parent);
  }

  /** @return the fields of a {@link Kind#MAPPING} or {@link Kind#MAPPING_LIST} field, in document order */
  public List<RuleField> children() {
    return childrenOf(this);
  }

  /** @return the fields of the rule itself, in document order */
  public static List<RuleField> topLevel() {
    return childrenOf(null);
  }

  /** @return true if the mapping this field belongs to must give it whenever the mapping is given */
  public boolean isRequired() {
    return required;
  }

  /** @return for {@link Kind#CHOICE} and {@link Kind#CHOICE_LIST}, the accepted names; otherwise empty */
  public List<String> choices() {
    return choices;
  }

  /** @return what the field is, with an example, for documentation and "is missing" messages */
  public String description() {
    return description;
  }

  /**
   * Paths this field had before it was renamed (for example {@code approval.commentRequired} for
   * {@link #REQUIRE_COMMENT}), so that an old spelling is rejected with the new one named.
   *
   * @return the former paths, in document spelling
   */
  public List<String> formerPaths() {
    return formerPaths;
  }

  /**
   * The field with this path.
   *
   * @param path a path as {@link #path()} spells it
   * @return the field, or empty if the rule has no such field
   */
  public static Optional<RuleField> byPath(String path) {
    for (RuleField f : values()) {
      if (f.path.equals(path)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  /**
   * Spring's kebab-case form of a document spelling: {@code extensionRequiresApproval} becomes
   * {@code extension-requires-approval}; dots, brackets and lowercase text are kept.
   *
   * @param documentSpelling a field name or path as documents spell it
   * @return the kebab-case form
   */
  public static String kebab(String documentSpelling) {
    Objects.requireNonNull(documentSpelling, "documentSpelling cannot be null");
    StringBuilder sb = new StringBuilder(documentSpelling.length() + 8);
    for (int i = 0; i < documentSpelling.length(); i++) {
      char c = documentSpelling.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        sb.append('-').append((char) (c - 'A' + 'a'));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private static List<RuleField> childrenOf(@Nullable RuleField parent) {
    List<RuleField> out = new ArrayList<>();
    for (RuleField f : values()) {
      if (f.parent == parent) {
        out.add(f);
      }
    }
    return Collections.unmodifiableList(out);
  }

  // ---------------------------------------------------------------------------------- for PrivilegeRuleBuilder

  /** The field's full name in a message about the rule for a pattern: {@code policies.<pattern>.<path>}. */
  String at(PrivilegePattern pattern) {
    return "policies." + pattern + "." + path;
  }

  /** An exception naming the field: {@code policies.<pattern>.<path> <problem>}. */
  InvalidInputException invalid(PrivilegePattern pattern, String problem) {
    return new InvalidInputException(at(pattern), at(pattern) + " " + problem);
  }

  /** Rejects a second setting of a scalar option, naming the first value. */
  void once(PrivilegePattern pattern, boolean set, @Nullable Object value) {
    if (set) {
      throw new IllegalStateException(at(pattern) + " was already set to " + value);
    }
  }

  /** A positive duration, at most {@link ElevationRequest#MAX_DURATION}. */
  Duration positive(PrivilegePattern pattern, Duration d) {
    Objects.requireNonNull(d, path + " cannot be null");
    if (d.isNegative() || d.isZero() || d.compareTo(ElevationRequest.MAX_DURATION) > 0) {
      throw invalid(pattern, String.format(Locale.ROOT, "must be positive and at most %s, but was %s",
          ElevationRequest.MAX_DURATION, d));
    }
    return d;
  }

  /** A whole number in {@code [min, max]}; {@code fix} is appended to the message when out of range. */
  int between(PrivilegePattern pattern, int n, int min, int max, String fix) {
    if (n < min || n > max) {
      throw invalid(pattern, String.format(Locale.ROOT, "must be between %d and %d, but was %d%s", min, max, n,
          fix));
    }
    return n;
  }
}
