package dev.jitguard;

import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.minutes;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.rule.ApprovalStage;
import dev.jitguard.policy.InMemoryOnCallSource;
import dev.jitguard.policy.Policy;
import dev.jitguard.rule.StageMode;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spi.OnCallSource;
import dev.jitguard.test.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The approval model: N distinct people, stages combined with AND or OR (a person counting once), deny thresholds,
 * mandatory approver comments, shortening on approval, suggested approvers, reminders, escalation and the pending TTL.
 */
class ApprovalModelTest {
  private static final Privilege REFUND = Privilege.of("payments.refund");
  private static final Privilege DEPLOY_PROD = Privilege.of("deploy.prod");
  private static final Privilege DEPLOY_STAGING = Privilege.of("deploy.staging");
  private static final Privilege DEPLOY_SCHEMA = Privilege.of("deploy.schema");
  private static final Privilege DB_WRITE = Privilege.of("db.prod.write");
  private static final Privilege DB_DROP = Privilege.of("db.prod.drop");
  private static final Privilege DB_READ = Privilege.of("db.prod.read");
  private static final Privilege PAYOUT = Privilege.of("payments.payout");
  private static final Privilege ROOT = Privilege.of("infra.root");

  private static final Subject SUE = Subject.of("sue", "support");
  private static final Subject ALICE = Subject.of("alice", "developers");
  private static final Subject FIONA = Subject.of("fiona", "finance-leads");
  private static final Subject GREG = Subject.of("greg", "finance-leads");
  private static final Subject LENA = Subject.of("lena", "leads");
  private static final Subject LOU = Subject.of("lou", "leads");
  private static final Subject SAM = Subject.of("sam", "secops");
  private static final Subject SID = Subject.of("sid", "secops");
  /** In both stage groups: counts once. */
  private static final Subject MAX = Subject.of("max", "leads", "secops");
  private static final Subject BOB = Subject.of("bob", "dba");
  private static final Subject DAVE = Subject.of("dave", "dba");
  private static final Subject DORA = Subject.of("dora", "dba");
  private static final Subject CAROL = Subject.of("carol");
  private static final Subject OLGA = Subject.of("olga", "payments-oncall");
  private static final Subject SARA = Subject.of("sara", "sre");
  private static final Subject STAN = Subject.of("stan", "sre");
  private static final Subject FAY = Subject.of("fay", "fallback");

  private static final String SCHEDULE = "payments-primary";

  private static final Policy POLICY = Policy.builder()
      .privilege("payments.refund", r -> r
          .eligibleGroups("support")
          .approverGroups("finance-leads")
          .approvals(2))
      .privilege("deploy.prod", r -> r
          .eligibleGroups("developers")
          .stage(ApprovalStage.of("team-lead", 1, "leads"))
          .stage(ApprovalStage.of("security", 1, "secops")))
      .privilege("deploy.schema", r -> r
          .eligibleGroups("developers")
          .stage(ApprovalStage.of("team-lead", 1, "leads"))
          .stage(ApprovalStage.of("security", 1, "secops"))
          .stage(ApprovalStage.of("database", 1, "dba")))
      .privilege("deploy.staging", r -> r
          .eligibleGroups("developers")
          .stage(ApprovalStage.of("team-lead", 1, "leads"))
          .stage(ApprovalStage.of("security", 2, "secops"))
          .stageMode(StageMode.ANY))
      .privilege("db.prod.write", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .denyThreshold(2))
      .privilege("db.prod.drop", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .requireApproverComment())
      .privilege("db.prod.read", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .approvals(2)
          .maxDuration(Duration.ofHours(2)))
      .privilege("payments.payout", r -> r
          .eligibleGroups("support", "payments-oncall")
          .approverSubjects("bob", "carol")
          .approverGroups("payments-oncall")
          .approvals(2)
          .suggestOnCall(SCHEDULE))
      .privilege("infra.root", r -> r
          .eligibleGroups("developers")
          .approverGroups("sre")
          .approvals(2)
          .pendingTtl(Duration.ofHours(4))
          .remindAfter(Duration.ofMinutes(30))
          .escalateAfter(Duration.ofHours(2), "fallback"))
      .administratorGroups("admins")
      .build();

