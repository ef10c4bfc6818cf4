package dev.jitguard.rule;

import dev.jitguard.Approval;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Subject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who must approve, and how: auto-approval conditions, approval stages of N distinct people combined with AND or OR,
 * the deny threshold, whether approvers must comment, how long a request may wait, whether an extension needs an
 * approver, and whose on-call schedule to suggest. This is the one home of the approval threshold
 * ({@link #isSatisfied}) and of who counts as an approver ({@link #mayApprove}). Immutable and thread-safe.
 *
 * <p>The requester never counts as an approver of their own request, whatever their groups (administrators
 * included): the guard refuses that before it asks this section, so no policy can turn it off.
 */
public final class ApprovalRequirement {
  private final List<AutoApproveCondition> autoApprove;
  private final List<ApprovalStage> stages;
  private final StageMode stageMode;
  private final int denyThreshold;
  private final boolean commentRequired;
  private final Duration pendingTtl;
  private final boolean extensionRequiresApproval;
  private final String suggestOnCall;

  ApprovalRequirement(List<AutoApproveCondition> autoApprove, List<ApprovalStage> stages, StageMode stageMode,
      int denyThreshold, boolean commentRequired, Duration pendingTtl, boolean extensionRequiresApproval,
      String suggestOnCall) {
    this.autoApprove = List.copyOf(autoApprove);
    this.stages = List.copyOf(stages);
    this.stageMode = stageMode;
    this.denyThreshold = denyThreshold;
    this.commentRequired = commentRequired;
    this.pendingTtl = pendingTtl;
    this.extensionRequiresApproval = extensionRequiresApproval;
    this.suggestOnCall = suggestOnCall;
  }

  /**
   * Whether the subject may approve requests for the privilege, in some stage or as a member of a fallback group.
   *
   * @param subject the would-be approver
   * @param fallbackGroups groups that may approve too (an escalated request's {@link Escalation#fallbackGroups})
   * @return true if admitted
   */
  public boolean mayApprove(Subject subject, Set<String> fallbackGroups) {
    for (ApprovalStage s : stages) {
      if (s.admits(subject)) {
        return true;
      }
    }
    return Eligibility.intersects(subject.groups(), fallbackGroups);
  }

  /**
   * The approval threshold: whether approvals satisfy the stages. For {@link StageMode#ALL}, every stage's count is
   * filled by distinct people (each person fills at most one approval in all, so one person in two stages' groups
   * does not satisfy both); for {@link StageMode#ANY}, one stage is. Members of the fallback groups may fill any
   * stage.
   *
   * @param approvals the approvals, one per distinct person
   * @param fallbackGroups groups that may approve in any stage (an escalated request's fallback groups)
   * @return true if the request is approved
   */
  public boolean isSatisfied(List<Approval> approvals, Set<String> fallbackGroups) {
    if (stages.isEmpty()) {
      return false;
    }
    if (stageMode == StageMode.ANY) {
      for (ApprovalStage s : stages) {
        if (count(s, approvals, fallbackGroups) >= s.approvals()) {
          return true;
        }
      }
      return false;
    }
    return matchedSlots(approvals, fallbackGroups) == totalSlots();
  }

  /**
   * What is still missing, in words, for a pending message.
   *
   * @param approvals the approvals so far
   * @param fallbackGroups groups that may approve in any stage
   * @return for example {@code 1 more from stage security [secops]}
   */
  public String missing(List<Approval> approvals, Set<String> fallbackGroups) {
    List<String> parts = new ArrayList<>();
    for (ApprovalStage s : stages) {
      int n = count(s, approvals, fallbackGroups);
      if (n < s.approvals()) {
        int left = s.approvals() - n;
        parts.add(stages.size() == 1 ? left + " more approval" + (left == 1 ? "" : "s") + " from " + who(s)
            : left + " more from stage " + s.name() + " " + who(s));
      }
    }
    return String.join(stageMode == StageMode.ALL ? " and " : " or ", parts);
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

  private int count(ApprovalStage s, List<Approval> approvals, Set<String> fallbackGroups) {
    int n = 0;
    for (Approval a : approvals) {
      if (admits(s, a, fallbackGroups)) {
        n++;
      }
    }
    return n;
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

  private static boolean admits(ApprovalStage s, Approval a, Set<String> fallbackGroups) {
    return s.admits(a.approver(), a.groups()) || Eligibility.intersects(a.groups(), fallbackGroups);
  }

  private int totalSlots() {
    int n = 0;
    for (ApprovalStage s : stages) {
      n += s.approvals();
    }
    return n;
  }

  /** Maximum bipartite matching of approvers to stage slots (Kuhn's algorithm; at most 100 slots). */
  private int matchedSlots(List<Approval> approvals, Set<String> fallbackGroups) {
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
      if (augment(a, approvals, slots, slotOwner, new boolean[slots.size()], fallbackGroups)) {
        matched++;
      }
    }
    return matched;
  }

  private static boolean augment(int a, List<Approval> approvals, List<ApprovalStage> slots, int[] owner,
      boolean[] seen, Set<String> fallbackGroups) {
    for (int s = 0; s < slots.size(); s++) {
      if (!seen[s] && admits(slots.get(s), approvals.get(a), fallbackGroups)) {
        seen[s] = true;
        if (owner[s] < 0 || augment(owner[s], approvals, slots, owner, seen, fallbackGroups)) {
          owner[s] = a;
          return true;
        }
      }
    }
    return false;
  }

  /** @return the auto-approval conditions, in order */
  public List<AutoApproveCondition> autoApprove() {
    return autoApprove;
  }

  /** @return the approval stages (one stage named {@code approvers} when built with {@code approvals(n)}) */
  public List<ApprovalStage> stages() {
    return stages;
  }

  /** @return true if some request may need people to approve it (the rule has approval stages) */
  public boolean hasApprovers() {
    return !stages.isEmpty();
  }

  /** @return how the stages combine */
  public StageMode stageMode() {
    return stageMode;
  }

  /**
   * The number of distinct approvals needed: the sum of all stages for {@link StageMode#ALL}, the smallest stage for
   * {@link StageMode#ANY}, 0 without stages.
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

  /** @return true if approvers must give a comment when approving, denying or extending */
  public boolean commentRequired() {
    return commentRequired;
  }

  /** @return how long a request may wait for approvals */
  public Duration pendingTtl() {
    return pendingTtl;
  }

  /** @return true if extending a grant needs an approver (false: the holder may extend within the cap) */
  public boolean extensionRequiresApproval() {
    return extensionRequiresApproval;
  }

  /** @return the on-call schedule whose members are suggested as approvers */
  public Optional<String> suggestOnCall() {
    return Optional.ofNullable(suggestOnCall);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApprovalRequirement a && autoApprove.equals(a.autoApprove) && stages.equals(a.stages)
        && stageMode == a.stageMode && denyThreshold == a.denyThreshold && commentRequired == a.commentRequired
        && pendingTtl.equals(a.pendingTtl) && extensionRequiresApproval == a.extensionRequiresApproval
        && Objects.equals(suggestOnCall, a.suggestOnCall);
  }

  @Override
  public int hashCode() {
    return Objects.hash(autoApprove, stages, stageMode, denyThreshold, commentRequired, pendingTtl,
        extensionRequiresApproval, suggestOnCall);
  }

  @Override
  public String toString() {
    return "ApprovalRequirement[stages=" + stages + ", mode=" + stageMode + ", autoApprove=" + autoApprove
        + ", denyThreshold=" + denyThreshold + ", commentRequired=" + commentRequired + ", pendingTtl=" + pendingTtl
        + ", extensionRequiresApproval=" + extensionRequiresApproval + ", suggestOnCall=" + suggestOnCall + "]";
  }
}
