package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.FRANK;
import static dev.jitguard.Fixtures.JUSTIFICATION;
import static dev.jitguard.Fixtures.LOGS_READ;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@link PrivilegeGuard#request} and {@link PrivilegeGuard#dryRun} answer, rule by rule. */
class RequestRulesTest {
  private static final Privilege TICKETS_CLOSE = Privilege.of("tickets.close");

  private static final Policy POLICY = Policy.builder()
      .version("v7")
      .privilege("db.prod.write", r -> r
          .eligibleGroups("developers")
          .eligibleSubjects("carol")
          .denyGroups("contractors")
          .denySubjects("mallory")
          .approverGroups("dba")
          .requireJustification(20)
          .maxDuration(Duration.ofHours(1))
          .defaultDuration(Duration.ofMinutes(30))
          .maxUses(5)
          .maxStartDelay(Duration.ofDays(1))
          .pendingTtl(Duration.ofHours(2)))
      .privilege("tickets.close", r -> r
          .eligibleGroups("support")
          .approverGroups("leads")
          .requireTicket()
          .ticketPattern("[A-Z]+-[0-9]+"))
      .privilege("logs.read", r -> r
          .eligibleGroups("developers")
          .denySubjects("mallory")
          .approverGroups("sre")
          .autoApprove(AutoApproveCondition.memberOfAny("oncall")))
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

  private Decision.Denied denied(Decision d, ReasonCode reason) {
    assertThat(d).isInstanceOf(Decision.Denied.class);
    assertThat(d.reason()).isEqualTo(reason);
    assertThat(d.outcome()).isEqualTo(Outcome.DENIED);
    assertThat(d.isGranted()).isFalse();
    assertThat(d.message()).isNotBlank();
    assertThat(d.hint()).isNotBlank();
    return (Decision.Denied) d;
  }

  /** A policy denial stores nothing and is audited as REQUEST_DENIED with the reason. */
  private void assertRefusedByPolicy(Subject subject, ReasonCode reason) {
    assertThat(t.store().requestsBy(subject.id())).isEmpty();
    assertThat(guard.pendingRequests(subject)).isEmpty();
    assertThat(t.audit().types()).containsExactly(AuditEventType.REQUEST_DENIED);
    AuditEvent e = t.audit().events().get(0);
    assertThat(e.subject()).contains(subject.id());
    assertThat(e.reason()).contains(reason);
    assertThat(e.actor()).contains("policy");
  }

  // ------------------------------------------------------------------------------------------- eligibility

  @Test
  void requestWhenEligibleByGroupThenPendingWithApproversAndDeadline() {
    Instant now = t.clock().instant();

    Decision d = guard.request(ask(ALICE, DB_WRITE).build());

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(d.reason()).isEqualTo(ReasonCode.PENDING_APPROVAL);
    assertThat(d.privilege()).isEqualTo(DB_WRITE);
    RequestRecord r = ((Decision.Pending) d).request();
    assertThat(r.status()).isEqualTo(RequestStatus.PENDING);
    assertThat(r.requesterId()).isEqualTo("alice");
    assertThat(r.approvalsRequired()).isEqualTo(1);
    assertThat(r.approvals()).isEmpty();
    assertThat(r.approverGroups()).containsExactly("dba");
    assertThat(r.createdAt()).isEqualTo(now);
    assertThat(r.expiresAt()).isEqualTo(now.plus(Duration.ofHours(2)));
    assertThat(r.policyVersion()).isEqualTo("v7");
    assertThat(d.message()).contains("0 of 1");
    assertThat(d.hint()).contains("dba").contains(r.id().value());
    assertThat(t.store().findRequest(r.id())).hasValueSatisfying(s -> assertThat(s.status())
        .isEqualTo(RequestStatus.PENDING));
    assertThat(guard.pendingRequests(ALICE)).extracting(RequestRecord::id).containsExactly(r.id());
    assertThat(t.audit().types()).containsExactly(AuditEventType.REQUESTED);
  }

