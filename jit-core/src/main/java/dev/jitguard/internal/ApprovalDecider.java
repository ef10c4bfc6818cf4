package dev.jitguard.internal;

import dev.jitguard.Grant;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestRecord;
import dev.jitguard.Subject;
import dev.jitguard.internal.util.Text;
import dev.jitguard.rule.Eligibility;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ElevationPolicy;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one decision function for every act on someone else's request or grant: approve, deny, an approver's
 * extension, an approver's or administrator's revocation, the review of a break-glass use. In this order, it
 * <ol>
 *   <li>decides whether the actor may see the record at all (its requester or holder, an approver of its privilege
 *       under the policy in force, an administrator); anyone else gets the same answer as for an id that does not
 *       exist, so ids never confirm existence;</li>
 *   <li>refuses the requester or holder acting on their own request or grant, administrators included;</li>
 *   <li>decides whether the actor may act on that privilege now: approving and extending need an approver of the
 *       current rule (fallback groups count once a request was escalated); administrators may also deny, revoke and
 *       review, which only take access away or close a review;</li>
 *   <li>where the policy requires it, refuses an approver's decision without a comment;</li>
 *   <li>for acts that give access (approve, extend), re-evaluates the requester or holder under the policy in force:
 *       eligible and not denied ({@link Eligibility#decide}), with the subject as recorded with the request.</li>
 * </ol>
 * An approver's own elevations play no part: approval rights come from the rule's approver lists alone.
 *
 * <p>Thread-safe.
 */
public final class ApprovalDecider {
  private static final Logger LOG = LoggerFactory.getLogger(ApprovalDecider.class);

  /** The acts on someone else's request or grant. */
  public enum Act {
    /** Approve a pending request. */
    APPROVE("approve", true, false),
    /** Deny a pending request. */
    DENY("deny", false, true),
    /** Extend someone else's grant. */
    EXTEND("extend", true, false),
    /** Revoke someone else's grant, or the grants of their request. */
    REVOKE("revoke", false, true),
    /** Review someone else's break-glass use. */
    REVIEW("review", false, true);

    private final String verb;
    private final boolean givesAccess;
    private final boolean administratorsMay;

    Act(String verb, boolean givesAccess, boolean administratorsMay) {
      this.verb = verb;
      this.givesAccess = givesAccess;
      this.administratorsMay = administratorsMay;
    }

    /** @return the verb, for messages and the audit trail */
    public String verb() {
      return verb;
    }
  }

  /**
   * The record acted on.
   *
   * @param kind "request" or "grant"
   * @param id its id
   * @param owner the requester or holder, as recorded with the request (groups and attributes at request time)
   * @param privilege its privilege
   * @param escalated whether the request was escalated (fallback approvers count)
   * @param request the request, when the act is on a request
   * @param grant the grant, when the act is on a grant
   */
  public record Target(String kind, String id, Subject owner, Privilege privilege, boolean escalated,
      RequestRecord request, Grant grant) {

    /**
     * A request as target.
     *
     * @param r the request
     * @return the target
     */
    public static Target of(RequestRecord r) {
      return new Target("request", r.id().value(), r.request().subject(), r.privilege(), r.escalatedAt().isPresent(),
          r, null);
    }

    /**
     * A grant as target.
     *
     * @param g the grant
     * @param holder the holder as recorded with the grant's request
     * @return the target
     */
    public static Target of(Grant g, Subject holder) {
      return new Target("grant", g.id().value(), holder, g.privilege(), false, null, g);
    }
  }

  private final ElevationPolicy policy;
  private final Refusals refusals;

  /**
   * Creates the decider.
   *
   * @param policy the policy; asked afresh for every decision
   * @param refusals how refusals are audited and thrown
   */
  public ApprovalDecider(ElevationPolicy policy, Refusals refusals) {
    this.policy = policy;
    this.refusals = refusals;
  }

  /**
   * Decides whether the actor may do the act on the target now; see the class description for the order.
   *
   * @param act what the actor wants to do
   * @param actor who
   * @param target on what
   * @param comment the actor's comment or reason
   * @param now the guard's time
   * @return the authorization to act, under the rule in force
   * @throws dev.jitguard.OperationRefusedException if refused (audited; nothing changed)
   */
  public Authorization authorize(Act act, Subject actor, Target target, String comment, Instant now) {
    PrivilegeRule rule = null;
    String version = "unavailable";
    boolean policyFailed = false;
    try {
      ElevationPolicy snapshot = policy.snapshot();
      version = snapshot.version();
      rule = snapshot.ruleFor(target.privilege()).orElse(null);
    } catch (RuntimeException e) {
      LOG.error("policy failed while deciding whether {} may {} {} {}", Text.quote(actor.id()), act.verb,
          target.kind(), target.id(), e);
      policyFailed = true;
    }
    boolean owner = target.owner().id().equals(actor.id());
    boolean admin = isAdministrator(actor);
    boolean approver = rule != null
        && rule.approval().mayApprove(actor, rule.escalation().fallbackGroups(target.escalated()));
    if (!owner && !admin && !approver) {
      throw refusals.notFound(target.kind(), target.id(), actor, act.verb, target.request(), target.grant(), now);
    }
    if (owner) {
      throw refuse(target, actor, act, ReasonCode.SELF_APPROVAL, "Nobody may " + act.verb + " their own "
          + (target.grant() != null ? "grant" : target.request().isBreakGlass() ? "break-glass use" : "request")
          + ", administrators included.", "Ask one of " + approverList(target)
          + (act == Act.APPROVE || act == Act.DENY ? " to decide." : "."), now);
    }
    // An administrator may still take access away (revoke, deny, review) while the policy fails: fail closed means less
    // access, never a grant kept alive because its rule cannot be read.
    if (policyFailed && !(admin && act.administratorsMay)) {
      throw refuse(target, actor, act, ReasonCode.POLICY_FAILURE, "The policy could not be evaluated; nothing was "
          + "changed.", "Retry; if it persists, tell the operators (fail closed).", now);
    }
    if (!approver) {
      if (rule == null && act.givesAccess) {
        throw refuse(target, actor, act, ReasonCode.UNKNOWN_PRIVILEGE, "The policy no longer has a rule for '"
            + target.privilege() + "'; nobody may " + act.verb + " it.", "Ask an administrator.", now);
      }
      if (!act.administratorsMay) {
        throw refuse(target, actor, act, ReasonCode.NOT_PERMITTED, "Only approvers of '" + target.privilege()
            + "' may " + act.verb + " it; administrators may deny, revoke and review.", "Ask one of "
            + approverList(target) + ".", now);
      }
    }
    if (rule != null && rule.approval().commentRequired() && comment.isBlank()
        && (act == Act.APPROVE || act == Act.DENY || act == Act.EXTEND)) {
      throw refuse(target, actor, act, ReasonCode.COMMENT_REQUIRED, "The policy for '" + target.privilege()
          + "' requires a comment to " + act.verb + ".", "Say why, then " + act.verb + " again.", now);
    }
    if (act.givesAccess) {
      Eligibility.Verdict verdict = rule.eligibility().decide(target.owner());
      if (verdict != Eligibility.Verdict.ELIGIBLE) {
        boolean denied = verdict == Eligibility.Verdict.DENIED;
        throw refuse(target, actor, act, denied ? ReasonCode.EXPLICITLY_DENIED : ReasonCode.NOT_ELIGIBLE,
            "The policy in force (version " + Text.quote(version) + ") " + (denied ? "denies " : "no longer lists ")
                + Text.quote(target.owner().id()) + (denied ? " '" : " as eligible for '") + target.privilege()
                + "'; the " + target.kind() + " cannot be " + (act == Act.APPROVE ? "approved" : "extended") + ".",
            act == Act.APPROVE ? "Deny the request instead." : "Revoke the grant instead, or let it expire.", now);
      }
    }
    return new Authorization(actor, rule, version, approver);
  }

  /**
   * Whether the actor may see a request or grant at all (for waiters and listings): its requester or holder, an
   * approver of its privilege under the policy in force, or an administrator. Never throws: a failing policy sees
   * nothing.
   *
   * @param actor who asks
   * @param ownerId the requester or holder
   * @param privilege the privilege
   * @param escalated whether the request was escalated
   * @return true if visible
   */
  public boolean maySee(Subject actor, String ownerId, Privilege privilege, boolean escalated) {
    return ownerId.equals(actor.id()) || isAdministrator(actor) || mayApprove(actor, privilege, escalated);
  }

  /**
   * Whether the actor is an approver of the privilege under the policy in force (for listings).
   *
   * @param actor who
   * @param privilege the privilege
   * @param escalated whether fallback approvers count
   * @return true if an approver; false also when the policy failed
   */
  public boolean mayApprove(Subject actor, Privilege privilege, boolean escalated) {
    try {
      Optional<PrivilegeRule> rule = policy.ruleFor(privilege);
      return rule.isPresent()
          && rule.get().approval().mayApprove(actor, rule.get().escalation().fallbackGroups(escalated));
    } catch (RuntimeException e) {
      LOG.error("policy failed while checking approver for {}", privilege, e);
      return false;
    }
  }

  /**
   * The patterns of the rules in force that may list the actor as approver (fallback groups counted, as after an
   * escalation), for narrowing a listing before {@link #mayApprove} decides each request: every privilege the actor
   * may approve is covered by one of them. Empty if the policy cannot list its rules; no patterns when it failed.
   *
   * @param actor who
   * @return the patterns, or empty
   */
  public Optional<java.util.Set<dev.jitguard.rule.PrivilegePattern>> approverPatterns(Subject actor) {
    try {
      return policy.allRules().map(rules -> rules.stream()
          .filter(r -> r.approval().mayApprove(actor, r.escalation().fallbackGroups(true)))
          .map(PrivilegeRule::pattern).collect(java.util.stream.Collectors.toUnmodifiableSet()));
    } catch (RuntimeException e) {
      LOG.error("policy failed while listing the rules of an approver", e);
      return Optional.of(java.util.Set.of());
    }
  }

  /**
   * Whether the actor is an administrator; false when the policy failed.
   *
   * @param actor who
   * @return true for administrators
   */
  public boolean isAdministrator(Subject actor) {
    try {
      return policy.isAdministrator(actor);
    } catch (RuntimeException e) {
      LOG.error("policy failed while checking administrator", e);
      return false;
    }
  }

  private dev.jitguard.OperationRefusedException refuse(Target t, Subject actor, Act act, ReasonCode reason,
      String message, String hint, Instant now) {
    return t.grant() != null ? refusals.refuse(t.grant(), actor, act.verb, reason, message, hint, now)
        : refusals.refuse(t.request(), actor, act.verb, reason, message, hint, now);
  }

  /** Who to ask, in words. */
  private static String approverList(Target t) {
    return t.request() != null ? Explanations.approverList(t.request())
        : "the approvers of '" + t.privilege() + "'";
  }
}