  private final List<PrivilegeGuard> guards = new ArrayList<>();
  private TestClock clock;
  private InMemoryAuditSink audit;
  private GrantStore store;
  private RecordingChannel channel;
  private InMemoryOnCallSource onCall;
  private PrivilegeGuard guard;

  @BeforeEach
  void setUp() {
    clock = TestClock.create();
    audit = new InMemoryAuditSink();
    store = GrantStore.inMemory();
    channel = new RecordingChannel();
    onCall = new InMemoryOnCallSource();
    guard = guard(onCall);
  }

  @AfterEach
  void tearDown() {
    guards.forEach(PrivilegeGuard::close);
  }

  private PrivilegeGuard guard(OnCallSource source) {
    PrivilegeGuard g = PrivilegeGuard.builder()
        .withPolicy(POLICY)
        .withClock(clock)
        .withAuditSink(audit)
        .withGrantStore(store)
        .withApprovalChannel(channel)
        .withOnCallSource(source)
        .withoutBackgroundMaintenance()
        .build();
    guards.add(g);
    return g;
  }

  private RequestId pending(Subject s, Privilege p) {
    return pendingId(guard.request(ask(s, p).build()));
  }

  private RequestRecord stored(RequestId id) {
    return store.findRequest(id).orElseThrow();
  }

  private static Duration lengthOf(Grant g) {
    return Duration.between(g.notBefore(), g.expiresAt());
  }

  // ------------------------------------------------------------------------------------------- N distinct people

  @Test
  void approveWhenTwoApprovalsRequiredThenOnePersonTwiceNeverGrantsAndASecondPersonDoes() {
    RequestId id = pending(SUE, REFUND);

    assertThat(guard.approve(id, FIONA, "ok").outcome()).isEqualTo(Outcome.PENDING);
    assertThat(refusal(() -> guard.approve(id, FIONA, "ok again")).reason()).isEqualTo(ReasonCode.ALREADY_APPROVED);
    assertThat(refusal(() -> guard.approve(id, Subject.of("Fiona", "finance-leads"), "")).reason())
        .isEqualTo(ReasonCode.ALREADY_APPROVED);
    assertThat(guard.check(SUE, REFUND).isGranted()).isFalse();

    Grant g = granted(guard.approve(id, GREG, "ok"));

    assertThat(g.approvers()).containsExactly("fiona", "greg");
    assertThat(guard.check(SUE, REFUND).isGranted()).isTrue();
  }

  // ------------------------------------------------------------------------------------------- stages

