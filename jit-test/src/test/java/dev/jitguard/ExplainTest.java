package dev.jitguard;

import static dev.jitguard.Fixtures.ask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Explanations: a dry run says what would happen and which rule decided; every denial to a requester carries the
 * rule's reason and the administrators' message; a check denial says how to get access, break-glass included.
 */
class ExplainTest {
  private static final Privilege REFUND = Privilege.of("payments.refund");
  private static final Privilege CHARGEBACK = Privilege.of("payments.chargeback");
  private static final Privilege LOGS = Privilege.of("logs.read");

  private static final String PAYMENTS_MESSAGE = "Ask in #payments-access for help.";
  private static final String REFUND_MESSAGE = "Refunds over 1000 EUR need the finance desk.";

  private static final Subject SUE = Subject.of("sue", "support");
  private static final Subject ALICE = Subject.of("alice", "developers");
  private static final Subject SVEN = Subject.of("sven", "developers", "sre");

  private static final AutoApproveCondition SRE = AutoApproveCondition.memberOfAny("sre");

  private static final Policy POLICY = Policy.builder()
      .version("explain-1")
      .privilege("payments.*", r -> r
          .eligibleGroups("support")
          .approverGroups("finance-leads")
          .approvals(2)
          .denySubjects("mallory")
          .denyMessage(PAYMENTS_MESSAGE))
      .privilege("payments.refund", r -> r
          .eligibleGroups("support")
          .approverGroups("refund-leads")
          .maxDuration(Duration.ofHours(2))
          .breakGlass(20, Duration.ofMinutes(30))
          .denyMessage(REFUND_MESSAGE))
      .privilege("logs.read", r -> r
          .eligibleGroups("developers")
          .approverGroups("sre-leads")
          .autoApprove(SRE))
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

