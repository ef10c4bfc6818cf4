package dev.jitguard.rule;

import dev.jitguard.Amounts;
import dev.jitguard.ElevationRequest;
import dev.jitguard.InvalidInputException;
import dev.jitguard.internal.util.Identifiers;
import dev.jitguard.internal.util.Text;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Builds a {@link PrivilegeRule}: start with {@link PrivilegeRule#builder(String)}. Each setter validates
 * immediately and names the field as policy documents spell it ({@link RuleField}, for example
 * {@code policies.payments.refund.approval.requireComment}); scalar options may be set once;
 * {@link #build()} checks the rules between fields. Not thread-safe.
 */
public final class PrivilegeRuleBuilder {
  /** Longest ticket pattern accepted. */
  public static final int MAX_TICKET_PATTERN = 500;

  private final PrivilegePattern pattern;
  private final Set<String> eligibleSubjects = new TreeSet<>();
  private final Set<String> eligibleGroups = new TreeSet<>();
  private final Map<String, Set<String>> eligibleAttributes = new LinkedHashMap<>();
  private final Set<String> deniedSubjects = new TreeSet<>();
  private final Set<String> deniedGroups = new TreeSet<>();
  private final Map<String, Set<String>> deniedAttributes = new LinkedHashMap<>();
  private Duration defaultDuration;
  private Duration maxDuration = Duration.ofHours(1);
  private boolean maxDurationSet;
  private int minJustificationLength = -1;
  private boolean ticketRequired;
  private Pattern ticketPattern;
  private final List<AutoApproveCondition> autoApprove = new ArrayList<>();
  private int approvalsRequired = -1;
  private final Set<String> approverGroups = new TreeSet<>();
  private final Set<String> approverSubjects = new TreeSet<>();
  private final List<ApprovalStage> stages = new ArrayList<>();
  private StageMode stageMode;
  private int denyThreshold = -1;
  private boolean approverCommentRequired;
  private Duration pendingTtl;
  private Duration remindAfter;
  private Duration escalateAfter;
  private final Set<String> escalationGroups = new TreeSet<>();
  private Boolean extensionRequiresApproval;
  private Duration expiryWarning;
  private int maxUses = -1;
  private BigDecimal maxAmount;
  private Duration maxStartDelay;
  private BreakGlass breakGlass;
  private String denyMessage;
  private String suggestOnCall;

  PrivilegeRuleBuilder(PrivilegePattern pattern) {
    this.pattern = pattern;
  }

  /** Loads every value of a rule, for {@link PrivilegeRule#toBuilder()}. */
  PrivilegeRuleBuilder load(PrivilegeRule rule) {
    Eligibility e = rule.eligibility();
    eligibleSubjects.addAll(e.subjects());
    eligibleGroups.addAll(e.groups());
    e.attributes().forEach((k, v) -> eligibleAttributes.put(k, new TreeSet<>(v)));
    deniedSubjects.addAll(e.deniedSubjects());
    deniedGroups.addAll(e.deniedGroups());
    e.deniedAttributes().forEach((k, v) -> deniedAttributes.put(k, new TreeSet<>(v)));
    RequestLimits l = rule.limits();
    defaultDuration = l.defaultDuration();
    maxDuration = l.maxDuration();
    maxDurationSet = true;
    minJustificationLength = l.minJustificationLength() > 0 ? l.minJustificationLength() : -1;
    ticketRequired = l.ticketRequired();
    ticketPattern = l.ticketPattern().orElse(null);
    maxUses = l.maxUses();
    maxAmount = l.maxAmount().orElse(null);
    maxStartDelay = l.maxStartDelay();
    expiryWarning = l.expiryWarning().orElse(null);
    ApprovalRequirement a = rule.approval();
    autoApprove.addAll(a.autoApprove());
    stages.addAll(a.stages());
    stageMode = a.stageMode();
    denyThreshold = a.denyThreshold();
    approverCommentRequired = a.commentRequired();
    pendingTtl = a.pendingTtl();
    extensionRequiresApproval = a.extensionRequiresApproval();
    suggestOnCall = a.suggestOnCall().orElse(null);
    Escalation x = rule.escalation();
    remindAfter = x.remindAfter().orElse(null);
    escalateAfter = x.escalateAfter().orElse(null);
    escalationGroups.addAll(x.groups());
    breakGlass = rule.breakGlass().orElse(null);
    denyMessage = rule.denyMessage().orElse(null);
    return this;
  }

  private void addAll(Set<String> target, RuleField field, String parameter, String... ids) {
    Objects.requireNonNull(ids, parameter + " cannot be null");
    for (String id : ids) {
      target.add(Identifiers.canonical(field.at(pattern), id));
    }
  }

  private void addAttribute(Map<String, Set<String>> target, RuleField field, String attribute, String... values) {
    Objects.requireNonNull(attribute, "attribute cannot be null");
    Objects.requireNonNull(values, "values cannot be null");
    String name = field.at(pattern);
    if (!attribute.matches("[a-z][a-z0-9_-]{0,63}")) {
      throw new InvalidInputException(name, name + " attribute " + Text.quote(attribute.length() > 80
          ? attribute.substring(0, 80) + "..." : attribute) + " is invalid; use lowercase ASCII [a-z][a-z0-9_-]*, "
          + "at most 64 characters");
    }
    String entry = name + "." + attribute;
    if (values.length == 0) {
      throw new InvalidInputException(entry, entry + " lists no values; list the accepted values, for example "
          + "[\"payments\"]");
    }
    Set<String> set = target.computeIfAbsent(attribute, k -> new TreeSet<>());
    for (String v : values) {
      set.add(Text.token(entry, Objects.requireNonNull(v, entry + " cannot be null"), 256));
    }
  }

  /**
   * Subjects who may request the privilege, by id.
   *
   * @param subjectIds ids (canonicalised)
   * @return this builder
   */
  public PrivilegeRuleBuilder eligibleSubjects(String... subjectIds) {
    addAll(eligibleSubjects, RuleField.ELIGIBLE_SUBJECTS, "subjectIds", subjectIds);
    return this;
  }

  /**
   * Groups whose members may request the privilege.
   *
   * @param groups group names (canonicalised)
   * @return this builder
   */
  public PrivilegeRuleBuilder eligibleGroups(String... groups) {
    addAll(eligibleGroups, RuleField.ELIGIBLE_GROUPS, "groups", groups);
    return this;
  }

  /**
   * An attribute condition every requester must meet (in addition to being listed by id or group, when the rule
   * lists any), for example {@code eligibleWhen("department", "payments")}.
   *
   * @param attribute the attribute key
   * @param values accepted values
   * @return this builder
   */
  public PrivilegeRuleBuilder eligibleWhen(String attribute, String... values) {
    addAttribute(eligibleAttributes, RuleField.ELIGIBLE_ATTRIBUTES, attribute, values);
    return this;
  }

  /**
   * Subjects who may never get the privilege, whatever else matches.
   *
   * @param subjectIds ids (canonicalised)
   * @return this builder
   */
  public PrivilegeRuleBuilder denySubjects(String... subjectIds) {
    addAll(deniedSubjects, RuleField.DENY_SUBJECTS, "subjectIds", subjectIds);
    return this;
  }

  /**
   * Groups whose members may never get the privilege, whatever else matches.
   *
   * @param groups group names (canonicalised)
   * @return this builder
   */
  public PrivilegeRuleBuilder denyGroups(String... groups) {
    addAll(deniedGroups, RuleField.DENY_GROUPS, "groups", groups);
    return this;
  }

  /**
   * Subjects with one of these attribute values may never get the privilege, for example
   * {@code denyWhen("employment", "contractor")}.
   *
   * @param attribute the attribute key
   * @param values denied values
   * @return this builder
   */
  public PrivilegeRuleBuilder denyWhen(String attribute, String... values) {
    addAttribute(deniedAttributes, RuleField.DENY_ATTRIBUTES, attribute, values);
    return this;
  }

  /**
   * The duration granted when a request names none. Defaults to one hour, or the maximum if shorter.
   *
   * @param duration positive, at most {@link #maxDuration}
   * @return this builder
   */
  public PrivilegeRuleBuilder defaultDuration(Duration duration) {
    RuleField.DEFAULT_DURATION.once(pattern, defaultDuration != null, defaultDuration);
    this.defaultDuration = RuleField.DEFAULT_DURATION.positive(pattern, duration);
    return this;
  }

  /**
   * The longest grant, extensions included. Defaults to one hour.
   *
   * @param duration positive, at most 366 days
   * @return this builder
   */
  public PrivilegeRuleBuilder maxDuration(Duration duration) {
    RuleField.MAX_DURATION.once(pattern, maxDurationSet, maxDuration);
    this.maxDuration = RuleField.MAX_DURATION.positive(pattern, duration);
    this.maxDurationSet = true;
    return this;
  }

  /**
   * Requires a justification of at least this many characters (after trimming).
   *
   * @param minLength 1 to 1000
   * @return this builder
   */
  public PrivilegeRuleBuilder requireJustification(int minLength) {
    RuleField f = RuleField.JUSTIFICATION_MIN_LENGTH;
    f.once(pattern, minJustificationLength >= 0, minJustificationLength);
    this.minJustificationLength = f.between(pattern, minLength, 1, 1000, "");
    return this;
  }

  /**
   * Requires a ticket reference.
   *
   * @return this builder
   */
  public PrivilegeRuleBuilder requireTicket() {
    this.ticketRequired = true;
    return this;
  }

  /**
   * A pattern a ticket reference must match in full when given, for example {@code [A-Z]+-[0-9]+}. The pattern is
   * written by the policy author; requester text is only matched against it, never compiled.
   *
   * @param regex a Java regular expression, at most {@value #MAX_TICKET_PATTERN} characters
   * @return this builder
   * @throws InvalidInputException if it is too long or not a valid regular expression
   */
  public PrivilegeRuleBuilder ticketPattern(String regex) {
    Objects.requireNonNull(regex, "ticketPattern cannot be null");
    RuleField.TICKET_PATTERN.once(pattern, ticketPattern != null, ticketPattern);
    if (regex.length() > MAX_TICKET_PATTERN) {
      // A ticket reference is at most 128 characters; a pattern this long is a mistake, and compiling an arbitrary
      // one of any length could exhaust the stack.
      throw RuleField.TICKET_PATTERN.invalid(pattern, String.format(Locale.ROOT, "must be at most %d characters, "
          + "but was %d; write a short pattern such as \"[A-Z]+-[0-9]+\"", MAX_TICKET_PATTERN, regex.length()));
    }
    try {
      this.ticketPattern = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw RuleField.TICKET_PATTERN.invalid(pattern, "is not a valid regular expression: " + e.getDescription());
    }
    return this;
  }

  /**
   * Adds a condition under which requests are approved without a person.
   *
   * @param condition the condition
   * @return this builder
   */
  public PrivilegeRuleBuilder autoApprove(AutoApproveCondition condition) {
    autoApprove.add(Objects.requireNonNull(condition, "condition cannot be null"));
    return this;
  }

  /**
   * How many distinct people of the single approver stage (named {@code approvers}) must approve. Defaults to 1.
   * Use {@link #stage} instead for several stages.
   *
   * @param n 1 to 10
   * @return this builder
   */
  public PrivilegeRuleBuilder approvals(int n) {
    RuleField.APPROVALS.once(pattern, approvalsRequired >= 0, approvalsRequired);
    this.approvalsRequired = RuleField.APPROVALS.between(pattern, n, 1, 10,
        "; use autoApprove(..) for requests that need no person");
    return this;
  }

  /**
   * Groups whose members may approve, in the single approver stage.
   *
   * @param groups group names (canonicalised)
   * @return this builder
   */
  public PrivilegeRuleBuilder approverGroups(String... groups) {
    addAll(approverGroups, RuleField.APPROVER_GROUPS, "groups", groups);
    return this;
  }

  /**
   * Subjects who may approve by id, in the single approver stage.
   *
   * @param subjectIds ids (canonicalised)
   * @return this builder
   */
  public PrivilegeRuleBuilder approverSubjects(String... subjectIds) {
    addAll(approverSubjects, RuleField.APPROVER_SUBJECTS, "subjectIds", subjectIds);
    return this;
  }

  /**
   * Adds an approval stage (multi-stage approval). Stages combine with {@link #stageMode} (ALL by default).
   *
   * @param stage the stage
   * @return this builder
   */
  public PrivilegeRuleBuilder stage(ApprovalStage stage) {
    Objects.requireNonNull(stage, "stage cannot be null");
    for (ApprovalStage s : stages) {
      if (s.name().equals(stage.name())) {
        throw RuleField.STAGES.invalid(pattern, "has two stages named " + stage.name()
            + "; give each stage its own name");
      }
    }
    stages.add(stage);
    return this;
  }

  /**
   * How stages combine: every stage ({@link StageMode#ALL}, the default) or any one ({@link StageMode#ANY}).
   *
   * @param mode the mode
   * @return this builder
   */
  public PrivilegeRuleBuilder stageMode(StageMode mode) {
    RuleField.STAGE_MODE.once(pattern, stageMode != null, stageMode);
    this.stageMode = Objects.requireNonNull(mode, "mode cannot be null");
    return this;
  }

  /**
   * How many distinct eligible approvers must deny before the request is denied. Defaults to 1: any deny denies.
   *
   * @param n 1 to 10
   * @return this builder
   */
  public PrivilegeRuleBuilder denyThreshold(int n) {
    RuleField.DENY_THRESHOLD.once(pattern, denyThreshold > 0, denyThreshold);
    this.denyThreshold = RuleField.DENY_THRESHOLD.between(pattern, n, 1, 10, "");
    return this;
  }

  /**
   * Approvers must give a comment when approving or denying.
   *
   * @return this builder
   */
  public PrivilegeRuleBuilder requireApproverComment() {
    this.approverCommentRequired = true;
    return this;
  }

  /**
   * How long a request may wait for approvals before it expires. Defaults to 24 hours.
   *
   * @param ttl positive
   * @return this builder
   */
  public PrivilegeRuleBuilder pendingTtl(Duration ttl) {
    RuleField.PENDING_TTL.once(pattern, pendingTtl != null, pendingTtl);
    this.pendingTtl = RuleField.PENDING_TTL.positive(pattern, ttl);
    return this;
  }

  /**
   * Reminds approvers of a request still pending after this delay (through the approval channel).
   *
   * @param delay positive, less than the pending time-to-live
   * @return this builder
   */
  public PrivilegeRuleBuilder remindAfter(Duration delay) {
    RuleField.REMIND_AFTER.once(pattern, remindAfter != null, remindAfter);
    this.remindAfter = RuleField.REMIND_AFTER.positive(pattern, delay);
    return this;
  }

  /**
   * Escalates a request still pending after this delay: members of the fallback groups may then approve it, and
   * the approval channel is told.
   *
   * @param delay positive, less than the pending time-to-live
   * @param fallbackGroups the groups that may approve once escalated
   * @return this builder
   */
  public PrivilegeRuleBuilder escalateAfter(Duration delay, String... fallbackGroups) {
    Objects.requireNonNull(fallbackGroups, "fallbackGroups cannot be null");
    RuleField.ESCALATE_AFTER.once(pattern, escalateAfter != null, escalateAfter);
    this.escalateAfter = RuleField.ESCALATE_AFTER.positive(pattern, delay);
    addAll(escalationGroups, RuleField.ESCALATE_TO, "fallbackGroups", fallbackGroups);
    if (escalationGroups.isEmpty()) {
      throw RuleField.ESCALATE_TO.invalid(pattern, "is empty; name the fallback approver groups");
    }
    return this;
  }

  /**
   * Whether extending a grant needs an approver. Defaults to true. When false, the holder may extend their own
   * grant within the cap (while still eligible and not denied).
   *
   * @param required true to require an approver
   * @return this builder
   */
  public PrivilegeRuleBuilder extensionRequiresApproval(boolean required) {
    RuleField.EXTENSION_REQUIRES_APPROVAL.once(pattern, extensionRequiresApproval != null,
        extensionRequiresApproval);
    this.extensionRequiresApproval = required;
    return this;
  }

  /**
   * Sends a {@code GRANT_EXPIRING} event this long before a grant expires.
   *
   * @param lead positive
   * @return this builder
   */
  public PrivilegeRuleBuilder expiryWarning(Duration lead) {
    RuleField.EXPIRY_WARNING.once(pattern, expiryWarning != null, expiryWarning);
    this.expiryWarning = RuleField.EXPIRY_WARNING.positive(pattern, lead);
    return this;
  }

  /**
   * The largest budget of uses a request may ask for. Defaults to 1000.
   *
   * @param max 1 to 1,000,000
   * @return this builder
   */
  public PrivilegeRuleBuilder maxUses(int max) {
    RuleField.MAX_USES.once(pattern, maxUses >= 0, maxUses);
    this.maxUses = RuleField.MAX_USES.between(pattern, max, 1, ElevationRequest.MAX_USES, "");
    return this;
  }

  /**
   * Meters the privilege: every grant of it may spend at most this total amount across its calls (refunds up to
   * 500.00, say), and every use must name its call's amount
   * ({@link dev.jitguard.PrivilegeGuard#check(dev.jitguard.Subject, dev.jitguard.Privilege, BigDecimal)}).
   * Requests may ask for less. Unset: the privilege is not metered.
   *
   * @param max positive, at most 10 decimal places and 30 digits
   * @return this builder
   */
  public PrivilegeRuleBuilder maxAmount(BigDecimal max) {
    RuleField.MAX_AMOUNT.once(pattern, maxAmount != null, maxAmount);
    this.maxAmount = Amounts.limit(RuleField.MAX_AMOUNT.at(pattern), max);
    return this;
  }

  /**
   * How far in the future a scheduled start may be. Defaults to 7 days.
   *
   * @param delay positive
   * @return this builder
   */
  public PrivilegeRuleBuilder maxStartDelay(Duration delay) {
    RuleField.MAX_START_DELAY.once(pattern, maxStartDelay != null, maxStartDelay);
    this.maxStartDelay = RuleField.MAX_START_DELAY.positive(pattern, delay);
    return this;
  }

  /**
   * Allows break-glass: emergency self-elevation with a mandatory reason, for a short time, loudly audited and
   * reviewed afterwards.
   *
   * @param minReasonLength the reason's minimum length, 10 to 1000
   * @param maxDuration the longest break-glass grant, at most 4 hours
   * @return this builder
   */
  public PrivilegeRuleBuilder breakGlass(int minReasonLength, Duration maxDuration) {
    RuleField.BREAK_GLASS.once(pattern, breakGlass != null, breakGlass);
    this.breakGlass = new BreakGlass(minReasonLength, maxDuration);
    return this;
  }

  /**
   * A message from the administrators added to every denial of this privilege (for example where to ask).
   *
   * @param message printable text, at most 500 characters
   * @return this builder
   */
  public PrivilegeRuleBuilder denyMessage(String message) {
    Objects.requireNonNull(message, "denyMessage cannot be null");
    RuleField.DENY_MESSAGE.once(pattern, denyMessage != null, denyMessage);
    this.denyMessage = Text.token(RuleField.DENY_MESSAGE.at(pattern), message, 500);
    return this;
  }

  /**
   * Suggests the people on call for this schedule as approvers in pending decisions (needs an
   * {@link dev.jitguard.spi.OnCallSource} on the guard).
   *
   * @param schedule the schedule name
   * @return this builder
   */
  public PrivilegeRuleBuilder suggestOnCall(String schedule) {
    Objects.requireNonNull(schedule, "schedule cannot be null");
    RuleField.SUGGEST_ON_CALL.once(pattern, suggestOnCall != null, suggestOnCall);
    this.suggestOnCall = Text.token(RuleField.SUGGEST_ON_CALL.at(pattern), schedule, 128);
    return this;
  }

  private List<ApprovalStage> effectiveStages() {
    if (!stages.isEmpty()) {
      return stages;
    }
    if (approverGroups.isEmpty() && approverSubjects.isEmpty()) {
      return List.of();
    }
    return List.of(new ApprovalStage("approvers", approvalsRequired > 0 ? approvalsRequired : 1,
        new LinkedHashSet<>(approverGroups), new LinkedHashSet<>(approverSubjects)));
  }

  /**
   * Builds the rule, checking the rules between fields.
   *
   * @return the immutable rule
   * @throws InvalidInputException if the rule could never be satisfied or contradicts itself
   */
  public PrivilegeRule build() {
    if (eligibleSubjects.isEmpty() && eligibleGroups.isEmpty() && eligibleAttributes.isEmpty()) {
      throw RuleField.ELIGIBLE.invalid(pattern, "is empty: nobody could ever request '" + pattern + "'; add "
          + "eligible groups, subjects or attribute conditions");
    }
    if (!stages.isEmpty() && (!approverGroups.isEmpty() || !approverSubjects.isEmpty() || approvalsRequired > 0)) {
      throw RuleField.APPROVAL.invalid(pattern, "mixes stages with the single-stage settings (approvals, approver "
          + "groups, approver subjects); move those into a stage");
    }
    if (effectiveStages().isEmpty() && autoApprove.isEmpty() && breakGlass == null) {
      throw RuleField.APPROVAL.invalid(pattern, "has no approvers, no auto-approval and no break-glass: no request "
          + "for '" + pattern + "' could ever be approved; add approver groups or subjects, a stage, or an "
          + "auto-approval condition");
    }
    if (stages.isEmpty() && approvalsRequired > 0 && approverGroups.isEmpty() && approverSubjects.isEmpty()) {
      throw new InvalidInputException(RuleField.APPROVER_GROUPS.at(pattern), RuleField.APPROVALS.at(pattern)
          + " is " + approvalsRequired + " but nobody may approve; add approver groups or subjects");
    }
    if (defaultDuration != null && defaultDuration.compareTo(maxDuration) > 0) {
      throw RuleField.DEFAULT_DURATION.invalid(pattern, String.format(Locale.ROOT, "must be at most %s (%s), but "
          + "was %s", maxDuration, RuleField.MAX_DURATION.path(), defaultDuration));
    }
    Duration ttl = pendingTtl != null ? pendingTtl : Duration.ofHours(24);
    if (remindAfter != null && remindAfter.compareTo(ttl) >= 0) {
      throw RuleField.REMIND_AFTER.invalid(pattern, "must be shorter than " + RuleField.PENDING_TTL.path() + " "
          + ttl + ", but was " + remindAfter + "; a reminder after expiry never reaches anyone");
    }
    if (escalateAfter != null && escalateAfter.compareTo(ttl) >= 0) {
      throw RuleField.ESCALATE_AFTER.invalid(pattern, "must be shorter than " + RuleField.PENDING_TTL.path() + " "
          + ttl + ", but was " + escalateAfter);
    }
    if (expiryWarning != null && expiryWarning.compareTo(maxDuration) >= 0) {
      throw RuleField.EXPIRY_WARNING.invalid(pattern, "must be shorter than " + RuleField.MAX_DURATION.path() + " "
          + maxDuration + ", but was " + expiryWarning);
    }
    if (breakGlass != null && breakGlass.maxDuration().compareTo(maxDuration) > 0) {
      throw RuleField.BREAK_GLASS_MAX_DURATION.invalid(pattern, "must be at most " + RuleField.MAX_DURATION.path()
          + " " + maxDuration + ", but was " + breakGlass.maxDuration());
    }
    return new PrivilegeRule(pattern,
        new Eligibility(eligibleSubjects, eligibleGroups, eligibleAttributes, deniedSubjects, deniedGroups,
            deniedAttributes),
        new RequestLimits(effectiveDefaultDuration(), maxDuration, Math.max(0, minJustificationLength), ticketRequired,
            ticketPattern, maxUses > 0 ? maxUses : 1000, maxAmount,
            maxStartDelay != null ? maxStartDelay : Duration.ofDays(7), expiryWarning),
        new ApprovalRequirement(autoApprove, effectiveStages(), stageMode != null ? stageMode : StageMode.ALL,
            denyThreshold > 0 ? denyThreshold : 1, approverCommentRequired, ttl,
            extensionRequiresApproval == null || extensionRequiresApproval, suggestOnCall),
        new Escalation(remindAfter, escalateAfter, escalationGroups),
        breakGlass, denyMessage);
  }

  private Duration effectiveDefaultDuration() {
    if (defaultDuration != null) {
      return defaultDuration;
    }
    return maxDuration.compareTo(Duration.ofHours(1)) < 0 ? maxDuration : Duration.ofHours(1);
  }
}
