package dev.jitguard.rule;

import dev.jitguard.Approval;
import dev.jitguard.ElevationRequest;
import dev.jitguard.InvalidInputException;
import dev.jitguard.Privilege;
import dev.jitguard.Subject;
import dev.jitguard.Amounts;
import dev.jitguard.internal.util.Identifiers;
import dev.jitguard.internal.util.Text;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The rule for one privilege or a prefix of privileges ({@link PrivilegePattern}): who may ask (subjects, groups,
 * attribute conditions), who never may (deny rules, which win over every allow), for how long, with what
 * justification and ticket, who must approve (stages of N distinct people, combined with AND or OR), when it is
 * approved automatically, how long a request may wait and when approvers are reminded or the request escalated, how
 * a grant may be extended and warned about, and whether break-glass is allowed. Immutable and thread-safe; build it
 * with {@link #builder(String)}.
 *
 * <p>The requester never counts as an approver of their own request, whatever their groups (administrators
 * included); that rule is enforced by the guard, not here, so no policy can turn it off.
 */
public final class PrivilegeRule {
  private final PrivilegePattern pattern;
  private final Set<String> eligibleSubjects;
  private final Set<String> eligibleGroups;
  private final Map<String, Set<String>> eligibleAttributes;
  private final Set<String> deniedSubjects;
  private final Set<String> deniedGroups;
  private final Map<String, Set<String>> deniedAttributes;
  private final Duration defaultDuration;
  private final Duration maxDuration;
  private final int minJustificationLength;
  private final boolean ticketRequired;
  private final Pattern ticketPattern;
  private final List<AutoApproveCondition> autoApprove;
  private final List<ApprovalStage> stages;
  private final StageMode stageMode;
  private final int denyThreshold;
  private final boolean approverCommentRequired;
  private final Duration pendingTtl;
  private final Duration remindAfter;
  private final Duration escalateAfter;
  private final Set<String> escalationGroups;
  private final boolean extensionRequiresApproval;
  private final Duration expiryWarning;
  private final int maxUses;
  private final BigDecimal maxAmount;
  private final Duration maxStartDelay;
  private final BreakGlass breakGlass;
  private final String denyMessage;
  private final String suggestOnCall;

  private PrivilegeRule(Builder b) {
    this.pattern = b.pattern;
    this.eligibleSubjects = Collections.unmodifiableSet(new TreeSet<>(b.eligibleSubjects));
    this.eligibleGroups = Collections.unmodifiableSet(new TreeSet<>(b.eligibleGroups));
    this.eligibleAttributes = freeze(b.eligibleAttributes);
    this.deniedSubjects = Collections.unmodifiableSet(new TreeSet<>(b.deniedSubjects));
    this.deniedGroups = Collections.unmodifiableSet(new TreeSet<>(b.deniedGroups));
    this.deniedAttributes = freeze(b.deniedAttributes);
    this.maxDuration = b.maxDuration;
    this.defaultDuration = b.defaultDuration != null ? b.defaultDuration
        : (b.maxDuration.compareTo(Duration.ofHours(1)) < 0 ? b.maxDuration : Duration.ofHours(1));
    this.minJustificationLength = Math.max(0, b.minJustificationLength);
    this.ticketRequired = b.ticketRequired;
    this.ticketPattern = b.ticketPattern;
    this.autoApprove = List.copyOf(b.autoApprove);
    this.stages = List.copyOf(b.effectiveStages());
    this.stageMode = b.stageMode != null ? b.stageMode : StageMode.ALL;
    this.denyThreshold = b.denyThreshold > 0 ? b.denyThreshold : 1;
    this.approverCommentRequired = b.approverCommentRequired;
    this.pendingTtl = b.pendingTtl != null ? b.pendingTtl : Duration.ofHours(24);
    this.remindAfter = b.remindAfter;
    this.escalateAfter = b.escalateAfter;
    this.escalationGroups = Collections.unmodifiableSet(new TreeSet<>(b.escalationGroups));
    this.extensionRequiresApproval = b.extensionRequiresApproval == null || b.extensionRequiresApproval;
    this.expiryWarning = b.expiryWarning;
    this.maxUses = b.maxUses > 0 ? b.maxUses : 1000;
    this.maxAmount = b.maxAmount;
    this.maxStartDelay = b.maxStartDelay != null ? b.maxStartDelay : Duration.ofDays(7);
    this.breakGlass = b.breakGlass;
    this.denyMessage = b.denyMessage;
    this.suggestOnCall = b.suggestOnCall;
  }

  private static Map<String, Set<String>> freeze(Map<String, Set<String>> m) {
    Map<String, Set<String>> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, Set.copyOf(v)));
    return Collections.unmodifiableMap(out);
  }

  /**
   * Starts a rule.
   *
   * @param pattern an exact privilege name ({@code payments.refund}) or a prefix ({@code payments.*})
   * @return the builder
   * @throws InvalidInputException if the pattern is malformed
   */
  public static Builder builder(String pattern) {
    return new Builder(PrivilegePattern.of(pattern));
  }

  /**
   * Starts a rule for exactly one privilege.
   *
   * @param privilege the privilege
   * @return the builder
   */
  public static Builder builder(Privilege privilege) {
    return new Builder(PrivilegePattern.exactly(Objects.requireNonNull(privilege, "privilege cannot be null")));
  }

  /**
   * A builder holding this rule's values, to derive a changed rule.
   *
   * @return the builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(pattern);
    b.eligibleSubjects.addAll(eligibleSubjects);
    b.eligibleGroups.addAll(eligibleGroups);
    eligibleAttributes.forEach((k, v) -> b.eligibleAttributes.put(k, new TreeSet<>(v)));
    b.deniedSubjects.addAll(deniedSubjects);
    b.deniedGroups.addAll(deniedGroups);
    deniedAttributes.forEach((k, v) -> b.deniedAttributes.put(k, new TreeSet<>(v)));
    b.defaultDuration = defaultDuration;
    b.maxDuration = maxDuration;
    b.maxDurationSet = true;
    b.minJustificationLength = minJustificationLength > 0 ? minJustificationLength : -1;
    b.ticketRequired = ticketRequired;
    b.ticketPattern = ticketPattern;
    b.autoApprove.addAll(autoApprove);
    b.stages.addAll(stages);
    b.stageMode = stageMode;
    b.denyThreshold = denyThreshold;
    b.approverCommentRequired = approverCommentRequired;
    b.pendingTtl = pendingTtl;
    b.remindAfter = remindAfter;
    b.escalateAfter = escalateAfter;
    b.escalationGroups.addAll(escalationGroups);
    b.extensionRequiresApproval = extensionRequiresApproval;
    b.expiryWarning = expiryWarning;
    b.maxUses = maxUses;
    b.maxAmount = maxAmount;
    b.maxStartDelay = maxStartDelay;
    b.breakGlass = breakGlass;
    b.denyMessage = denyMessage;
    b.suggestOnCall = suggestOnCall;
    return b;
  }

  // ------------------------------------------------------------------------------------------------ decisions

  /**
   * Whether a deny rule matches the subject (deny wins over every allow).
   *
   * @param subject the subject
   * @return true if the subject is explicitly denied by id, group or attribute
   */
  public boolean isDenied(Subject subject) {
    if (deniedSubjects.contains(subject.id()) || intersects(subject.groups(), deniedGroups)) {
      return true;
    }
    for (Map.Entry<String, Set<String>> c : deniedAttributes.entrySet()) {
      Optional<String> v = subject.attribute(c.getKey());
      if (v.isPresent() && c.getValue().contains(v.get())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the subject may request the privilege (ignoring deny rules; see {@link #isDenied}): listed by id or
   * group (when the rule lists any), and matching every attribute condition.
   *
   * @param subject the subject
   * @return true if eligible
   */
  public boolean isEligible(Subject subject) {
    boolean identity = (eligibleSubjects.isEmpty() && eligibleGroups.isEmpty())
        || eligibleSubjects.contains(subject.id()) || intersects(subject.groups(), eligibleGroups);
    if (!identity) {
      return false;
    }
    for (Map.Entry<String, Set<String>> c : eligibleAttributes.entrySet()) {
      Optional<String> v = subject.attribute(c.getKey());
      if (v.isEmpty() || !c.getValue().contains(v.get())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the subject may approve requests for the privilege (in any stage). The guard additionally refuses any
   * approval of one's own request.
   *
   * @param subject the would-be approver
   * @return true if some stage admits them
   */
  public boolean mayApprove(Subject subject) {
    return mayApprove(subject, false);
  }

  /**
   * Whether the subject may approve, counting the escalation groups once the request has been escalated.
   *
   * @param subject the would-be approver
   * @param escalated whether the request was escalated
   * @return true if admitted
   */
  public boolean mayApprove(Subject subject, boolean escalated) {
    for (ApprovalStage s : stages) {
      if (s.admits(subject)) {
        return true;
      }
    }
    return escalated && intersects(subject.groups(), escalationGroups);
  }

  /**
   * Whether approvals satisfy the stages: for {@link StageMode#ALL}, every stage's count is filled by distinct
   * people (each person fills at most one approval in all, so one person in two stages' groups does not satisfy
   * both); for {@link StageMode#ANY}, one stage is. Escalation-group members may fill any stage once escalated.
   *
   * @param approvals the approvals, one per distinct person
   * @param escalated whether the request was escalated
   * @return true if the request is approved
   */
  public boolean isSatisfied(List<Approval> approvals, boolean escalated) {
    if (stageMode == StageMode.ANY) {
      for (ApprovalStage s : stages) {
        int n = 0;
        for (Approval a : approvals) {
          if (admits(s, a, escalated)) {
            n++;
          }
        }
        if (n >= s.approvals()) {
          return true;
        }
      }
      return false;
    }
    return matchedSlots(approvals, escalated) == totalSlots();
  }

  /**
   * What is still missing, in words, for a pending message.
   *
   * @param approvals the approvals so far
   * @param escalated whether the request was escalated
   * @return for example {@code 1 more from stage security [secops]}
   */
  public String missing(List<Approval> approvals, boolean escalated) {
    List<String> parts = new ArrayList<>();
    for (ApprovalStage s : stages) {
      int n = 0;
      for (Approval a : approvals) {
        if (admits(s, a, escalated)) {
          n++;
        }
      }
      if (n < s.approvals()) {
        int left = s.approvals() - n;
        parts.add(stages.size() == 1 ? left + " more approval" + (left == 1 ? "" : "s") + " from " + who(s)
            : left + " more from stage " + s.name() + " " + who(s));
      }
    }
    return String.join(stageMode == StageMode.ALL ? " and " : " or ", parts);
  }

  private static String who(ApprovalStage s) {
    List<String> w = new ArrayList<>();
    if (!s.groups().isEmpty()) {
      w.add("group " + new TreeSet<>(s.groups()));
    }
    if (!s.subjects().isEmpty()) {
      w.add("approvers " + new TreeSet<>(s.subjects()));
    }
    return String.join(" or ", w);
  }

  private boolean admits(ApprovalStage s, Approval a, boolean escalated) {
    return s.admits(a.approver(), a.groups()) || (escalated && intersects(a.groups(), escalationGroups));
  }

  private int totalSlots() {
    int n = 0;
    for (ApprovalStage s : stages) {
      n += s.approvals();
    }
    return n;
  }

  /** Maximum bipartite matching of approvers to stage slots (Kuhn's algorithm; at most 100 slots). */
  private int matchedSlots(List<Approval> approvals, boolean escalated) {
    List<ApprovalStage> slots = new ArrayList<>();
    for (ApprovalStage s : stages) {
      for (int i = 0; i < s.approvals(); i++) {
        slots.add(s);
      }
    }
    int[] slotOwner = new int[slots.size()];
    Arrays.fill(slotOwner, -1);
    int matched = 0;
    for (int a = 0; a < approvals.size(); a++) {
      if (augment(a, approvals, slots, slotOwner, new boolean[slots.size()], escalated)) {
        matched++;
      }
    }
    return matched;
  }

  private boolean augment(int a, List<Approval> approvals, List<ApprovalStage> slots, int[] owner, boolean[] seen,
      boolean escalated) {
    for (int s = 0; s < slots.size(); s++) {
      if (!seen[s] && admits(slots.get(s), approvals.get(a), escalated)) {
        seen[s] = true;
        if (owner[s] < 0 || augment(owner[s], approvals, slots, owner, seen, escalated)) {
          owner[s] = a;
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The first auto-approval condition that matches, if any.
   *
   * @param requester who asks
   * @param request what is asked
   * @param now the guard's time
   * @return the matching condition
   */
  public Optional<AutoApproveCondition> autoApproval(Subject requester, ElevationRequest request, Instant now) {
    for (AutoApproveCondition c : autoApprove) {
      if (c.matches(requester, request, now)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  private static boolean intersects(Set<String> a, Set<String> b) {
    if (b.isEmpty()) {
      return false;
    }
    for (String s : a) {
      if (b.contains(s)) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------------------------------------ accessors

  /** @return the privilege or prefix this rule governs */
  public PrivilegePattern pattern() {
    return pattern;
  }

  /** @return subject ids eligible by name */
  public Set<String> eligibleSubjects() {
    return eligibleSubjects;
  }

  /** @return groups whose members are eligible */
  public Set<String> eligibleGroups() {
    return eligibleGroups;
  }

  /** @return attribute conditions every eligible subject must meet: attribute → accepted values */
  public Map<String, Set<String>> eligibleAttributes() {
    return eligibleAttributes;
  }

  /** @return subject ids explicitly denied */
  public Set<String> deniedSubjects() {
    return deniedSubjects;
  }

  /** @return groups explicitly denied */
  public Set<String> deniedGroups() {
    return deniedGroups;
  }

  /** @return attribute values explicitly denied: attribute → denied values */
  public Map<String, Set<String>> deniedAttributes() {
    return deniedAttributes;
  }

  /** @return the duration granted when the request names none */
  public Duration defaultDuration() {
    return defaultDuration;
  }

  /** @return the longest grant, extensions included */
  public Duration maxDuration() {
    return maxDuration;
  }

  /** @return true if a justification is required */
  public boolean justificationRequired() {
    return minJustificationLength > 0;
  }

  /** @return the minimum justification length in characters, 0 when none is required */
  public int minJustificationLength() {
    return minJustificationLength;
  }

  /** @return true if a ticket reference is required */
  public boolean ticketRequired() {
    return ticketRequired;
  }

  /** @return the pattern a ticket must match entirely, if any */
  public Optional<Pattern> ticketPattern() {
    return Optional.ofNullable(ticketPattern);
  }

  /** @return the auto-approval conditions, in order */
  public List<AutoApproveCondition> autoApprove() {
    return autoApprove;
  }

  /** @return the approval stages (one stage named {@code approvers} when built with {@code approvals(n)}) */
  public List<ApprovalStage> stages() {
    return stages;
  }

  /** @return how the stages combine */
  public StageMode stageMode() {
    return stageMode;
  }

  /**
   * The number of distinct approvals needed: the sum of all stages for {@link StageMode#ALL}, the smallest stage for
   * {@link StageMode#ANY}.
   *
   * @return the count
   */
  public int approvalsRequired() {
    if (stageMode == StageMode.ALL) {
      return totalSlots();
    }
    int min = Integer.MAX_VALUE;
    for (ApprovalStage s : stages) {
      min = Math.min(min, s.approvals());
    }
    return stages.isEmpty() ? 0 : min;
  }

  /** @return the union of every stage's approver groups */
  public Set<String> approverGroups() {
    Set<String> out = new TreeSet<>();
    stages.forEach(s -> out.addAll(s.groups()));
    return Collections.unmodifiableSet(out);
  }

  /** @return the union of every stage's approvers listed by id */
  public Set<String> approverSubjects() {
    Set<String> out = new TreeSet<>();
    stages.forEach(s -> out.addAll(s.subjects()));
    return Collections.unmodifiableSet(out);
  }

  /** @return how many distinct eligible approvers must deny to deny the request (1: any one) */
  public int denyThreshold() {
    return denyThreshold;
  }

  /** @return true if approvers must give a comment when approving or denying */
  public boolean approverCommentRequired() {
    return approverCommentRequired;
  }

  /** @return how long a request may wait for approvals */
  public Duration pendingTtl() {
    return pendingTtl;
  }

  /** @return after how long approvers are reminded of a pending request */
  public Optional<Duration> remindAfter() {
    return Optional.ofNullable(remindAfter);
  }

  /** @return after how long a pending request is escalated to {@link #escalationGroups()} */
  public Optional<Duration> escalateAfter() {
    return Optional.ofNullable(escalateAfter);
  }

  /** @return fallback approver groups that may approve once a request is escalated */
  public Set<String> escalationGroups() {
    return escalationGroups;
  }

  /** @return true if extending a grant needs an approver (false: the holder may extend within the cap) */
  public boolean extensionRequiresApproval() {
    return extensionRequiresApproval;
  }

  /** @return how long before expiry a warning event is sent */
  public Optional<Duration> expiryWarning() {
    return Optional.ofNullable(expiryWarning);
  }

  /** @return the largest budget of uses a request may ask for */
  public int maxUses() {
    return maxUses;
  }

  /**
   * The largest total amount a grant of this privilege may spend, if the privilege is metered. Then every grant is
   * metered (a request without an amount limit gets this one) and every use must name its call's amount.
   *
   * @return the maximum amount, or empty for an unmetered privilege
   */
  public Optional<BigDecimal> maxAmount() {
    return Optional.ofNullable(maxAmount);
  }

  /** @return how far in the future a scheduled start may be */
  public Duration maxStartDelay() {
    return maxStartDelay;
  }

  /** @return the break-glass settings, if emergency self-elevation is allowed */
  public Optional<BreakGlass> breakGlass() {
    return Optional.ofNullable(breakGlass);
  }

  /** @return an administrator-written message added to every denial of this privilege */
  public Optional<String> denyMessage() {
    return Optional.ofNullable(denyMessage);
  }

  /** @return the on-call schedule whose members are suggested as approvers */
  public Optional<String> suggestOnCall() {
    return Optional.ofNullable(suggestOnCall);
  }

  @Override
  public String toString() {
    return "PrivilegeRule[" + pattern + ", eligible=" + eligibleGroups + eligibleSubjects + eligibleAttributes
        + ", stages=" + stages.size() + " " + stageMode + ", maxDuration=" + maxDuration + "]";
  }

  /** Builds a {@link PrivilegeRule}. Each setter validates immediately; scalar options may be set once. */
  public static final class Builder {
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

    private Builder(PrivilegePattern pattern) {
      this.pattern = pattern;
    }

    private String field(String name) {
      return "policies." + pattern + "." + name;
    }

    private void addAll(Set<String> target, String name, String... ids) {
      for (String id : ids) {
        target.add(Identifiers.canonical(field(name), id));
      }
    }

    private void addAttribute(Map<String, Set<String>> target, String name, String attribute, String... values) {
      Objects.requireNonNull(attribute, "attribute cannot be null");
      if (!attribute.matches("[a-z][a-z0-9_-]{0,63}")) {
        throw new InvalidInputException(field(name), field(name) + " attribute " + Text.quote(attribute)
            + " is invalid; use lowercase ASCII [a-z][a-z0-9_-]*");
      }
      if (values.length == 0) {
        throw new InvalidInputException(field(name + "." + attribute), field(name + "." + attribute)
            + " lists no values; list the accepted values, for example [\"payments\"]");
      }
      Set<String> set = target.computeIfAbsent(attribute, k -> new TreeSet<>());
      for (String v : values) {
        set.add(Text.token(field(name + "." + attribute), v, 256));
      }
    }

    /**
     * Subjects who may request the privilege, by id.
     *
     * @param subjectIds ids (canonicalised)
     * @return this builder
     */
    public Builder eligibleSubjects(String... subjectIds) {
      addAll(eligibleSubjects, "eligible.subjects", subjectIds);
      return this;
    }

    /**
     * Groups whose members may request the privilege.
     *
     * @param groups group names (canonicalised)
     * @return this builder
     */
    public Builder eligibleGroups(String... groups) {
      addAll(eligibleGroups, "eligible.groups", groups);
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
    public Builder eligibleWhen(String attribute, String... values) {
      addAttribute(eligibleAttributes, "eligible.attributes", attribute, values);
      return this;
    }

    /**
     * Subjects who may never get the privilege, whatever else matches.
     *
     * @param subjectIds ids (canonicalised)
     * @return this builder
     */
    public Builder denySubjects(String... subjectIds) {
      addAll(deniedSubjects, "deny.subjects", subjectIds);
      return this;
    }

    /**
     * Groups whose members may never get the privilege, whatever else matches.
     *
     * @param groups group names (canonicalised)
     * @return this builder
     */
    public Builder denyGroups(String... groups) {
      addAll(deniedGroups, "deny.groups", groups);
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
    public Builder denyWhen(String attribute, String... values) {
      addAttribute(deniedAttributes, "deny.attributes", attribute, values);
      return this;
    }

    /**
     * The duration granted when a request names none. Defaults to one hour, or the maximum if shorter.
     *
     * @param duration positive, at most {@link #maxDuration}
     * @return this builder
     */
    public Builder defaultDuration(Duration duration) {
      once(defaultDuration != null, "defaultDuration", defaultDuration);
      this.defaultDuration = positive("defaultDuration", duration);
      return this;
    }

    /**
     * The longest grant, extensions included. Defaults to one hour.
     *
     * @param duration positive, at most 366 days
     * @return this builder
     */
    public Builder maxDuration(Duration duration) {
      once(maxDurationSet, "maxDuration", maxDuration);
      this.maxDuration = positive("maxDuration", duration);
      this.maxDurationSet = true;
      return this;
    }

    /**
     * Requires a justification of at least this many characters (after trimming).
     *
     * @param minLength 1 to 1000
     * @return this builder
     */
    public Builder requireJustification(int minLength) {
      once(minJustificationLength >= 0, "justification.minLength", minJustificationLength);
      if (minLength < 1 || minLength > 1000) {
        throw new InvalidInputException(field("justification.minLength"), String.format(Locale.ROOT,
            "%s must be between 1 and 1000, but was %d", field("justification.minLength"), minLength));
      }
      this.minJustificationLength = minLength;
      return this;
    }

    /**
     * Requires a ticket reference.
     *
     * @return this builder
     */
    public Builder requireTicket() {
      this.ticketRequired = true;
      return this;
    }

    /**
     * A pattern a ticket reference must match in full when given, for example {@code [A-Z]+-[0-9]+}. The pattern is
     * written by the policy author; requester text is only matched against it, never compiled.
     *
     * @param regex a Java regular expression
     * @return this builder
     */
    public Builder ticketPattern(String regex) {
      Objects.requireNonNull(regex, "ticketPattern cannot be null");
      once(ticketPattern != null, "ticket.pattern", ticketPattern);
      try {
        this.ticketPattern = Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw new InvalidInputException(field("ticket.pattern"), field("ticket.pattern")
            + " is not a valid regular expression: " + e.getDescription());
      }
      return this;
    }

    /**
     * Adds a condition under which requests are approved without a person.
     *
     * @param condition the condition
     * @return this builder
     */
    public Builder autoApprove(AutoApproveCondition condition) {
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
    public Builder approvals(int n) {
      once(approvalsRequired >= 0, "approval.approvals", approvalsRequired);
      if (n < 1 || n > 10) {
        throw new InvalidInputException(field("approval.approvals"), String.format(Locale.ROOT,
            "%s must be between 1 and 10, but was %d; use autoApprove(..) for requests that need no person",
            field("approval.approvals"), n));
      }
      this.approvalsRequired = n;
      return this;
    }

    /**
     * Groups whose members may approve, in the single approver stage.
     *
     * @param groups group names (canonicalised)
     * @return this builder
     */
    public Builder approverGroups(String... groups) {
      addAll(approverGroups, "approval.groups", groups);
      return this;
    }

    /**
     * Subjects who may approve by id, in the single approver stage.
     *
     * @param subjectIds ids (canonicalised)
     * @return this builder
     */
    public Builder approverSubjects(String... subjectIds) {
      addAll(approverSubjects, "approval.subjects", subjectIds);
      return this;
    }

    /**
     * Adds an approval stage (multi-stage approval). Stages combine with {@link #stageMode} (ALL by default).
     *
     * @param stage the stage
     * @return this builder
     */
    public Builder stage(ApprovalStage stage) {
      Objects.requireNonNull(stage, "stage cannot be null");
      for (ApprovalStage s : stages) {
        if (s.name().equals(stage.name())) {
          throw new InvalidInputException(field("approval.stages"), field("approval.stages") + " has two stages "
              + "named " + stage.name() + "; give each stage its own name");
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
    public Builder stageMode(StageMode mode) {
      once(stageMode != null, "approval.mode", stageMode);
      this.stageMode = Objects.requireNonNull(mode, "mode cannot be null");
      return this;
    }

    /**
     * How many distinct eligible approvers must deny before the request is denied. Defaults to 1: any deny denies.
     *
     * @param n 1 to 10
     * @return this builder
     */
    public Builder denyThreshold(int n) {
      once(denyThreshold > 0, "approval.denyThreshold", denyThreshold);
      if (n < 1 || n > 10) {
        throw new InvalidInputException(field("approval.denyThreshold"), String.format(Locale.ROOT,
            "%s must be between 1 and 10, but was %d", field("approval.denyThreshold"), n));
      }
      this.denyThreshold = n;
      return this;
    }

    /**
     * Approvers must give a comment when approving or denying.
     *
     * @return this builder
     */
    public Builder requireApproverComment() {
      this.approverCommentRequired = true;
      return this;
    }

    /**
     * How long a request may wait for approvals before it expires. Defaults to 24 hours.
     *
     * @param ttl positive
     * @return this builder
     */
    public Builder pendingTtl(Duration ttl) {
      once(pendingTtl != null, "approval.pendingTtl", pendingTtl);
      this.pendingTtl = positive("approval.pendingTtl", ttl);
      return this;
    }

    /**
     * Reminds approvers of a request still pending after this delay (through the approval channel).
     *
     * @param delay positive, less than the pending time-to-live
     * @return this builder
     */
    public Builder remindAfter(Duration delay) {
      once(remindAfter != null, "approval.remindAfter", remindAfter);
      this.remindAfter = positive("approval.remindAfter", delay);
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
    public Builder escalateAfter(Duration delay, String... fallbackGroups) {
      once(escalateAfter != null, "approval.escalateAfter", escalateAfter);
      this.escalateAfter = positive("approval.escalateAfter", delay);
      addAll(escalationGroups, "approval.escalateTo", fallbackGroups);
      if (escalationGroups.isEmpty()) {
        throw new InvalidInputException(field("approval.escalateTo"), field("approval.escalateTo")
            + " is empty; name the fallback approver groups");
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
    public Builder extensionRequiresApproval(boolean required) {
      once(extensionRequiresApproval != null, "extension.requiresApproval", extensionRequiresApproval);
      this.extensionRequiresApproval = required;
      return this;
    }

    /**
     * Sends a {@code GRANT_EXPIRING} event this long before a grant expires.
     *
     * @param lead positive
     * @return this builder
     */
    public Builder expiryWarning(Duration lead) {
      once(expiryWarning != null, "expiryWarning", expiryWarning);
      this.expiryWarning = positive("expiryWarning", lead);
      return this;
    }

    /**
     * The largest budget of uses a request may ask for. Defaults to 1000.
     *
     * @param max 1 to 1,000,000
     * @return this builder
     */
    public Builder maxUses(int max) {
      once(maxUses >= 0, "maxUses", maxUses);
      if (max < 1 || max > ElevationRequest.MAX_USES) {
        throw new InvalidInputException(field("maxUses"), String.format(Locale.ROOT,
            "%s must be between 1 and %d, but was %d", field("maxUses"), ElevationRequest.MAX_USES, max));
      }
      this.maxUses = max;
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
    public Builder maxAmount(BigDecimal max) {
      once(maxAmount != null, "maxAmount", maxAmount);
      this.maxAmount = Amounts.limit(field("maxAmount"), max);
      return this;
    }

    /**
     * How far in the future a scheduled start may be. Defaults to 7 days.
     *
     * @param delay positive
     * @return this builder
     */
    public Builder maxStartDelay(Duration delay) {
      once(maxStartDelay != null, "maxStartDelay", maxStartDelay);
      this.maxStartDelay = positive("maxStartDelay", delay);
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
    public Builder breakGlass(int minReasonLength, Duration maxDuration) {
      once(breakGlass != null, "breakGlass", breakGlass);
      this.breakGlass = new BreakGlass(minReasonLength, maxDuration);
      return this;
    }

    /**
     * A message from the administrators added to every denial of this privilege (for example where to ask).
     *
     * @param message printable text, at most 500 characters
     * @return this builder
     */
    public Builder denyMessage(String message) {
      Objects.requireNonNull(message, "denyMessage cannot be null");
      once(denyMessage != null, "denyMessage", denyMessage);
      this.denyMessage = Text.token(field("denyMessage"), message, 500);
      return this;
    }

    /**
     * Suggests the people on call for this schedule as approvers in pending decisions (needs an
     * {@link dev.jitguard.spi.OnCallSource} on the guard).
     *
     * @param schedule the schedule name
     * @return this builder
     */
    public Builder suggestOnCall(String schedule) {
      Objects.requireNonNull(schedule, "schedule cannot be null");
      once(suggestOnCall != null, "approval.suggestOnCall", suggestOnCall);
      this.suggestOnCall = Text.token(field("approval.suggestOnCall"), schedule, 128);
      return this;
    }

    private Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name + " cannot be null");
      if (d.isNegative() || d.isZero() || d.compareTo(ElevationRequest.MAX_DURATION) > 0) {
        throw new InvalidInputException(field(name), String.format(Locale.ROOT,
            "%s must be positive and at most %s, but was %s", field(name), ElevationRequest.MAX_DURATION, d));
      }
      return d;
    }

    private void once(boolean set, String name, Object value) {
      if (set) {
        throw new IllegalStateException(field(name) + " was already set to " + value);
      }
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
        throw new InvalidInputException(field("eligible"), field("eligible")
            + " is empty: nobody could ever request '" + pattern + "'; add eligible groups, subjects or attribute "
            + "conditions");
      }
      if (!stages.isEmpty() && (!approverGroups.isEmpty() || !approverSubjects.isEmpty() || approvalsRequired > 0)) {
        throw new InvalidInputException(field("approval"), field("approval") + " mixes stages with the single-stage "
            + "settings (approvals, approver groups, approver subjects); move those into a stage");
      }
      if (effectiveStages().isEmpty() && autoApprove.isEmpty() && breakGlass == null) {
        throw new InvalidInputException(field("approval"), field("approval")
            + " has no approvers, no auto-approval and no break-glass: no request for '" + pattern + "' could ever "
            + "be approved; add approver groups or subjects, a stage, or an auto-approval condition");
      }
      if (stages.isEmpty() && approvalsRequired > 0 && approverGroups.isEmpty() && approverSubjects.isEmpty()) {
        throw new InvalidInputException(field("approval.groups"), field("approval.approvals") + " is "
            + approvalsRequired + " but nobody may approve; add approver groups or subjects");
      }
      if (defaultDuration != null && defaultDuration.compareTo(maxDuration) > 0) {
        throw new InvalidInputException(field("defaultDuration"), String.format(Locale.ROOT,
            "%s must be at most %s (maxDuration), but was %s", field("defaultDuration"), maxDuration,
            defaultDuration));
      }
      Duration ttl = pendingTtl != null ? pendingTtl : Duration.ofHours(24);
      if (remindAfter != null && remindAfter.compareTo(ttl) >= 0) {
        throw new InvalidInputException(field("approval.remindAfter"), field("approval.remindAfter") + " must be "
            + "shorter than approval.pendingTtl " + ttl + ", but was " + remindAfter + "; a reminder after expiry "
            + "never reaches anyone");
      }
      if (escalateAfter != null && escalateAfter.compareTo(ttl) >= 0) {
        throw new InvalidInputException(field("approval.escalateAfter"), field("approval.escalateAfter")
            + " must be shorter than approval.pendingTtl " + ttl + ", but was " + escalateAfter);
      }
      if (expiryWarning != null && expiryWarning.compareTo(maxDuration) >= 0) {
        throw new InvalidInputException(field("expiryWarning"), field("expiryWarning") + " must be shorter than "
            + "maxDuration " + maxDuration + ", but was " + expiryWarning);
      }
      if (breakGlass != null && breakGlass.maxDuration().compareTo(maxDuration) > 0) {
        throw new InvalidInputException(field("breakGlass.maxDuration"), field("breakGlass.maxDuration")
            + " must be at most maxDuration " + maxDuration + ", but was " + breakGlass.maxDuration());
      }
      return new PrivilegeRule(this);
    }
  }
}
