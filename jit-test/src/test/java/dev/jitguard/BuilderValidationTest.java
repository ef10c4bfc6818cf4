package dev.jitguard;

import dev.jitguard.rule.PrivilegeRuleBuilder;
import static dev.jitguard.Fixtures.invalid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.policy.Policy;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.test.TestClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Configuration errors are caught when the guard and the policy are built, with messages naming the field. */
class BuilderValidationTest {
  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").approverGroups("dba"))
      .build();

  @Test
  void buildWithoutPolicyThenIllegalStateSayingHowToFixIt() {
    assertThatThrownBy(() -> PrivilegeGuard.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("policy is required");
  }

  @Test
  void guardOptionSetTwiceThenIllegalStateNamingTheOption() {
    PrivilegeGuard.Builder b = PrivilegeGuard.builder().withPolicy(POLICY).withClock(TestClock.create());

    assertThatThrownBy(() -> b.withClock(TestClock.create())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("clock was already set");
    assertThatThrownBy(() -> b.withPolicy(POLICY)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("policy was already set");
    b.withoutBackgroundMaintenance();
    assertThatThrownBy(() -> b.withMaintenanceInterval(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("maintenanceInterval");
  }

  @Test
  void maintenanceIntervalOutOfRangeThenInvalidInputNamingIt() {
    assertThat(invalid(() -> PrivilegeGuard.builder().withMaintenanceInterval(Duration.ofMillis(5))).field())
        .isEqualTo("maintenanceInterval");
    assertThat(invalid(() -> PrivilegeGuard.builder().withMaintenanceInterval(Duration.ofHours(2))).field())
        .isEqualTo("maintenanceInterval");
  }

  @Test
  void defaultCollaboratorsThenGuardWorksWithOnlyAPolicy() {
    try (PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(POLICY).build()) {
      Decision d = guard.check(Subject.of("alice"), Privilege.of("db.prod.write"));

      assertThat(d.reason()).isEqualTo(ReasonCode.NO_GRANT);
    }
  }

  @Test
  void ruleWithoutEligibleSubjectsThenRejectedNamingTheField() {
    InvalidInputException e = invalid(() -> PrivilegeRule.builder("db.prod.write").approverGroups("dba").build());

    assertThat(e.field()).isEqualTo("policies.db.prod.write.eligible");
    assertThat(e.getMessage()).contains("nobody could ever request");
  }

  @Test
  void ruleWithoutApproversOrAutoApprovalThenRejected() {
    assertThat(invalid(() -> PrivilegeRule.builder("db.prod.write").eligibleGroups("dev").build()).field())
        .isEqualTo("policies.db.prod.write.approval");
    assertThat(PrivilegeRule.builder("db.prod.write").eligibleGroups("dev")
        .autoApprove(AutoApproveCondition.always()).build().approval().approvalsRequired()).isEqualTo(0);
  }

  @Test
  void ruleWithDefaultDurationOverMaximumThenRejected() {
    assertThat(invalid(() -> PrivilegeRule.builder("x").eligibleGroups("dev").approverGroups("dba")
        .maxDuration(Duration.ofMinutes(30)).defaultDuration(Duration.ofHours(1)).build()).field())
        .isEqualTo("policies.x.defaultDuration");
  }

  @Test
  void ruleDefaultDurationThenOneHourOrTheMaximumIfShorter() {
    assertThat(PrivilegeRule.builder("x").eligibleGroups("dev").approverGroups("dba").build().limits().defaultDuration())
        .isEqualTo(Duration.ofHours(1));
    assertThat(PrivilegeRule.builder("x").eligibleGroups("dev").approverGroups("dba")
        .maxDuration(Duration.ofMinutes(10)).build().limits().defaultDuration()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void ruleValuesOutOfRangeThenRejectedNamingTheField() {
    PrivilegeRuleBuilder b = PrivilegeRule.builder("x");

    assertThat(invalid(() -> b.approvals(0)).field()).isEqualTo("policies.x.approval.approvals");
    assertThat(invalid(() -> b.approvals(11)).field()).isEqualTo("policies.x.approval.approvals");
    assertThat(invalid(() -> b.requireJustification(0)).field()).isEqualTo("policies.x.justification.minLength");
    assertThat(invalid(() -> b.maxDuration(Duration.ZERO)).field()).isEqualTo("policies.x.maxDuration");
    assertThat(invalid(() -> b.pendingTtl(Duration.ofSeconds(-1))).field()).isEqualTo("policies.x.approval.pendingTtl");
    assertThat(invalid(() -> b.maxUses(0)).field()).isEqualTo("policies.x.maxUses");
    assertThat(invalid(() -> b.ticketPattern("[A-Z")).field()).isEqualTo("policies.x.ticket.pattern");
    assertThat(invalid(() -> b.eligibleGroups("dev ops")).field()).isEqualTo("policies.x.eligible.groups");
  }

  @Test
  void ruleOptionSetTwiceThenIllegalState() {
    PrivilegeRuleBuilder b = PrivilegeRule.builder("x").maxDuration(Duration.ofHours(1)).approvals(2);

    assertThatThrownBy(() -> b.maxDuration(Duration.ofHours(2))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("policies.x.maxDuration was already set");
    assertThatThrownBy(() -> b.approvals(3)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void policyWithTwoRulesForOnePrivilegeThenIllegalState() {
    Policy.Builder b = Policy.builder().privilege("x", r -> r.eligibleGroups("a").approverGroups("b"));

    assertThatThrownBy(() -> b.privilege("x", r -> r.eligibleGroups("c").approverGroups("d")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("defined twice");
  }

  @Test
  void policyIdentifiersThenCanonicalisedLikeSubjects() {
    Policy p = Policy.builder().privilege("x", r -> r.eligibleSubjects("Alice").approverGroups("DBA"))
        .administratorSubjects("ROOT").build();

    PrivilegeRule rule = p.ruleFor(Privilege.of("x")).orElseThrow();
    assertThat(rule.eligibility().lists(Subject.of("alice"))).isTrue();
    assertThat(rule.approval().mayApprove(Subject.of("bob", "dba"), java.util.Set.of())).isTrue();
    assertThat(p.isAdministrator(Subject.of("root"))).isTrue();
    assertThat(p.version()).isEqualTo("programmatic");
  }
}