  @Test
  void requestWhenEligibleBySubjectIdThenPending() {
    Subject carol = Subject.of("Carol"); // no groups; listed by id, canonicalised

    Decision d = guard.request(ask(carol, DB_WRITE).build());

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(((Decision.Pending) d).request().requesterId()).isEqualTo("carol");
  }

  @Test
  void requestWhenNotEligibleThenDeniedNotEligibleWithHintNamingEligibleGroups() {
    Decision d = guard.request(ask(FRANK, DB_WRITE).build());

    Decision.Denied denied = denied(d, ReasonCode.NOT_ELIGIBLE);
    assertThat(denied.privilege()).isEqualTo(DB_WRITE);
    assertThat(denied.message()).contains("frank").contains("db.prod.write");
    assertThat(denied.hint()).contains("developers").contains("carol");
    assertRefusedByPolicy(FRANK, ReasonCode.NOT_ELIGIBLE);
  }

  @Test
  void requestWhenInDeniedGroupThenDeniedExplicitlyEvenThoughEligible() {
    Subject contractor = Subject.of("zoe", "developers", "contractors");

    Decision d = guard.request(ask(contractor, DB_WRITE).build());

    denied(d, ReasonCode.EXPLICITLY_DENIED);
    assertRefusedByPolicy(contractor, ReasonCode.EXPLICITLY_DENIED);
  }

  @Test
  void requestWhenDeniedSubjectIsAlsoApproverAndAdministratorThenDeniedExplicitly() {
    Subject mallory = Subject.of("Mallory", "developers", "dba", "admins");

    Decision d = guard.request(ask(mallory, DB_WRITE).build());

    denied(d, ReasonCode.EXPLICITLY_DENIED);
    assertThat(guard.dryRun(ask(mallory, DB_WRITE).build()).reason()).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(guard.check(mallory, DB_WRITE).isGranted()).isFalse();
  }

  @Test
  void requestWhenDeniedSubjectMatchesAutoApprovalThenDeniedAndNoGrant() {
    Subject mallory = Subject.of("mallory", "developers", "oncall");

    Decision d = guard.request(ask(mallory, LOGS_READ).build());

    denied(d, ReasonCode.EXPLICITLY_DENIED);
    assertThat(t.store().grantsOf("mallory")).isEmpty();
    assertThat(guard.check(mallory, LOGS_READ).reason()).isEqualTo(ReasonCode.NO_GRANT);
  }

  @Test
  void requestWhenPrivilegeUnknownThenDeniedUnknownPrivilege() {
    Privilege unknown = Privilege.of("db.prod.drop");

    Decision d = guard.request(ask(ALICE, unknown).build());

    Decision.Denied denied = denied(d, ReasonCode.UNKNOWN_PRIVILEGE);
    assertThat(denied.privilege()).isEqualTo(unknown);
    assertThat(denied.message()).contains("db.prod.drop");
    assertRefusedByPolicy(ALICE, ReasonCode.UNKNOWN_PRIVILEGE);
  }

  // ------------------------------------------------------------------------------------------- justification

  @Test
  void requestWhenJustificationMissingThenDeniedJustificationRequired() {
    Decision d = guard.request(ElevationRequest.builder(ALICE, DB_WRITE).build());

    Decision.Denied denied = denied(d, ReasonCode.JUSTIFICATION_REQUIRED);
    assertThat(denied.hint()).contains("20");
    assertRefusedByPolicy(ALICE, ReasonCode.JUSTIFICATION_REQUIRED);
  }

  @Test
  void requestWhenJustificationOnlyWhitespaceThenDeniedJustificationRequired() {
    Decision d = guard.request(ElevationRequest.builder(ALICE, DB_WRITE).justification(" \t\n   \u2003 ").build());

    denied(d, ReasonCode.JUSTIFICATION_REQUIRED);
  }

