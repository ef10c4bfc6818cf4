package dev.jitguard.examples.policyfile;

import dev.jitguard.audit.InMemoryAuditSink;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.Decision;
import dev.jitguard.DryRun;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Outcome;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.Subject;
import dev.jitguard.policy.InMemoryOnCallSource;
import dev.jitguard.policy.Policy;
import dev.jitguard.policy.PolicyDocumentException;
import dev.jitguard.policy.PolicyDocuments;
import dev.jitguard.rule.PrivilegePattern;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.rule.RuleField;
import dev.jitguard.rule.StageMode;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.test.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PolicyFileExampleTest {

  /**
   * Every field a policy document accepts: the top level, the administrators and every field of the rule table
   * ({@link RuleField}), each written as {@code name:} in the example file, which must use them all (issue #3).
   */
  private static final List<String> DOCUMENT_FIELDS = Stream.concat(
      Stream.of("version", "administrators", "policies", "groups", "subjects"),
      Arrays.stream(RuleField.values()).map(RuleField::key)).distinct().toList();

  @Test
  void examplePolicyLoadsWithEveryRuleAndVersionTracedToItsContent() {
    Policy policy = PolicyFileExample.loadPolicy(PolicyFileExample.onCallRota());

    assertThat(policy.version()).matches("payments-2026-11#[0-9a-f]{12}");
    assertThat(policy.rules().keySet()).extracting(PrivilegePattern::value)
        .containsExactly("payments.refund", "payments.refund-budget", "customers.erase",
            "payments.settlement-rerun", "payments.*", "merchants.release-payouts", "logs.read");
    assertThat(policy.rules().get(PrivilegePattern.of("customers.erase")).approval().stageMode()).isEqualTo(StageMode.ALL);
    assertThat(policy.rules().get(PrivilegePattern.of("payments.refund")).escalation().groups())
        .containsExactly("finance-managers");
    assertThat(policy.rules().get(PrivilegePattern.of("payments.refund-budget")).limits().maxAmount())
        .contains(new java.math.BigDecimal("500.00"));
    assertThat(policy.rules().get(PrivilegePattern.of("payments.refund")).limits().maxAmount()).isEmpty();

    PrivilegeRule rerun = policy.rules().get(PrivilegePattern.of("payments.settlement-rerun"));
    assertThat(rerun.eligibility().subjects()).containsExactly("tara");
    assertThat(rerun.approval().approverSubjects()).containsExactly("henry");
    assertThat(rerun.approval().suggestOnCall()).contains("payments-leads-oncall");
    assertThat(rerun.approval().autoApprove()).singleElement()
        .satisfies(c -> assertThat(c.description()).isEqualTo("requester is on call for payments-primary"));
    PrivilegeRule payouts = policy.rules().get(PrivilegePattern.of("merchants.release-payouts"));
    assertThat(payouts.approval().stageMode()).isEqualTo(StageMode.ANY);
    assertThat(payouts.approval().approvalsRequired()).isEqualTo(1);
  }

  @Test
  void examplePolicyWhenLoadedWithoutOnCallSourceThenRejectedNamingTheSchedule() {
    assertThatThrownBy(() -> PolicyDocuments.loadResource("jitguard-policy.yaml"))
        .isInstanceOf(PolicyDocumentException.class)
        .hasMessageContaining("policies.payments.settlement-rerun.autoApprove[0].onCall")
        .hasMessageContaining("withOnCallSource");
  }

  @Test
  void examplePolicyWhenScannedThenEveryDocumentFieldAndStageModeIsUsed() throws IOException {
    String document;
    try (InputStream in = PolicyFileExampleTest.class.getResourceAsStream("/jitguard-policy.yaml")) {
      assertThat(in).isNotNull();
      document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    for (String field : DOCUMENT_FIELDS) {
      assertThat(document).as("field %s", field).containsPattern("[\\s{,]" + field + ":");
    }
    assertThat(document).contains("mode: ALL").contains("mode: ANY");
  }

  @Test
  void readmeWhenDocumentingPolicyDocumentsThenTableNamesEveryFieldAndExcerptQuotesTheFile() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    String section = readme.substring(readme.indexOf("### Policy documents"), readme.indexOf("### The approval model"));
    String table = section.substring(section.indexOf("| Field | Meaning |"));
    String document;
    try (InputStream in = PolicyFileExampleTest.class.getResourceAsStream("/jitguard-policy.yaml")) {
      document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    for (String field : DOCUMENT_FIELDS) {
      assertThat(table).as("field %s", field).containsPattern("\\b" + field + "\\b");
    }
    String excerpt = section.substring(section.indexOf("```yaml") + "```yaml".length(), section.indexOf("```\n"));
    for (String line : excerpt.strip().split("\n")) {
      assertThat(document.contains(line)).as("README excerpt line is in jitguard-policy.yaml: %s", line).isTrue();
    }
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

  @Test
  void settlementRerunWhenRequesterIsOnCallThenAutoApprovedElseApproversDecide() {
    Map<String, DryRun> r = PolicyFileExample.run(new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));

    DryRun onCall = r.get("on-call engineer reruns a settlement");
    assertThat(onCall.reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
    assertThat(onCall.message()).contains("requester is on call for payments-primary");

    DryRun notOnCall = r.get("engineer not on call reruns a settlement");
    assertThat(notOnCall.wouldBe()).isEqualTo(Outcome.PENDING);
    assertThat(notOnCall.approverGroups()).containsExactly("payments-leads");
    assertThat(notOnCall.approverSubjects()).containsExactly("henry");

    DryRun treasurer = r.get("treasurer reruns a settlement");
    assertThat(treasurer.wouldBe()).as("eligible by subject id, in no group").isEqualTo(Outcome.PENDING);
    assertThat(r.get("agent reruns a settlement").reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);
  }

  @Test
  void releasePayoutsDryRunThenPendingOnEitherStage() {
    Map<String, DryRun> r = PolicyFileExample.run(new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));

    DryRun payouts = r.get("analyst releases held payouts");
    assertThat(payouts.wouldBe()).isEqualTo(Outcome.PENDING);
    assertThat(payouts.approvalsRequired()).as("the smaller stage: one risk officer").isEqualTo(1);
    assertThat(payouts.message()).contains("stage risk").contains("stage finance");
  }

  @Test
  void settlementRerunWhenRotaChangesThenOnlyWhoIsOnCallNowIsAutoApproved() {
    InMemoryOnCallSource rota = PolicyFileExample.onCallRota();
    try (PrivilegeGuard guard = guard(rota)) {
      Subject paul = Subject.of("paul", "payments-engineers");
      Subject quinn = Subject.of("quinn", "payments-engineers");
      assertThat(guard.dryRun(rerun(paul)).reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
      assertThat(guard.dryRun(rerun(quinn)).wouldBe()).isEqualTo(Outcome.PENDING);

      rota.set("payments-primary", "quinn");

      assertThat(guard.dryRun(rerun(quinn)).reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
      assertThat(guard.dryRun(rerun(paul)).wouldBe()).isEqualTo(Outcome.PENDING);
    }
  }

  @Test
  void settlementRerunWhenPendingThenSuggestsListedApproverAndLeadOnCall() {
    try (PrivilegeGuard guard = guard(PolicyFileExample.onCallRota())) {
      Decision d = guard.request(rerun(Subject.of("quinn", "payments-engineers")));

      assertThat(d).isInstanceOfSatisfying(Decision.Pending.class,
          p -> assertThat(p.suggestedApprovers()).containsExactly("henry", "bob"));
    }
  }

  @Test
  void releasePayoutsWhenOneRiskOfficerApprovesThenGranted() {
    try (PrivilegeGuard guard = guard(PolicyFileExample.onCallRota())) {
      RequestId id = pendingPayoutRelease(guard);

      Decision d = guard.approve(id, Subject.of("rosa", "risk-officers"), "KYC file complete");

      assertThat(d.outcome()).isEqualTo(Outcome.GRANTED);
    }
  }

  @Test
  void releasePayoutsWhenTwoFinanceManagersApproveThenGrantedAfterTheSecond() {
    try (PrivilegeGuard guard = guard(PolicyFileExample.onCallRota())) {
      RequestId id = pendingPayoutRelease(guard);

      Decision first = guard.approve(id, Subject.of("fiona", "finance-managers"), "reserve covers it");
      assertThat(first.outcome()).isEqualTo(Outcome.PENDING);
      assertThat(first.hint()).contains("stage risk").contains(" or ").contains("stage finance");
      Decision second = guard.approve(id, Subject.of("felix", "finance-managers"), "agreed");

      assertThat(second.outcome()).isEqualTo(Outcome.GRANTED);
    }
  }

  private static PrivilegeGuard guard(InMemoryOnCallSource rota) {
    return PrivilegeGuard.builder().withPolicy(PolicyFileExample.loadPolicy(rota))
        .withClock(TestClock.at("2026-11-24T09:00:00Z")).withAuditSink(new InMemoryAuditSink())
        .withOnCallSource(rota).withoutBackgroundMaintenance().build();
  }

  private static ElevationRequest rerun(Subject who) {
    return ElevationRequest.builder(who, "payments.settlement-rerun")
        .justification("settlement batch 2026-11-23 failed at the acquirer").build();
  }

  private static RequestId pendingPayoutRelease(PrivilegeGuard guard) {
    Decision d = guard.request(ElevationRequest.builder(Subject.of("rick", "risk-analysts"),
        "merchants.release-payouts").justification("merchant 8812 passed the KYC review, ticket RISK-77").build());
    assertThat(d).isInstanceOf(Decision.Pending.class);
    return ((Decision.Pending) d).request().id();
  }
}
