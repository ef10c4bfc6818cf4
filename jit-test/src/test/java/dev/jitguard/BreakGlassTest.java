package dev.jitguard;

import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.invalid;
import static dev.jitguard.Fixtures.minutes;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.test.TestClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Break-glass: emergency self-elevation where the rule allows it, with a mandatory reason and a short maximum, a
 * distinct audit event, a notification to the skipped approvers and an after-the-fact review that stays open until
 * an approver (never the user) closes it.
 */
class BreakGlassTest {
  private static final Privilege DB_WRITE = Privilege.of("db.prod.write");
  private static final Privilege KAFKA = Privilege.of("kafka.admin");
  private static final Privilege LOGS = Privilege.of("logs.read");

  private static final Subject ALICE = Subject.of("alice", "developers");
  /** A developer who is also an approver of db.prod.write: still never reviews her own use. */
  private static final Subject ADA = Subject.of("ada", "developers", "dba");
  private static final Subject BOB = Subject.of("bob", "dba");
  private static final Subject ERIN = Subject.of("erin", "admins");
  private static final Subject FRANK = Subject.of("frank");
  private static final Subject MALLORY = Subject.of("mallory", "developers", "dba", "admins");

  private static final String REASON = "INC-77: orders DB down, pager escalation";

  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .maxDuration(Duration.ofHours(4))
          .denySubjects("mallory")
          .breakGlass(20, Duration.ofMinutes(30)))
      .privilege("kafka.admin", r -> r
          .eligibleGroups("developers")
          .approverGroups("sre")
          .maxDuration(Duration.ofHours(4))
          .extensionRequiresApproval(false)
          .breakGlass(20, Duration.ofMinutes(30)))
      .privilege("logs.read", r -> r
          .eligibleGroups("developers")
          .approverGroups("sre"))
      .administratorGroups("admins")
      .build();

  private TestClock clock;
  private InMemoryAuditSink audit;
  private GrantStore store;
  private RecordingChannel channel;
  private PrivilegeGuard guard;

  @BeforeEach
  void setUp() {
    clock = TestClock.create();
    audit = new InMemoryAuditSink();
    store = GrantStore.inMemory();
    channel = new RecordingChannel();
    guard = PrivilegeGuard.builder()
        .withPolicy(POLICY)
        .withClock(clock)
        .withAuditSink(audit)
        .withGrantStore(store)
        .withApprovalChannel(channel)
        .withoutBackgroundMaintenance()
        .build();
  }

  @AfterEach
  void tearDown() {
    guard.close();
  }

  private Grant breakGlass(Subject s, Privilege p, Duration d) {
    Decision decision = guard.breakGlass(s, p, REASON, d);
    assertThat(decision.reason()).isEqualTo(ReasonCode.BREAK_GLASS);
    return granted(decision);
  }

  private void assertNothingIssued(Subject s) {
    assertThat(store.grantsOf(s.id())).isEmpty();
    assertThat(audit.events(AuditEventType.BREAK_GLASS)).isEmpty();
    assertThat(audit.events(AuditEventType.GRANTED)).isEmpty();
    assertThat(channel.breakGlassUsed).isEmpty();
    assertThat(guard.openReviews(BOB)).isEmpty();
    assertThat(guard.check(s, DB_WRITE).isGranted()).isFalse();
  }

  // ------------------------------------------------------------------------------------------- the use

  @Test
  void breakGlassWhenRuleAllowsThenGrantedWithBreakGlassReasonAndUsableAtOnce() {
    Decision d = guard.breakGlass(ALICE, DB_WRITE, REASON, minutes(20));

    assertThat(d.reason()).isEqualTo(ReasonCode.BREAK_GLASS);
    Grant g = granted(d);
    assertThat(g.subjectId()).isEqualTo("alice");
    assertThat(g.approvers()).isEmpty();
    assertThat(Duration.between(g.notBefore(), g.expiresAt())).isEqualTo(minutes(20));
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    RequestRecord r = store.findRequest(g.requestId()).orElseThrow();
    assertThat(r.isBreakGlass()).isTrue();
    assertThat(r.isReviewOpen()).isTrue();
    assertThat(r.decisionReason()).contains(ReasonCode.BREAK_GLASS);
    assertThat(r.request().justification()).isEqualTo(REASON);
  }

  @Test
  void breakGlassThenDistinctBreakGlassEventThenGrantedAndNoApprovalEvents() {
    Grant g = breakGlass(ALICE, DB_WRITE, minutes(20));

    assertThat(audit.types()).containsSubsequence(AuditEventType.BREAK_GLASS, AuditEventType.GRANTED);
    assertThat(audit.types()).doesNotContain(AuditEventType.REQUESTED, AuditEventType.APPROVED,
        AuditEventType.AUTO_APPROVED, AuditEventType.APPROVAL_RECORDED);
    List<AuditEvent> bg = audit.events(AuditEventType.BREAK_GLASS);
    assertThat(bg).hasSize(1);
    AuditEvent e = bg.get(0);
    assertThat(e.actor()).contains("alice");
    assertThat(e.subject()).contains("alice");
    assertThat(e.reason()).contains(ReasonCode.BREAK_GLASS);
    assertThat(e.text()).contains(REASON);
    assertThat(e.requestId()).contains(g.requestId());
    assertThat(e.grantId()).contains(g.id());
    assertThat(e.details().get("skipped_approvers")).contains("dba");
    AuditEvent grantedEvent = audit.events(AuditEventType.GRANTED).get(0);
    assertThat(grantedEvent.reason()).contains(ReasonCode.BREAK_GLASS);
    assertThat(grantedEvent.grantId()).contains(g.id());
    assertThat(grantedEvent.actor()).as("who broke the glass, not 'policy'").contains("alice");
  }

  @Test
  void breakGlassThenSkippedApproversNotifiedThroughTheChannelWithTheRequest() {
    Grant g = breakGlass(ALICE, DB_WRITE, minutes(20));

    assertThat(channel.breakGlassUsed).singleElement().satisfies(r -> {
      assertThat(r.id()).isEqualTo(g.requestId());
      assertThat(r.requesterId()).isEqualTo("alice");
      assertThat(r.isBreakGlass()).isTrue();
      assertThat(r.isReviewOpen()).isTrue();
      assertThat(r.approverGroups()).containsExactly("dba");
    });
    assertThat(channel.rules).singleElement().satisfies(rule ->
        assertThat(rule.pattern().value()).isEqualTo("db.prod.write"));
    assertThat(channel.pending).as("nobody is asked to approve").isEmpty();
  }

  // ------------------------------------------------------------------------------------------- the review

  @Test
  void openReviewsThenListedForApproversAndAdministratorsButNeverForTheUser() {
    Grant g = breakGlass(ADA, DB_WRITE, minutes(20));

    assertThat(guard.openReviews(BOB)).extracting(RequestRecord::id).containsExactly(g.requestId());
    assertThat(guard.openReviews(ERIN)).extracting(RequestRecord::id).containsExactly(g.requestId());
    assertThat(guard.openReviews(ADA)).as("not her own, though she is an approver").isEmpty();
    assertThat(guard.openReviews(FRANK)).isEmpty();
    assertThat(guard.openReviews(Subject.of("sam", "sre"))).as("approver of another privilege").isEmpty();
  }

  @Test
  void reviewByApproverThenClosedAndAuditedReviewedAndGrantUnchanged() {
    Grant g = breakGlass(ALICE, DB_WRITE, minutes(20));
    clock.advance(minutes(5));

    RequestRecord reviewed = guard.review(g.requestId(), BOB, "checked INC-77, the writes were the fix");

    assertThat(reviewed.isReviewOpen()).isFalse();
    assertThat(reviewed.reviewedBy()).contains("bob");
    assertThat(reviewed.reviewedAt()).contains(clock.instant());
    assertThat(reviewed.reviewComment()).contains("checked INC-77, the writes were the fix");
    assertThat(store.findRequest(g.requestId()).orElseThrow().isReviewOpen()).isFalse();
    assertThat(guard.openReviews(BOB)).isEmpty();
    assertThat(guard.openReviews(ERIN)).isEmpty();
    List<AuditEvent> events = audit.events(AuditEventType.REVIEWED);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).actor()).contains("bob");
    assertThat(events.get(0).requestId()).contains(g.requestId());
    assertThat(events.get(0).text()).contains("checked INC-77, the writes were the fix");
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).as("a review does not end the grant").isTrue();
  }

  @Test
  void reviewByAdministratorThenClosed() {
    Grant g = breakGlass(ALICE, DB_WRITE, minutes(20));

    assertThat(guard.review(g.requestId(), ERIN, "ok").reviewedBy()).contains("erin");
  }

  @Test
  void reviewByTheUserThenRefusedSelfApprovalEvenIfApproverAndReviewStaysOpen() {
    Grant g = breakGlass(ADA, DB_WRITE, minutes(20));

    OperationRefusedException e = refusal(() -> guard.review(g.requestId(), ADA, "all fine, trust me"));

    assertThat(e.reason()).isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(store.findRequest(g.requestId()).orElseThrow().isReviewOpen()).isTrue();
    assertThat(audit.events(AuditEventType.REVIEWED)).isEmpty();
    assertThat(guard.openReviews(BOB)).hasSize(1);
  }

  @Test
  void reviewTwiceThenSecondRefusedNoOpenReview() {
    Grant g = breakGlass(ALICE, DB_WRITE, minutes(20));
    guard.review(g.requestId(), BOB, "fine");

    OperationRefusedException e = refusal(() -> guard.review(g.requestId(), ERIN, "also fine"));

    assertThat(e.reason()).isEqualTo(ReasonCode.NO_OPEN_REVIEW);
    assertThat(store.findRequest(g.requestId()).orElseThrow().reviewedBy()).contains("bob");
    assertThat(audit.events(AuditEventType.REVIEWED)).hasSize(1);
  }

  @Test
  void reviewByUnrelatedSubjectThenRefusedNotPermittedAndReviewStaysOpen() {
    Grant g = breakGlass(ALICE, DB_WRITE, minutes(20));

    assertThat(refusal(() -> guard.review(g.requestId(), FRANK, "looks fine")).reason())
        .isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(guard.openReviews(BOB)).hasSize(1);
  }

  @Test
  void reviewOfAnOrdinaryRequestThenRefusedNoOpenReview() {
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    guard.approve(id, BOB, "");

    assertThat(refusal(() -> guard.review(id, Subject.of("dave", "dba"), "nothing to see")).reason())
        .isEqualTo(ReasonCode.NO_OPEN_REVIEW);
  }

  @Test
  void reviewWithBlankCommentThenInvalidInputAndReviewStaysOpen() {
    Grant g = breakGlass(ALICE, DB_WRITE, minutes(20));

    assertThat(invalid(() -> guard.review(g.requestId(), BOB, "  ")).field()).isEqualTo("comment");
    assertThat(guard.openReviews(BOB)).hasSize(1);
  }

  // ------------------------------------------------------------------------------------------- refusals

  @Test
  void breakGlassWhenReasonShorterThanMinimumThenRefusedJustificationTooShort() {
    Decision d = guard.breakGlass(ALICE, DB_WRITE, "   db is down, help  ", minutes(20));

    assertThat(d.reason()).isEqualTo(ReasonCode.JUSTIFICATION_TOO_SHORT);
    assertThat(d.message()).contains("20");
    assertNothingIssued(ALICE);
    assertThat(audit.events(AuditEventType.REQUEST_DENIED)).singleElement().satisfies(e -> {
      assertThat(e.reason()).contains(ReasonCode.JUSTIFICATION_TOO_SHORT);
      assertThat(e.details()).containsEntry("break_glass", "true");
    });
  }

  @Test
  void breakGlassWhenReasonExactlyTheMinimumThenGranted() {
    assertThat(guard.breakGlass(ALICE, DB_WRITE, "  " + "x".repeat(20) + "  ", minutes(20)).reason())
        .isEqualTo(ReasonCode.BREAK_GLASS);
  }

  @Test
  void breakGlassWhenDurationOverBreakGlassMaximumThenRefusedDurationExceedsMax() {
    // 31 minutes is well within the rule's 4-hour maximum, but not the 30-minute break-glass maximum
    Decision d = guard.breakGlass(ALICE, DB_WRITE, REASON, minutes(31));

    assertThat(d.reason()).isEqualTo(ReasonCode.DURATION_EXCEEDS_MAX);
    assertThat(d.hint()).contains("PT30M");
    assertNothingIssued(ALICE);

    assertThat(guard.breakGlass(ALICE, DB_WRITE, REASON, minutes(30)).reason()).isEqualTo(ReasonCode.BREAK_GLASS);
  }

  @Test
  void breakGlassWhenRuleDoesNotAllowItThenRefusedBreakGlassNotAllowed() {
    Decision d = guard.breakGlass(ALICE, LOGS, REASON, minutes(10));

    assertThat(d.reason()).isEqualTo(ReasonCode.BREAK_GLASS_NOT_ALLOWED);
    assertThat(d.message()).contains("logs.read");
    assertThat(store.grantsOf("alice")).isEmpty();
    assertThat(audit.events(AuditEventType.BREAK_GLASS)).isEmpty();
    assertThat(channel.breakGlassUsed).isEmpty();
    assertThat(guard.check(ALICE, LOGS).isGranted()).isFalse();
  }

  @Test
  void breakGlassWhenSubjectDeniedThenRefusedEvenInAnEmergencyAndEvenIfApproverAndAdministrator() {
    Decision d = guard.breakGlass(MALLORY, DB_WRITE, REASON, minutes(10));

    assertThat(d.reason()).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertNothingIssued(MALLORY);
  }

  @Test
  void breakGlassWhenSubjectNotEligibleThenRefusedNotEligible() {
    Decision d = guard.breakGlass(BOB, DB_WRITE, REASON, minutes(10));

    assertThat(d.reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertNothingIssued(BOB);
  }

  @Test
  void breakGlassWhenPrivilegeUnknownThenRefusedUnknownPrivilege() {
    assertThat(guard.breakGlass(ALICE, Privilege.of("nope.nothing"), REASON, minutes(10)).reason())
        .isEqualTo(ReasonCode.UNKNOWN_PRIVILEGE);
  }

  // ------------------------------------------------------------------------------------------- the grant

  @Test
  void breakGlassGrantThenExpiresNormallyAndTheReviewStaysOpen() {
    Grant g = breakGlass(ALICE, DB_WRITE, minutes(20));

    clock.advance(minutes(20).minusMillis(1));
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);

    guard.runMaintenance();
    assertThat(audit.events(AuditEventType.GRANT_EXPIRED)).singleElement()
        .satisfies(e -> assertThat(e.grantId()).contains(g.id()));
    assertThat(guard.openReviews(BOB)).as("the review stays open until someone reviews it")
        .extracting(RequestRecord::id).containsExactly(g.requestId());
  }

  @Test
  void breakGlassGrantThenHolderCannotExtendPastTheBreakGlassMaximum() {
    // the holder may extend kafka.admin grants alone (no approval needed) up to the rule's 4 hours, but a
    // break-glass grant is short by design: never past the break-glass maximum
    Grant g = breakGlass(ALICE, KAFKA, minutes(10));

    Grant extended = guard.extend(g.id(), ALICE, minutes(20), "still fixing");
    assertThat(extended.expiresAt()).isEqualTo(g.notBefore().plus(minutes(30)));

    OperationRefusedException e = refusal(() -> guard.extend(g.id(), ALICE, Duration.ofHours(1), "more"));

    assertThat(e.reason()).isEqualTo(ReasonCode.EXTENSION_EXCEEDS_CAP);
    assertThat(store.findGrant(g.id()).orElseThrow().expiresAt()).isEqualTo(g.notBefore().plus(minutes(30)));
  }

  @Test
  void breakGlassGrantThenRevocableByAnApprover() {
    Grant g = breakGlass(ALICE, DB_WRITE, minutes(20));

    guard.revoke(g.id(), BOB, "not needed any more");

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(guard.openReviews(BOB)).as("revoking is not reviewing").hasSize(1);
  }
}
