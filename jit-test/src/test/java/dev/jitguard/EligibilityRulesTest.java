package dev.jitguard;

import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEventType;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who may ask: subjects, groups and attribute conditions; deny rules (by subject, group or attribute) that win over
 * every allow; and which rule governs a privilege in a prefix hierarchy (exact, then the longest prefix, never a
 * regular expression; deny rules of every matching rule apply).
 */
class EligibilityRulesTest {
  private static final Privilege REFUND = Privilege.of("payments.refund");
  private static final Privilege CHARGEBACK = Privilege.of("payments.chargeback");
  private static final Privilege CARD_ISSUE = Privilege.of("payments.card.issue");
  private static final Privilege HR_READ = Privilege.of("hr.records.read");
  private static final Privilege HR_WRITE = Privilege.of("hr.records.write");

  private static final Subject SUE = Subject.of("sue", "support");
  private static final Subject CARDY = Subject.of("cardy", "card-team");
  private static final Subject FIONA = Subject.of("fiona", "finance-leads");
  private static final Subject RHEA = Subject.of("rhea", "refund-leads");
  private static final Subject CLEO = Subject.of("cleo", "card-leads");

  private static final Policy POLICY = Policy.builder()
      .privilege("payments.*", r -> r
          .eligibleGroups("support")
          .approverGroups("finance-leads")
          .denyGroups("contractors")
          .denySubjects("mallory")
          .denyWhen("employment", "suspended"))
      .privilege("payments.refund", r -> r
          .eligibleGroups("support", "contractors")
          .approverGroups("refund-leads")
          .denySubjects("rita")
          .maxDuration(Duration.ofMinutes(30)))
      .privilege("payments.card.*", r -> r
          .eligibleGroups("card-team")
          .approverGroups("card-leads"))
      .privilege("hr.records.read", r -> r
          .eligibleWhen("department", "hr")
          .eligibleWhen("region", "eu", "uk")
          .denyWhen("employment", "contractor")
          .approverGroups("hr-leads")
          .autoApprove(AutoApproveCondition.memberOfAny("hr-oncall")))
      .privilege("hr.records.write", r -> r
          .eligibleGroups("hr")
          .eligibleWhen("employment", "employee")
          .approverGroups("hr-leads"))
      .administratorGroups("admins")
      .build();

  private TestGuards.Setup t;
  private PrivilegeGuard guard;