  private void assertNoSideEffect() {
    assertThat(t.audit().events()).isEmpty();
    assertThat(t.store().pendingRequests()).isEmpty();
    assertThat(t.store().liveGrants()).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- dry run

  @Test
  void dryRunWhenPrefixRuleGovernsThenMessageNamesThePrefixPatternAndWhoCouldApprove() {
    DryRun d = guard.dryRun(ask(SUE, CHARGEBACK).build());

    assertThat(d.wouldBe()).isEqualTo(Outcome.PENDING);
    assertThat(d.message()).contains("'payments.*'").contains("finance-leads");
    assertThat(d.approvalsRequired()).isEqualTo(2);
    assertThat(d.approverGroups()).containsExactly("finance-leads");
    assertThat(d.policyVersion()).isEqualTo("explain-1");
    assertNoSideEffect();
  }

  @Test
  void dryRunWhenExactRuleGovernsThenMessageNamesTheExactPattern() {
    DryRun d = guard.dryRun(ask(SUE, REFUND).build());

    assertThat(d.wouldBe()).isEqualTo(Outcome.PENDING);
    assertThat(d.message()).contains("'payments.refund'").doesNotContain("payments.*");
    assertThat(d.approverGroups()).containsExactly("refund-leads");
    assertThat(d.approvalsRequired()).isEqualTo(1);
    assertNoSideEffect();
  }

  @Test
  void dryRunWhenWouldBeAutoApprovedThenMessageNamesRuleAndCondition() {
    DryRun d = guard.dryRun(ask(SVEN, LOGS).build());

    assertThat(d.wouldBe()).isEqualTo(Outcome.GRANTED);
    assertThat(d.reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
    assertThat(d.message()).contains("'logs.read'").contains(SRE.description());
    assertNoSideEffect();
  }

  @Test
  void dryRunWhenDeniedThenMessageNamesTheRuleAndHintCarriesTheAdministratorsMessage() {
    DryRun d = guard.dryRun(ask(ALICE, CHARGEBACK).build());

    assertThat(d.wouldBe()).isEqualTo(Outcome.DENIED);
    assertThat(d.reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(d.message()).contains("'payments.*'");
    assertThat(d.hint()).contains("support").contains(PAYMENTS_MESSAGE);
    assertNoSideEffect();
  }

  @Test
  void dryRunThenSameAnswerAsTheRealRequest() {
    DryRun dry = guard.dryRun(ask(ALICE, CHARGEBACK).build());
    Decision real = guard.request(ask(ALICE, CHARGEBACK).build());

    assertThat(real.reason()).isEqualTo(dry.reason());
    assertThat(real.message()).isEqualTo(dry.message());
    assertThat(real.hint()).isEqualTo(dry.hint());
  }

  // ------------------------------------------------------------------------------------------- request denials

  @Test
  void requestDeniedByALimitThenMessageNamesTheRuleAndHintCarriesItsMessage() {
    Decision d = guard.request(ask(SUE, REFUND).duration(Duration.ofHours(3)).build());

    assertThat(d.reason()).isEqualTo(ReasonCode.DURATION_EXCEEDS_MAX);
    assertThat(d.message()).contains("'payments.refund'").contains("PT2H");
    assertThat(d.hint()).contains(REFUND_MESSAGE).doesNotContain(PAYMENTS_MESSAGE);
  }

  @Test
  void requestDeniedExplicitlyThenHintCarriesTheAdministratorsMessage() {
    Decision d = guard.request(ask(Subject.of("mallory", "support"), CHARGEBACK).build());

    assertThat(d.reason()).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(d.message()).contains("'payments.*'");
    assertThat(d.hint()).contains(PAYMENTS_MESSAGE);
  }

  @Test
  void requestDeniedWhenRuleHasNoAdministratorsMessageThenHintStillSaysWhatToDo() {
    Decision d = guard.request(ask(SUE, LOGS).build());

    assertThat(d.reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(d.message()).contains("'logs.read'");
    assertThat(d.hint()).contains("developers").doesNotContain(PAYMENTS_MESSAGE).doesNotContain(REFUND_MESSAGE);
  }

  // ------------------------------------------------------------------------------------------- check denials

  @Test
  void checkDeniedWhereBreakGlassAllowedThenHintMentionsBreakGlassAndTheMessage() {
    Decision d = guard.check(SUE, REFUND);

    assertThat(d.reason()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(d.hint()).contains("break-glass").contains("PT30M").contains("20 characters")
        .contains(REFUND_MESSAGE);
  }

  @Test
  void checkDeniedWhereBreakGlassNotAllowedThenHintDoesNotOfferIt() {
    Decision d = guard.check(SUE, CHARGEBACK);

    assertThat(d.reason()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(d.hint()).doesNotContain("break-glass").contains("finance-leads").contains(PAYMENTS_MESSAGE);
  }

  @Test
  void requireDeniedThenExceptionCarriesTheSameHint() {
    ElevationRequiredException e = catchThrowableOfType(ElevationRequiredException.class,
        () -> guard.require(SUE, REFUND));

    assertThat(e).isNotNull();
    assertThat(e.decision().hint()).contains("break-glass").contains(REFUND_MESSAGE);
  }

  // ------------------------------------------------------------------------------------------- break-glass denials

  @Test
  void breakGlassDeniedThenMessageNamesTheRuleAndHintCarriesTheAdministratorsMessage() {
    Decision tooShort = guard.breakGlass(SUE, REFUND, "help", Duration.ofMinutes(10));
    Decision tooLong = guard.breakGlass(SUE, REFUND, "INC-9: refunds stuck for all customers", Duration.ofHours(1));
    Decision denied = guard.breakGlass(Subject.of("mallory", "support"), REFUND,
        "INC-9: refunds stuck for all customers", Duration.ofMinutes(10));
    Decision notEligible = guard.breakGlass(ALICE, REFUND, "INC-9: refunds stuck for all customers",
        Duration.ofMinutes(10));

    assertThat(tooShort.reason()).isEqualTo(ReasonCode.JUSTIFICATION_TOO_SHORT);
    assertThat(tooLong.reason()).isEqualTo(ReasonCode.DURATION_EXCEEDS_MAX);
    assertThat(denied.reason()).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(notEligible.reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    for (Decision d : new Decision[] {tooShort, tooLong, denied, notEligible}) {
      assertThat(d.message()).as("%s names the rule", d.reason()).contains("'payments.refund'");
      assertThat(d.hint()).as("%s carries the administrators' message", d.reason()).contains(REFUND_MESSAGE);
    }
  }

  @Test
  void breakGlassWhereNotAllowedThenHintSaysHowToRequestInstead() {
    Decision d = guard.breakGlass(SUE, CHARGEBACK, "INC-9: chargebacks stuck for everyone", Duration.ofMinutes(10));

    assertThat(d.reason()).isEqualTo(ReasonCode.BREAK_GLASS_NOT_ALLOWED);
    assertThat(d.message()).contains("'payments.*'");
    assertThat(d.hint()).contains("Request an elevation").contains("finance-leads").contains(PAYMENTS_MESSAGE);
  }
}