  @Test
  void requestWhenJustificationShortAfterStrippingThenDeniedTooShort() {
    // 30 characters raw, 19 after stripping the padding
    String padded = "     " + "x".repeat(19) + "      ";

    Decision d = guard.request(ElevationRequest.builder(ALICE, DB_WRITE).justification(padded).build());

    Decision.Denied denied = denied(d, ReasonCode.JUSTIFICATION_TOO_SHORT);
    assertThat(denied.message()).contains("at least 20").contains("was 19");
    assertRefusedByPolicy(ALICE, ReasonCode.JUSTIFICATION_TOO_SHORT);
  }

  @Test
  void requestWhenJustificationExactlyMinimumLengthThenPending() {
    Decision d = guard.request(ElevationRequest.builder(ALICE, DB_WRITE).justification("x".repeat(20)).build());

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
  }

  // ------------------------------------------------------------------------------------------- ticket

  @Test
  void requestWhenTicketRequiredAndMissingThenDeniedTicketRequiredWithPatternInHint() {
    Subject sam = Subject.of("sam", "support");

    Decision d = guard.request(ask(sam, TICKETS_CLOSE).build());

    Decision.Denied denied = denied(d, ReasonCode.TICKET_REQUIRED);
    assertThat(denied.hint()).contains("[A-Z]+-[0-9]+");
    assertRefusedByPolicy(sam, ReasonCode.TICKET_REQUIRED);
  }

  @Test
  void requestWhenTicketDoesNotMatchPatternThenDeniedTicketInvalid() {
    Subject sam = Subject.of("sam", "support");

    assertThat(guard.request(ask(sam, TICKETS_CLOSE).ticket("inc-42").build()).reason())
        .isEqualTo(ReasonCode.TICKET_INVALID);
    // the pattern must match in full, not just a prefix
    assertThat(guard.request(ask(sam, TICKETS_CLOSE).ticket("INC-42; DROP").build()).reason())
        .isEqualTo(ReasonCode.TICKET_INVALID);
    assertThat(t.store().requestsBy("sam")).isEmpty();
  }

  @Test
  void requestWhenTicketMatchesPatternThenPendingAndTicketAudited() {
    Subject sam = Subject.of("sam", "support");

    Decision d = guard.request(ask(sam, TICKETS_CLOSE).ticket("INC-42").build());

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(((Decision.Pending) d).request().request().ticket()).contains("INC-42");
    assertThat(t.audit().events(AuditEventType.REQUESTED).get(0).details()).containsEntry("ticket", "INC-42");
  }

  // ------------------------------------------------------------------------------------------- limits

  @Test
  void requestWhenDurationOverMaximumThenDeniedDurationExceedsMax() {
    Decision d = guard.request(ask(ALICE, DB_WRITE).duration(Duration.ofHours(1).plusSeconds(1)).build());

    Decision.Denied denied = denied(d, ReasonCode.DURATION_EXCEEDS_MAX);
    assertThat(denied.message()).contains("PT1H");
    assertRefusedByPolicy(ALICE, ReasonCode.DURATION_EXCEEDS_MAX);
  }