  @BeforeEach
  void setUp() {
    t = TestGuards.inMemory(POLICY);
    guard = t.guard();
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  private Decision request(Subject s, Privilege p) {
    return guard.request(ask(s, p).build());
  }

  private ReasonCode reasonFor(Subject s, Privilege p) {
    return request(s, p).reason();
  }

  private static Subject hr(String id, String... attributes) {
    Subject.Builder b = Subject.builder(id).groups("hr");
    for (int i = 0; i < attributes.length; i += 2) {
      b.attribute(attributes[i], attributes[i + 1]);
    }
    return b.build();
  }

  // ------------------------------------------------------------------------------------------- attributes

  @Test
  void requestWhenEveryAttributeConditionMetThenPending() {
    Subject hana = Subject.builder("hana").attribute("department", "hr").attribute("region", "uk").build();

    assertThat(request(hana, HR_READ).outcome()).isEqualTo(Outcome.PENDING);
  }

  @Test
  void requestWhenAnAttributeConditionFailsOrIsMissingThenNotEligible() {
    Subject wrongDepartment = Subject.builder("ed").attribute("department", "engineering")
        .attribute("region", "eu").build();
    Subject wrongRegion = Subject.builder("uma").attribute("department", "hr").attribute("region", "us").build();
    Subject noRegion = Subject.builder("nora").attribute("department", "hr").build();
    Subject noAttributes = Subject.of("zed", "hr");

    assertThat(reasonFor(wrongDepartment, HR_READ)).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(reasonFor(wrongRegion, HR_READ)).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(reasonFor(noRegion, HR_READ)).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(reasonFor(noAttributes, HR_READ)).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(t.store().requestsBy("ed")).isEmpty();
  }

  @Test
  void requestWhenNotEligibleByAttributeThenHintNamesTheAttributeCondition() {
    Subject ed = Subject.builder("ed").attribute("department", "engineering").build();

    Decision d = request(ed, HR_READ);

    assertThat(d.reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(d.hint()).contains("department").contains("hr").contains("region");
  }

  @Test
  void requestWhenGroupAndAttributeConditionThenBothAreNeeded() {
    Subject employee = hr("emma", "employment", "employee");
    Subject intern = hr("ivan", "employment", "intern");
    Subject employeeNotInGroup = Subject.builder("eli").attribute("employment", "employee").build();

    assertThat(request(employee, HR_WRITE).outcome()).isEqualTo(Outcome.PENDING);
    assertThat(reasonFor(intern, HR_WRITE)).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(reasonFor(employeeNotInGroup, HR_WRITE)).isEqualTo(ReasonCode.NOT_ELIGIBLE);
  }

  // ------------------------------------------------------------------------------------------- deny rules win

  @Test
  void requestWhenDeniedByAttributeThenExplicitlyDeniedEvenIfEligibleApproverAdminAndAutoApproved() {
    Subject contractor = Subject.builder("cora").groups("hr-leads", "admins", "hr-oncall")
        .attribute("department", "hr").attribute("region", "eu").attribute("employment", "contractor").build();

    Decision d = request(contractor, HR_READ);

    assertThat(d.reason()).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(t.store().grantsOf("cora")).isEmpty();
    assertThat(t.store().requestsBy("cora")).isEmpty();
    assertThat(t.audit().events(AuditEventType.AUTO_APPROVED)).isEmpty();
    assertThat(t.audit().events(AuditEventType.REQUEST_DENIED)).singleElement()
        .satisfies(e -> assertThat(e.reason()).contains(ReasonCode.EXPLICITLY_DENIED));
    assertThat(guard.dryRun(ask(contractor, HR_READ).build()).reason()).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
  }

  @Test
  void requestWhenNotDeniedAndOnCallGroupThenAutoApproved() {
    // the control for the test above: the same subject without the denied attribute value is auto-approved
    Subject employee = Subject.builder("cora").groups("hr-leads", "admins", "hr-oncall")
        .attribute("department", "hr").attribute("region", "eu").attribute("employment", "employee").build();

    assertThat(reasonFor(employee, HR_READ)).isEqualTo(ReasonCode.AUTO_APPROVED);
  }

  @Test
  void requestWhenInDeniedGroupThenExplicitlyDeniedEvenIfEligibleApproverAndAdministrator() {
    Subject boss = Subject.of("boss", "support", "finance-leads", "admins", "contractors");

    assertThat(reasonFor(boss, CHARGEBACK)).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(t.store().requestsBy("boss")).isEmpty();
  }

  @Test
  void requestWhenDeniedSubjectThenExplicitlyDeniedEvenIfEligibleApproverAndAdministrator() {
    Subject mallory = Subject.of("mallory", "support", "finance-leads", "admins");

    assertThat(reasonFor(mallory, CHARGEBACK)).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(reasonFor(Subject.of("MALLORY", "support"), CHARGEBACK)).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
  }

  // ------------------------------------------------------------------------------------------- prefix hierarchy

  @Test
  void requestWhenOnlyAPrefixRuleMatchesThenThatRuleGoverns() {
    Decision d = request(SUE, CHARGEBACK);

    RequestId id = pendingId(d);
    assertThat(t.store().findRequest(id).orElseThrow().approverGroups()).containsExactly("finance-leads");
    assertThat(guard.approve(id, FIONA, "").isGranted()).isTrue();
  }

  @Test
  void requestWhenExactRuleExistsThenItBeatsThePrefixRule() {
    RequestId id = pendingId(request(SUE, REFUND));

    assertThat(t.store().findRequest(id).orElseThrow().approverGroups()).containsExactly("refund-leads");
    assertThat(refusal(() -> guard.approve(id, FIONA, "")).reason())
        .as("the prefix rule's approvers do not approve under the exact rule").isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(guard.request(ask(Subject.of("sam", "support"), REFUND).duration(Duration.ofMinutes(45)).build())
        .reason()).as("the exact rule's 30-minute maximum, not the prefix's hour").isEqualTo(
            ReasonCode.DURATION_EXCEEDS_MAX);
    assertThat(guard.approve(id, RHEA, "").isGranted()).isTrue();
  }

  @Test
  void requestWhenTwoPrefixesMatchThenTheLongerPrefixGoverns() {
    RequestId id = pendingId(request(CARDY, CARD_ISSUE));

    assertThat(t.store().findRequest(id).orElseThrow().approverGroups()).containsExactly("card-leads");
    assertThat(reasonFor(SUE, CARD_ISSUE)).as("support is eligible under payments.* only")
        .isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(refusal(() -> guard.approve(id, FIONA, "")).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(guard.approve(id, CLEO, "").isGranted()).isTrue();
  }

  @Test
  void requestForThePrefixItselfOfALongerPrefixRuleThenGovernedByTheShorterPrefix() {
    // payments.card.* covers names below payments.card, not payments.card itself; payments.* covers it
    RequestId id = pendingId(request(SUE, Privilege.of("payments.card")));

    assertThat(t.store().findRequest(id).orElseThrow().approverGroups()).containsExactly("finance-leads");
    assertThat(reasonFor(CARDY, Privilege.of("payments.card"))).isEqualTo(ReasonCode.NOT_ELIGIBLE);
  }

  @Test
  void requestWhenDenyIsOnThePrefixRuleThenItAppliesToTheExactRuleToo() {
    Subject contractor = Subject.of("carl", "contractors");
    Subject mallory = Subject.of("mallory", "support");
    Subject suspended = Subject.builder("sid").groups("support").attribute("employment", "suspended").build();

    assertThat(reasonFor(contractor, REFUND)).as("eligible by the exact rule, denied by payments.*")
        .isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(reasonFor(mallory, REFUND)).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(reasonFor(suspended, REFUND)).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(reasonFor(Subject.of("mallory", "card-team"), CARD_ISSUE)).as("and to a longer prefix's rule")
        .isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(reasonFor(Subject.of("carla", "contractors", "card-team"), CARD_ISSUE))
        .isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(t.store().requestsBy("carl")).isEmpty();
  }

  @Test
  void requestWhenDenyIsOnTheExactRuleThenItDoesNotApplyToSiblingsOrTheParent() {
    Subject rita = Subject.of("rita", "support");

    assertThat(reasonFor(rita, REFUND)).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(request(rita, CHARGEBACK).outcome()).isEqualTo(Outcome.PENDING);
  }

  @Test
  void requestWhenNameOnlyLooksLikeThePrefixThenNoRuleMatches() {
    // never a regular expression: "payments.*" is not "payments" followed by anything
    assertThat(reasonFor(SUE, Privilege.of("paymentsx.refund"))).isEqualTo(ReasonCode.UNKNOWN_PRIVILEGE);
    assertThat(reasonFor(SUE, Privilege.of("payments"))).isEqualTo(ReasonCode.UNKNOWN_PRIVILEGE);
    assertThat(reasonFor(SUE, Privilege.of("xpayments.refund"))).isEqualTo(ReasonCode.UNKNOWN_PRIVILEGE);
    assertThat(reasonFor(SUE, Privilege.of("payments_refund"))).isEqualTo(ReasonCode.UNKNOWN_PRIVILEGE);
    assertThat(reasonFor(CARDY, Privilege.of("payments.cardx.issue"))).as("payments.* governs it, not card.*")
        .isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(t.store().requestsBy("sue")).isEmpty();
  }

  @Test
  void requestWhenDeeperNameUnderAPrefixThenStillCovered() {
    assertThat(request(SUE, Privilege.of("payments.reports.monthly.export")).outcome())
        .isEqualTo(Outcome.PENDING);
    assertThat(request(CARDY, Privilege.of("payments.card.issue.virtual")).outcome()).isEqualTo(Outcome.PENDING);
  }
}
