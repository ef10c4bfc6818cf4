package dev.jitguard.examples.policyfile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.DryRun;
import dev.jitguard.Outcome;
import dev.jitguard.ReasonCode;
import dev.jitguard.policy.Policy;
import dev.jitguard.policy.PolicyDocuments;
import dev.jitguard.policy.PrivilegePattern;
import dev.jitguard.policy.StageMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyFileExampleTest {

  @Test
  void examplePolicyLoadsWithEveryRuleAndVersionTracedToItsContent() {
    Policy policy = PolicyDocuments.loadResource("jitguard-policy.yaml");

    assertThat(policy.version()).matches("payments-2026-11#[0-9a-f]{12}");
    assertThat(policy.rules().keySet()).extracting(PrivilegePattern::value)
        .containsExactly("payments.refund", "payments.refund-budget", "customers.erase", "payments.*", "logs.read");
    assertThat(policy.rules().get(PrivilegePattern.of("customers.erase")).stageMode()).isEqualTo(StageMode.ALL);
    assertThat(policy.rules().get(PrivilegePattern.of("payments.refund")).escalationGroups())
        .containsExactly("finance-managers");
    assertThat(policy.rules().get(PrivilegePattern.of("payments.refund-budget")).maxAmount())
        .contains(new java.math.BigDecimal("500.00"));
    assertThat(policy.rules().get(PrivilegePattern.of("payments.refund")).maxAmount()).isEmpty();
  }

  @Test
  void dryRunsThenEachRuleDecidesAsDocumented() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    Map<String, DryRun> r = PolicyFileExample.run(new PrintStream(buffer, true, StandardCharsets.UTF_8));

    assertThat(r.get("agent asks for a refund").wouldBe()).isEqualTo(Outcome.PENDING);
    assertThat(r.get("agent asks for a refund").approverGroups()).containsExactly("payments-leads");

    DryRun contractor = r.get("contractor asks for a refund");
    assertThat(contractor.reason()).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(contractor.message()).contains("rule 'payments.refund'");
    assertThat(contractor.hint()).contains("Questions: #payments-oncall");

    assertThat(r.get("on-call engineer in business hours").reason()).isEqualTo(ReasonCode.AUTO_APPROVED);

    DryRun intern = r.get("intern asks for payments.export");
    assertThat(intern.reason()).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(intern.message()).contains("rule 'payments.*'");

    DryRun erase = r.get("agent asks to erase a customer");
    assertThat(erase.wouldBe()).isEqualTo(Outcome.PENDING);
    assertThat(erase.approvalsRequired()).isEqualTo(2);
    assertThat(erase.message()).contains("stage payments-lead").contains("stage privacy");

    assertThat(r.get("developer reads logs").reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
    assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("Loaded policy version payments-2026-11#");
  }
}
