package dev.jitguard.spring.autoconfigure;

import dev.jitguard.rule.PrivilegeRuleBuilder;
import dev.jitguard.InvalidInputException;
import dev.jitguard.Amounts;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.policy.Policy;
import dev.jitguard.rule.PrivilegeRule;
import java.util.List;
import java.util.Locale;

/**
 * Builds a {@link Policy} from {@code jit.policy.*} properties, mapping each rule onto
 * {@link PrivilegeRuleBuilder}. Errors name the property ({@code jit.policy.rules[0].approval.groups}) and the
 * fix, and fail the start-up.
 */
final class PropertiesPolicy {

  private PropertiesPolicy() { }

  static Policy build(JitGuardProperties.Policy properties) {
    Policy.Builder policy = Policy.builder().version(properties.getVersion());
    policy.administratorGroups(properties.getAdministrators().getGroups().toArray(String[]::new));
    policy.administratorSubjects(properties.getAdministrators().getSubjects().toArray(String[]::new));
    List<JitGuardProperties.Rule> rules = properties.getRules();
    for (int i = 0; i < rules.size(); i++) {
      String prefix = "jit.policy.rules[" + i + "]";
      JitGuardProperties.Rule r = rules.get(i);
      if (r.getPrivilege() == null || r.getPrivilege().isBlank()) {
        throw new InvalidInputException(prefix + ".privilege", prefix + ".privilege is missing; name the privilege "
            + "(payments.refund) or prefix (payments.*) the rule governs");
      }
      try {
        policy.rule(rule(r));
      } catch (InvalidInputException e) {
        throw new InvalidInputException(prefix, String.format(Locale.ROOT, "%s (%s): %s", prefix,
            r.getPrivilege(), e.getMessage()));
      } catch (IllegalStateException | IllegalArgumentException e) {
        throw new IllegalStateException(prefix + " (" + r.getPrivilege() + "): " + e.getMessage(), e);
      }
    }
    return policy.build();
  }

  private static PrivilegeRule rule(JitGuardProperties.Rule r) {
    PrivilegeRuleBuilder b = PrivilegeRule.builder(r.getPrivilege());
    b.eligibleSubjects(array(r.getEligible().getSubjects()));
    b.eligibleGroups(array(r.getEligible().getGroups()));
    r.getEligible().getAttributes().forEach((k, v) -> b.eligibleWhen(k, array(v)));
    b.denySubjects(array(r.getDeny().getSubjects()));
    b.denyGroups(array(r.getDeny().getGroups()));
    r.getDeny().getAttributes().forEach((k, v) -> b.denyWhen(k, array(v)));
    if (r.getMaxDuration() != null) {
      b.maxDuration(r.getMaxDuration());
    }
    if (r.getDefaultDuration() != null) {
      b.defaultDuration(r.getDefaultDuration());
    }
    if (r.getJustification().getMinLength() != null) {
      b.requireJustification(r.getJustification().getMinLength());
    }
    if (r.getTicket().isRequired()) {
      b.requireTicket();
    }
    if (r.getTicket().getPattern() != null) {
      b.ticketPattern(r.getTicket().getPattern());
    }
    JitGuardProperties.Approval a = r.getApproval();
    b.approverGroups(array(a.getGroups()));
    b.approverSubjects(array(a.getSubjects()));
    if (a.getApprovals() != null) {
      b.approvals(a.getApprovals());
    }
    if (a.getDenyThreshold() != null) {
      b.denyThreshold(a.getDenyThreshold());
    }
    if (a.isCommentRequired()) {
      b.requireApproverComment();
    }
    if (a.getPendingTtl() != null) {
      b.pendingTtl(a.getPendingTtl());
    }
    if (a.getRemindAfter() != null) {
      b.remindAfter(a.getRemindAfter());
    }
    if (a.getEscalateAfter() != null) {
      b.escalateAfter(a.getEscalateAfter(), array(a.getEscalateTo()));
    } else if (!a.getEscalateTo().isEmpty()) {
      throw new InvalidInputException("approval.escalate-to", "approval.escalate-to is set without "
          + "approval.escalate-after; say after how long requests are escalated");
    }
    if (r.getAutoApprove().isAlways()) {
      b.autoApprove(AutoApproveCondition.always());
    }
    if (!r.getAutoApprove().getGroups().isEmpty()) {
      b.autoApprove(AutoApproveCondition.memberOfAny(array(r.getAutoApprove().getGroups())));
    }
    if (r.getExtension().getRequiresApproval() != null) {
      b.extensionRequiresApproval(r.getExtension().getRequiresApproval());
    }
    if (r.getExpiryWarning() != null) {
      b.expiryWarning(r.getExpiryWarning());
    }
    if (r.getMaxUses() != null) {
      b.maxUses(r.getMaxUses());
    }
    if (r.getMaxAmount() != null) {
      // Parsed exactly from the text; YAML numbers arrive as their shortest decimal text (500.00 as 500.0).
      b.maxAmount(Amounts.parse("max-amount", r.getMaxAmount().trim()));
    }
    if (r.getMaxStartDelay() != null) {
      b.maxStartDelay(r.getMaxStartDelay());
    }
    JitGuardProperties.BreakGlass bg = r.getBreakGlass();
    if (bg.getMinReasonLength() != null || bg.getMaxDuration() != null) {
      if (bg.getMinReasonLength() == null || bg.getMaxDuration() == null) {
        throw new InvalidInputException("break-glass", "break-glass needs both min-reason-length and max-duration");
      }
      b.breakGlass(bg.getMinReasonLength(), bg.getMaxDuration());
    }
    if (r.getDenyMessage() != null) {
      b.denyMessage(r.getDenyMessage());
    }
    return b.build();
  }

  private static String[] array(List<String> values) {
    return values.toArray(String[]::new);
  }
}