  @Test
  void requestWhenDurationExactlyMaximumThenGrantLastsExactlyThat() {
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).duration(Duration.ofHours(1)).build()));

    Grant g = granted(guard.approve(id, BOB, "ok"));

    assertThat(Duration.between(g.notBefore(), g.expiresAt())).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void requestWithoutDurationThenPolicyDefaultDurationApplied() {
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));

    Grant g = granted(guard.approve(id, BOB, "ok"));

    assertThat(Duration.between(g.notBefore(), g.expiresAt())).isEqualTo(Duration.ofMinutes(30));
    assertThat(t.audit().events(AuditEventType.REQUESTED).get(0).details()).containsEntry("duration", "PT30M");
  }

  @Test
  void requestWhenUsesOverMaximumThenDeniedUsesExceedMax() {
    Decision d = guard.request(ask(ALICE, DB_WRITE).uses(6).build());

    Decision.Denied denied = denied(d, ReasonCode.USES_EXCEED_MAX);
    assertThat(denied.message()).contains("at most 5").contains("was 6");
    assertRefusedByPolicy(ALICE, ReasonCode.USES_EXCEED_MAX);
  }

  @Test
  void requestWhenUsesAtMaximumThenPending() {
    assertThat(guard.request(ask(ALICE, DB_WRITE).uses(5).build()).outcome()).isEqualTo(Outcome.PENDING);
  }

  @Test
  void requestWhenStartInThePastThenDeniedStartOutOfRange() {
    Instant past = t.clock().instant().minusMillis(1);

    Decision d = guard.request(ask(ALICE, DB_WRITE).startAt(past).build());

    denied(d, ReasonCode.START_OUT_OF_RANGE);
    assertRefusedByPolicy(ALICE, ReasonCode.START_OUT_OF_RANGE);
  }

  @Test
  void requestWhenStartBeyondMaxStartDelayThenDeniedStartOutOfRange() {
    Instant tooLate = t.clock().instant().plus(Duration.ofDays(1)).plusMillis(1);

    Decision d = guard.request(ask(ALICE, DB_WRITE).startAt(tooLate).build());

    denied(d, ReasonCode.START_OUT_OF_RANGE);
  }

  @Test
  void requestWhenStartExactlyAtMaxStartDelayThenPending() {
    Instant latest = t.clock().instant().plus(Duration.ofDays(1));

    assertThat(guard.request(ask(ALICE, DB_WRITE).startAt(latest).build()).outcome()).isEqualTo(Outcome.PENDING);
  }

  // ------------------------------------------------------------------------------------------- auto-approval

  @Test
  void requestWhenAutoApprovalMatchesThenGrantedAutoApprovedAndAudited() {
    Subject oncall = Subject.of("olga", "developers", "oncall");
    Instant now = t.clock().instant();

    Decision d = guard.request(ask(oncall, LOGS_READ).build());

    assertThat(d.outcome()).isEqualTo(Outcome.GRANTED);
    assertThat(d.reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
    Grant g = granted(d);
    assertThat(g.subjectId()).isEqualTo("olga");
    assertThat(g.privilege()).isEqualTo(LOGS_READ);
    assertThat(g.approvers()).isEmpty();
    assertThat(g.notBefore()).isEqualTo(now);
    assertThat(g.statusAt(now)).isEqualTo(GrantStatus.ACTIVE);
    assertThat(t.audit().types())
        .containsExactly(AuditEventType.REQUESTED, AuditEventType.AUTO_APPROVED, AuditEventType.GRANTED);
    AuditEvent auto = t.audit().events(AuditEventType.AUTO_APPROVED).get(0);
    assertThat(auto.actor()).contains("policy");
    assertThat(auto.details().get("condition")).contains("oncall");
    RequestRecord r = t.store().findRequest(g.requestId()).orElseThrow();
    assertThat(r.status()).isEqualTo(RequestStatus.APPROVED);
    assertThat(r.decisionReason()).contains(ReasonCode.AUTO_APPROVED);
    assertThat(r.grantId()).contains(g.id());
    assertThat(guard.check(oncall, LOGS_READ).isGranted()).isTrue();
  }

  @Test
  void requestWhenAutoApprovalDoesNotMatchThenPendingForApprovers() {
    Decision d = guard.request(ask(ALICE, LOGS_READ).build());

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(guard.check(ALICE, LOGS_READ).isGranted()).isFalse();
  }

  // ------------------------------------------------------------------------------------------- one pending request

  @Test
  void requestWhilePendingThenSamePendingRequestReturnedAndNothingNewStored() {
    RequestId first = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));

    Decision again = guard.request(ask(Subject.of("ALICE", "developers"), DB_WRITE)
        .duration(Duration.ofMinutes(10)).build());

    assertThat(pendingId(again)).isEqualTo(first);
    assertThat(again.message()).contains("already");
    assertThat(t.store().requestsBy("alice")).hasSize(1);
    assertThat(t.audit().types()).containsExactly(AuditEventType.REQUESTED);
  }

  @Test
  void requestAfterWithdrawingThenNewRequestCreated() {
    RequestId first = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    guard.withdraw(first, ALICE);

    RequestId second = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));

    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void requestAfterPendingTtlPassedThenNewRequestCreated() {
    RequestId first = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    t.clock().advance(Duration.ofHours(2));

    RequestId second = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));

    assertThat(second).isNotEqualTo(first);
  }

  // ------------------------------------------------------------------------------------------- dry run

  @Test
  void dryRunWhenWouldBePendingThenReportsApproversAndHasNoSideEffect() {
    DryRun dry = guard.dryRun(ask(ALICE, DB_WRITE).build());

    assertThat(dry.wouldBe()).isEqualTo(Outcome.PENDING);
    assertThat(dry.reason()).isEqualTo(ReasonCode.PENDING_APPROVAL);
    assertThat(dry.approvalsRequired()).isEqualTo(1);
    assertThat(dry.approverGroups()).containsExactly("dba");
    assertThat(dry.duration()).contains(Duration.ofMinutes(30));
    assertThat(dry.policyVersion()).isEqualTo("v7");
    assertThat(dry.message()).contains("dba");
    assertThat(dry.hint()).isNotBlank();
    assertThat(t.audit().events()).isEmpty();
    assertThat(t.store().requestsBy("alice")).isEmpty();
    assertThat(t.store().pendingRequests()).isEmpty();
    assertThat(guard.pendingApprovals(BOB)).isEmpty();
  }

  @Test
  void dryRunWhenWouldBeDeniedThenReportsReasonAndHasNoSideEffect() {
    DryRun dry = guard.dryRun(ask(FRANK, DB_WRITE).build());

    assertThat(dry.wouldBe()).isEqualTo(Outcome.DENIED);
    assertThat(dry.reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(dry.message()).contains("frank");
    assertThat(dry.hint()).contains("developers");
    assertThat(dry.duration()).isEmpty();
    assertThat(dry.approvalsRequired()).isZero();
    assertThat(t.audit().events()).isEmpty();
    assertThat(t.store().requestsBy("frank")).isEmpty();
  }

  @Test
  void dryRunWhenWouldBeAutoApprovedThenReportsGrantedButIssuesNoGrant() {
    Subject oncall = Subject.of("olga", "developers", "oncall");

    DryRun dry = guard.dryRun(ask(oncall, LOGS_READ).build());

    assertThat(dry.wouldBe()).isEqualTo(Outcome.GRANTED);
    assertThat(dry.reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
    assertThat(dry.approvalsRequired()).isZero();
    assertThat(dry.message()).contains("oncall");
    assertThat(t.audit().events()).isEmpty();
    assertThat(t.store().grantsOf("olga")).isEmpty();
    assertThat(t.store().requestsBy("olga")).isEmpty();
    assertThat(guard.activeGrants(oncall)).isEmpty();
    assertThat(guard.check(oncall, LOGS_READ).reason()).isEqualTo(ReasonCode.NO_GRANT);
  }

  @Test
  void dryRunWhenRequestWouldBreakALimitThenReportsThatRule() {
    assertThat(guard.dryRun(ask(ALICE, DB_WRITE).duration(Duration.ofHours(2)).build()).reason())
        .isEqualTo(ReasonCode.DURATION_EXCEEDS_MAX);
    assertThat(guard.dryRun(ElevationRequest.builder(ALICE, DB_WRITE).justification("too short").build()).reason())
        .isEqualTo(ReasonCode.JUSTIFICATION_TOO_SHORT);
    assertThat(guard.dryRun(ask(ALICE, Privilege.of("nope")).build()).reason())
        .isEqualTo(ReasonCode.UNKNOWN_PRIVILEGE);
    assertThat(t.audit().events()).isEmpty();
  }

  @Test
  void requestWhenDeniedByPolicyThenJustificationIsInTheAuditRecord() {
    guard.request(ask(FRANK, DB_WRITE).build());

    assertThat(t.audit().events(AuditEventType.REQUEST_DENIED).get(0).text()).contains(JUSTIFICATION);
  }
}