  @Test
  void stagesAllWhenOneApprovalFromEachStageThenGranted() {
    RequestId id = pending(ALICE, DEPLOY_PROD);

    Decision afterLead = guard.approve(id, LENA, "team lead ok");

    assertThat(afterLead.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(afterLead.hint()).contains("security").doesNotContain("team-lead");
    assertThat(guard.check(ALICE, DEPLOY_PROD).isGranted()).isFalse();

    Grant g = granted(guard.approve(id, SAM, "security ok"));

    assertThat(g.approvers()).containsExactly("lena", "sam");
    assertThat(stored(id).status()).isEqualTo(RequestStatus.APPROVED);
  }

  @Test
  void stagesAllWhenTwoPeopleFromTheSameStageThenStillPendingForTheOtherStage() {
    RequestId id = pending(ALICE, DEPLOY_PROD);

    guard.approve(id, LENA, "");
    Decision d = guard.approve(id, LOU, "");

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(d.hint()).contains("security");
    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
    assertThat(store.grantsFrom(id)).isEmpty();
    assertThat(guard.check(ALICE, DEPLOY_PROD).isGranted()).isFalse();
  }

  @Test
  void stagesAllWhenOnePersonInBothStageGroupsApprovesAloneThenNotSatisfiedAndSecondPersonNeeded() {
    RequestId id = pending(ALICE, DEPLOY_PROD);

    Decision d = guard.approve(id, MAX, "I am lead and security");

    assertThat(d.outcome()).as("a person counts once, even in both stages' groups").isEqualTo(Outcome.PENDING);
    assertThat(d.message()).contains("1 of 2");
    assertThat(store.grantsFrom(id)).isEmpty();
    assertThat(guard.check(ALICE, DEPLOY_PROD).isGranted()).isFalse();
    assertThat(refusal(() -> guard.approve(id, MAX, "and again for the other stage")).reason())
        .isEqualTo(ReasonCode.ALREADY_APPROVED);
    assertThat(stored(id).approvals()).hasSize(1);

    Grant g = granted(guard.approve(id, SAM, "security"));

    assertThat(g.approvers()).containsExactly("max", "sam");
  }

  @Test
  void stagesAllWhenPersonInBothGroupsApprovedFirstThenALeadCompletesBothStages() {
    // max first fills "team-lead"; lena can only fill "team-lead", so max must move to "security": a person
    // counts once, but in whichever stage makes the request complete.
    RequestId id = pending(ALICE, DEPLOY_PROD);
    guard.approve(id, MAX, "");

    Grant g = granted(guard.approve(id, LENA, ""));

    assertThat(g.approvers()).containsExactly("max", "lena");
  }

  @Test
  void stagesAllWhenAsManyApprovalsAsSlotsButOnePersonWouldHaveToFillTwoStagesThenStillPending() {
    // three stages, three approvals: omni could be lead, security or dba, but lena and lou are both only leads,
    // so one of security and database stays empty; a person fills one slot in all
    Subject omni = Subject.of("omni", "leads", "secops", "dba");
    RequestId id = pending(ALICE, DEPLOY_SCHEMA);
    guard.approve(id, omni, "");
    guard.approve(id, LENA, "");

    Decision d = guard.approve(id, LOU, "");

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(store.grantsFrom(id)).isEmpty();
    assertThat(guard.check(ALICE, DEPLOY_SCHEMA).isGranted()).isFalse();

    Grant g = granted(guard.approve(id, BOB, "dba ok"));
    assertThat(g.approvers()).containsExactly("omni", "lena", "lou", "bob");
  }

  @Test
  void stagesAnyWhenOneStageSatisfiedThenGranted() {
    RequestId id = pending(ALICE, DEPLOY_STAGING);

    Grant g = granted(guard.approve(id, LENA, "lead is enough"));

    assertThat(g.approvers()).containsExactly("lena");
  }

  @Test
  void stagesAnyWhenOnlyPartOfAStageThenPendingUntilThatStageIsFull() {
    RequestId id = pending(ALICE, DEPLOY_STAGING);

    Decision d = guard.approve(id, SAM, "");

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(d.hint()).contains("security").contains("team-lead").contains(" or ");
    assertThat(guard.check(ALICE, DEPLOY_STAGING).isGranted()).isFalse();

    Grant g = granted(guard.approve(id, SID, ""));

    assertThat(g.approvers()).containsExactly("sam", "sid");
  }

  @Test
  void stagesWhenApproverInNoStageThenRefusedNotPermitted() {
    RequestId id = pending(ALICE, DEPLOY_PROD);

    assertThat(refusal(() -> guard.approve(id, BOB, "")).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(stored(id).approvals()).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- denials

  @Test
  void denyWhenDefaultThresholdThenOneDenyDeniesEvenIfApprovalsWereRecorded() {
    RequestId id = pending(SUE, REFUND);
    guard.approve(id, FIONA, "");

    RequestRecord r = guard.deny(id, GREG, "not this one");

    assertThat(r.status()).isEqualTo(RequestStatus.DENIED);
    assertThat(audit.events(AuditEventType.DENIED)).hasSize(1);
    assertThat(audit.events(AuditEventType.DENIAL_RECORDED)).isEmpty();
  }

  @Test
  void denyWhenThresholdTwoThenFirstDenyRecordedAndStillPendingAndSecondDistinctDenyDenies() {
    RequestId id = pending(ALICE, DB_WRITE);

    RequestRecord first = guard.deny(id, BOB, "risky");

    assertThat(first.status()).isEqualTo(RequestStatus.PENDING);
    assertThat(first.denials()).extracting(Approval::approver).containsExactly("bob");
    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
    List<AuditEvent> recorded = audit.events(AuditEventType.DENIAL_RECORDED);
    assertThat(recorded).hasSize(1);
    assertThat(recorded.get(0).actor()).contains("bob");
    assertThat(recorded.get(0).requestId()).contains(id);
    assertThat(recorded.get(0).text()).contains("risky");
    assertThat(audit.events(AuditEventType.DENIED)).isEmpty();
    assertThat(guard.pendingApprovals(DAVE)).extracting(RequestRecord::id).containsExactly(id);

    RequestRecord second = guard.deny(id, DAVE, "agree");

    assertThat(second.status()).isEqualTo(RequestStatus.DENIED);
    assertThat(second.decidedBy()).contains("dave");
    assertThat(stored(id).status()).isEqualTo(RequestStatus.DENIED);
    assertThat(audit.events(AuditEventType.DENIED)).hasSize(1);
    assertThat(refusal(() -> guard.approve(id, DORA, "")).reason()).isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
  }

  @Test
  void denyWhenSamePersonDeniesTwiceThenRefusedAlreadyApprovedAndStillPending() {
    RequestId id = pending(ALICE, DB_WRITE);
    guard.deny(id, BOB, "no");

    OperationRefusedException e = refusal(() -> guard.deny(id, BOB, "still no"));

    assertThat(e.reason()).isEqualTo(ReasonCode.ALREADY_APPROVED);
    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
    assertThat(stored(id).denials()).hasSize(1);
    assertThat(audit.events(AuditEventType.DENIAL_RECORDED)).hasSize(1);
  }

  @Test
  void approveAfterDenyingThenRefusedAlreadyApprovedAndNothingGranted() {
    RequestId id = pending(ALICE, DB_WRITE);
    guard.deny(id, BOB, "no");

    OperationRefusedException e = refusal(() -> guard.approve(id, BOB, "changed my mind"));

    assertThat(e.reason()).isEqualTo(ReasonCode.ALREADY_APPROVED);
    assertThat(stored(id).approvals()).isEmpty();
    assertThat(store.grantsFrom(id)).isEmpty();
    // another approver still can
    assertThat(guard.approve(id, DAVE, "fine").isGranted()).isTrue();
  }

  @Test
  void denyAfterApprovingThenRefusedAlreadyApproved() {
    RequestId id = pending(SUE, REFUND);
    guard.approve(id, FIONA, "");

    assertThat(refusal(() -> guard.deny(id, FIONA, "oops")).reason()).isEqualTo(ReasonCode.ALREADY_APPROVED);
    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
  }

  // ------------------------------------------------------------------------------------------- comments

  @Test
  void approveOrDenyWhenCommentRequiredAndEmptyOrBlankThenRefusedCommentRequiredAndNothingRecorded() {
    RequestId id = pending(ALICE, DB_DROP);

    assertThat(refusal(() -> guard.approve(id, BOB, "")).reason()).isEqualTo(ReasonCode.COMMENT_REQUIRED);
    assertThat(refusal(() -> guard.approve(id, BOB, "  \t ")).reason()).isEqualTo(ReasonCode.COMMENT_REQUIRED);
    assertThat(refusal(() -> guard.approve(id, BOB, "", minutes(10))).reason())
        .isEqualTo(ReasonCode.COMMENT_REQUIRED);
    assertThat(refusal(() -> guard.deny(id, DAVE, "")).reason()).isEqualTo(ReasonCode.COMMENT_REQUIRED);
    assertThat(refusal(() -> guard.deny(id, DAVE, "   ")).reason()).isEqualTo(ReasonCode.COMMENT_REQUIRED);

    RequestRecord r = stored(id);
    assertThat(r.status()).isEqualTo(RequestStatus.PENDING);
    assertThat(r.approvals()).isEmpty();
    assertThat(r.denials()).isEmpty();
    assertThat(audit.events(AuditEventType.OPERATION_REFUSED)).hasSize(5)
        .allSatisfy(e -> assertThat(e.reason()).contains(ReasonCode.COMMENT_REQUIRED));

    Decision d = guard.approve(id, BOB, "verified the backup first");

    assertThat(d.isGranted()).isTrue();
    assertThat(stored(id).approvals().get(0).comment()).isEqualTo("verified the backup first");
  }

  @Test
  void approveWhenCommentNotRequiredThenEmptyCommentAccepted() {
    RequestId id = pending(ALICE, DB_WRITE);

    assertThat(guard.approve(id, BOB, "").isGranted()).isTrue();
  }

  // ------------------------------------------------------------------------------------------- shortening

  @Test
  void approveWithShortenToWhenSeveralApproversShortenThenShortestLimitWins() {
    RequestId id = pending(ALICE, DB_READ, Duration.ofMinutes(90));

    guard.approve(id, BOB, "at most 45 minutes", minutes(45));
    Grant g = granted(guard.approve(id, DAVE, "an hour is fine", minutes(60)));

    assertThat(lengthOf(g)).isEqualTo(minutes(45));
    assertThat(stored(id).approvals()).extracting(Approval::durationLimit).containsExactly(minutes(45),
        minutes(60));
  }

  @Test
  void approveWithShortenToWhenOnlyTheLastApproverShortensThenTheirLimitApplies() {
    RequestId id = pending(ALICE, DB_READ, Duration.ofMinutes(90));

    guard.approve(id, BOB, "");
    Grant g = granted(guard.approve(id, DAVE, "", minutes(20)));

    assertThat(lengthOf(g)).isEqualTo(minutes(20));
    clock.advance(minutes(20));
    assertThat(guard.check(ALICE, DB_READ).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
  }

  @Test
  void approveWithoutShorteningThenRequestedDurationGranted() {
    RequestId id = pending(ALICE, DB_READ, Duration.ofMinutes(90));

    guard.approve(id, BOB, "");
    Grant g = granted(guard.approve(id, DAVE, ""));

    assertThat(lengthOf(g)).isEqualTo(minutes(90));
  }

  @Test
  void approveWithShortenToLongerThanRequestedThenRefusedDurationExceedsMaxAndNothingRecorded() {
    RequestId id = pending(ALICE, DB_READ, Duration.ofMinutes(90));

    OperationRefusedException e = refusal(() -> guard.approve(id, BOB, "take two hours",
        Duration.ofMinutes(91)));

    assertThat(e.reason()).isEqualTo(ReasonCode.DURATION_EXCEEDS_MAX);
    assertThat(e.decision().message()).contains("PT1H30M");
    assertThat(stored(id).approvals()).isEmpty();

    // exactly the requested duration is not lengthening
    guard.approve(id, BOB, "", minutes(90));
    assertThat(lengthOf(granted(guard.approve(id, DAVE, "")))).isEqualTo(minutes(90));
  }

  @Test
  void approveWithShortenToWhenRequestNamedNoDurationThenMeasuredAgainstTheDefault() {
    // no duration asked: the rule's default (1 hour) is what was requested
    RequestId id = pendingId(guard.request(ask(ALICE, DB_READ).build()));

    assertThat(refusal(() -> guard.approve(id, BOB, "", minutes(61))).reason())
        .isEqualTo(ReasonCode.DURATION_EXCEEDS_MAX);
    guard.approve(id, BOB, "", minutes(15));
    assertThat(lengthOf(granted(guard.approve(id, DAVE, "")))).isEqualTo(minutes(15));
  }

  private RequestId pending(Subject s, Privilege p, Duration d) {
    return pendingId(guard.request(ask(s, p).duration(d).build()));
  }

  // ------------------------------------------------------------------------------------------- suggestions

  @Test
  void requestWhenRuleSuggestsOnCallThenSuggestedApproversAreListedAndOnCallPeopleMinusTheRequester() {
    Subject requester = Subject.of("pia", "payments-oncall");
    onCall.set(SCHEDULE, "olga", "pia", "bob");

    Decision.Pending d = (Decision.Pending) guard.request(ask(requester, PAYOUT).build());

    assertThat(d.suggestedApprovers()).containsExactlyInAnyOrder("bob", "carol", "olga");
  }

  @Test
  void approveThenSuggestedApproversNoLongerContainWhoAlreadyApproved() {
    onCall.set(SCHEDULE, "olga");
    RequestId id = pending(SUE, PAYOUT);

    Decision.Pending afterBob = (Decision.Pending) guard.approve(id, BOB, "");

    assertThat(afterBob.suggestedApprovers()).containsExactlyInAnyOrder("carol", "olga");

    Grant g = granted(guard.approve(id, OLGA, "on call, ok"));
    assertThat(g.approvers()).containsExactly("bob", "olga");
  }

  @Test
  void requestWhenSameSubjectAsksAgainThenSuggestionsStillExcludeWhoApproved() {
    onCall.set(SCHEDULE, "olga");
    RequestId id = pending(SUE, PAYOUT);
    guard.approve(id, CAROL, "");

    Decision.Pending again = (Decision.Pending) guard.request(ask(SUE, PAYOUT).build());

    assertThat(again.request().id()).isEqualTo(id);
    assertThat(again.suggestedApprovers()).containsExactlyInAnyOrder("bob", "olga");
  }

  @Test
  void requestWhenOnCallSourceFailsThenStillPendingAndOnlyListedApproversSuggested() {
    PrivilegeGuard failing = guard((schedule, at) -> {
      throw new IllegalStateException("pager API down");
    });

    Decision d = failing.request(ask(SUE, PAYOUT).build());

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(((Decision.Pending) d).suggestedApprovers()).containsExactlyInAnyOrder("bob", "carol");
  }

  @Test
  void requestWhenGuardHasNoOnCallSourceThenOnlyListedApproversSuggested() {
    PrivilegeGuard plain = PrivilegeGuard.builder().withPolicy(POLICY).withClock(clock)
        .withAuditSink(new InMemoryAuditSink()).withoutBackgroundMaintenance().build();
    guards.add(plain);

    Decision.Pending d = (Decision.Pending) plain.request(ask(SUE, PAYOUT).build());

    assertThat(d.suggestedApprovers()).containsExactlyInAnyOrder("bob", "carol");
  }

  // ------------------------------------------------------------------------------------------- reminders

  @Test
  void runMaintenanceWhenRemindDelayPassedThenReminderSentOnceThroughTheChannel() {
    RequestId id = pending(ALICE, ROOT);

    clock.advance(Duration.ofMinutes(30).minusMillis(1));
    guard.runMaintenance();
    assertThat(audit.events(AuditEventType.REMINDER_SENT)).isEmpty();
    assertThat(channel.reminded).isEmpty();

    clock.advance(Duration.ofMillis(1));
    guard.runMaintenance();

    List<AuditEvent> reminders = audit.events(AuditEventType.REMINDER_SENT);
    assertThat(reminders).hasSize(1);
    assertThat(reminders.get(0).requestId()).contains(id);
    assertThat(reminders.get(0).details().get("approvers")).contains("sre");
    assertThat(RecordingChannel.ids(channel.reminded)).containsExactly(id);
    assertThat(stored(id).remindedAt()).contains(clock.instant());

    clock.advance(minutes(10));
    guard.runMaintenance();
    guard.runMaintenance();

    assertThat(audit.events(AuditEventType.REMINDER_SENT)).as("reminded once").hasSize(1);
    assertThat(channel.reminded).hasSize(1);
  }

  @Test
  void runMaintenanceWhenRequestDecidedBeforeReminderThenNoReminder() {
    RequestId id = pending(ALICE, ROOT);
    guard.approve(id, SARA, "");
    guard.approve(id, STAN, "");

    clock.advance(Duration.ofHours(1));
    guard.runMaintenance();

    assertThat(audit.events(AuditEventType.REMINDER_SENT)).isEmpty();
    assertThat(channel.reminded).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- escalation

  @Test
  void approveByFallbackMemberBeforeEscalationThenRefusedNotPermitted() {
    RequestId id = pending(ALICE, ROOT);
    clock.advance(Duration.ofHours(2).minusMillis(1));
    guard.runMaintenance();

    assertThat(refusal(() -> guard.approve(id, FAY, "")).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(refusal(() -> guard.deny(id, FAY, "")).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(guard.pendingApprovals(FAY)).isEmpty();
    assertThat(audit.events(AuditEventType.ESCALATED)).isEmpty();
    assertThat(channel.escalated).isEmpty();
    assertThat(stored(id).approvals()).isEmpty();
  }

  @Test
  void runMaintenanceWhenEscalationDelayPassedThenEscalatedOnceAndFallbackApprovalCounts() {
    RequestId id = pending(ALICE, ROOT);
    guard.approve(id, SARA, "one of two");
    clock.advance(Duration.ofHours(2));

    guard.runMaintenance();
    guard.runMaintenance();

    List<AuditEvent> escalated = audit.events(AuditEventType.ESCALATED);
    assertThat(escalated).hasSize(1);
    assertThat(escalated.get(0).requestId()).contains(id);
    assertThat(escalated.get(0).details().get("escalated_to")).contains("fallback");
    assertThat(RecordingChannel.ids(channel.escalated)).containsExactly(id);
    assertThat(stored(id).escalatedAt()).contains(clock.instant());
    assertThat(guard.pendingApprovals(FAY)).as("the fallback member may approve it now")
        .extracting(RequestRecord::id).containsExactly(id);

    Grant g = granted(guard.approve(id, FAY, "covering for sre"));

    assertThat(g.approvers()).containsExactly("sara", "fay");
    assertThat(guard.check(ALICE, ROOT).isGranted()).isTrue();
  }

  @Test
  void approveByFallbackMemberAfterEscalationThenCountsAsOneDistinctPerson() {
    RequestId id = pending(ALICE, ROOT);
    clock.advance(Duration.ofHours(2));
    guard.runMaintenance();

    Decision first = guard.approve(id, FAY, "");

    assertThat(first.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(first.hint()).contains("escalated");
    assertThat(refusal(() -> guard.approve(id, FAY, "")).reason()).isEqualTo(ReasonCode.ALREADY_APPROVED);
    assertThat(granted(guard.approve(id, Subject.of("finn", "fallback"), "")).approvers())
        .containsExactly("fay", "finn");
  }

  @Test
  void runMaintenanceWhenPendingTtlPassedAfterEscalationThenRequestStillExpires() {
    RequestId id = pending(ALICE, ROOT);
    clock.advance(Duration.ofHours(2));
    guard.runMaintenance();
    clock.advance(Duration.ofHours(2));

    guard.runMaintenance();

    assertThat(stored(id).status()).isEqualTo(RequestStatus.EXPIRED);
    assertThat(audit.events(AuditEventType.REQUEST_EXPIRED)).hasSize(1);
    assertThat(RecordingChannel.ids(channel.decided)).containsExactly(id);
    assertThat(refusal(() -> guard.approve(id, FAY, "")).reason()).isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
    assertThat(guard.pendingApprovals(FAY)).isEmpty();
    assertThat(store.grantsFrom(id)).isEmpty();
  }

  @Test
  void runMaintenanceWhenFirstRunIsPastTheTtlThenExpiredWithoutReminderOrEscalation() {
    RequestId id = pending(ALICE, ROOT);
    clock.advance(Duration.ofHours(4));

    guard.runMaintenance();

    assertThat(stored(id).status()).isEqualTo(RequestStatus.EXPIRED);
    assertThat(audit.events(AuditEventType.REMINDER_SENT)).isEmpty();
    assertThat(audit.events(AuditEventType.ESCALATED)).isEmpty();
    assertThat(channel.reminded).isEmpty();
    assertThat(channel.escalated).isEmpty();
  }

  @Test
  void requestThenChannelToldOncePendingAndOnceDecided() {
    RequestId id = pending(SUE, REFUND);
    guard.approve(id, FIONA, "");
    guard.approve(id, GREG, "");

    assertThat(RecordingChannel.ids(channel.pending)).containsExactly(id);
    assertThat(channel.decided).singleElement().satisfies(r -> {
      assertThat(r.id()).isEqualTo(id);
      assertThat(r.status()).isEqualTo(RequestStatus.APPROVED);
    });
  }
}
