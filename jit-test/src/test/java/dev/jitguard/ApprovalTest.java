package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DAVE;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.ERIN;
import static dev.jitguard.Fixtures.FRANK;
import static dev.jitguard.Fixtures.REFUND;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.invalid;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Approve, deny, withdraw and the pending time-to-live: who may decide what, and what it changes. */
class ApprovalTest {
  private static final Subject FIONA = Subject.of("fiona", "finance-leads");
  private static final Subject GREG = Subject.of("greg", "finance-leads");
  private static final Subject HANK = Subject.of("hank", "finance-leads");
  private static final Subject SUPPORT = Subject.of("sue", "support");

  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .requireJustification(10)
          .pendingTtl(Duration.ofHours(1)))
      .privilege("payments.refund", r -> r
          .eligibleGroups("support", "developers")
          .approverGroups("finance-leads")
          .approvals(2))
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

  private RequestId pending(Subject s, Privilege p) {
    return pendingId(guard.request(ask(s, p).build()));
  }

  private RequestRecord stored(RequestId id) {
    return t.store().findRequest(id).orElseThrow();
  }

  private AuditEvent lastRefusal() {
    var refusals = t.audit().events(AuditEventType.OPERATION_REFUSED);
    assertThat(refusals).isNotEmpty();
    return refusals.get(refusals.size() - 1);
  }

  // ------------------------------------------------------------------------------------------- thresholds

  @Test
  void approveWhenOneApprovalRequiredThenGrantedWithApprover() {
    RequestId id = pending(ALICE, DB_WRITE);

    Decision d = guard.approve(id, BOB, "looks right");

    assertThat(d.reason()).isEqualTo(ReasonCode.APPROVED);
    Grant g = granted(d);
    assertThat(g.requestId()).isEqualTo(id);
    assertThat(g.approvers()).containsExactly("bob");
    RequestRecord r = stored(id);
    assertThat(r.status()).isEqualTo(RequestStatus.APPROVED);
    assertThat(r.grantId()).contains(g.id());
    assertThat(r.decidedBy()).contains("bob");
    assertThat(r.approvals()).extracting(Approval::approver).containsExactly("bob");
    assertThat(r.approvals().get(0).comment()).isEqualTo("looks right");
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
  }

  @Test
  void approveWhenTwoDistinctApproversRequiredThenFirstIsRecordedAndSecondGrants() {
    RequestId id = pending(SUPPORT, REFUND);

    Decision first = guard.approve(id, FIONA, "one");

    assertThat(first.outcome()).isEqualTo(Outcome.PENDING);
    RequestRecord afterFirst = ((Decision.Pending) first).request();
    assertThat(afterFirst.status()).isEqualTo(RequestStatus.PENDING);
    assertThat(afterFirst.approvals()).extracting(Approval::approver).containsExactly("fiona");
    assertThat(first.message()).contains("1 of 2");
    assertThat(first.hint()).contains("1 more approval");
    assertThat(guard.check(SUPPORT, REFUND).isGranted()).isFalse();
    assertThat(t.store().grantsFrom(id)).isEmpty();

    Decision second = guard.approve(id, GREG, "two");

    Grant g = granted(second);
    assertThat(g.approvers()).containsExactly("fiona", "greg");
    assertThat(stored(id).status()).isEqualTo(RequestStatus.APPROVED);
    assertThat(stored(id).approvals()).hasSize(2);
    assertThat(t.store().grantsFrom(id)).hasSize(1);
    assertThat(guard.check(SUPPORT, REFUND).isGranted()).isTrue();
    assertThat(t.audit().types()).containsSubsequence(AuditEventType.REQUESTED,
        AuditEventType.APPROVAL_RECORDED, AuditEventType.APPROVED, AuditEventType.GRANTED);
  }

  @Test
  void approveWhenSameApproverTwiceThenRefusedAlreadyApprovedAndStillPending() {
    RequestId id = pending(SUPPORT, REFUND);
    guard.approve(id, FIONA, "one");

    OperationRefusedException e = refusal(() -> guard.approve(id, FIONA, "again"));

    assertThat(e.reason()).isEqualTo(ReasonCode.ALREADY_APPROVED);
    assertThat(e.getMessage()).contains("fiona");
    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
    assertThat(stored(id).approvals()).hasSize(1);
    assertThat(t.store().grantsFrom(id)).isEmpty();
    assertThat(lastRefusal().reason()).contains(ReasonCode.ALREADY_APPROVED);
    assertThat(lastRefusal().actor()).contains("fiona");
  }

  @Test
  void approveWhenSameApproverSpelledDifferentlyThenCountedOnce() {
    RequestId id = pending(SUPPORT, REFUND);
    guard.approve(id, FIONA, "one");

    OperationRefusedException e = refusal(() -> guard.approve(id, Subject.of("FIONA", "finance-leads"), "again"));

    assertThat(e.reason()).isEqualTo(ReasonCode.ALREADY_APPROVED);
    assertThat(t.store().grantsFrom(id)).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- self-approval

  @Test
  void approveWhenRequesterIsApproverAndAdministratorThenRefusedSelfApproval() {
    Subject boss = Subject.of("boss", "developers", "dba", "admins");
    RequestId id = pending(boss, DB_WRITE);

    OperationRefusedException e = refusal(() -> guard.approve(id, boss, "trust me"));

    assertThat(e.reason()).isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(e.decision().hint()).isNotBlank();
    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
    assertThat(stored(id).approvals()).isEmpty();
    assertThat(t.store().grantsOf("boss")).isEmpty();
    assertThat(guard.check(boss, DB_WRITE).isGranted()).isFalse();
    AuditEvent refused = lastRefusal();
    assertThat(refused.reason()).contains(ReasonCode.SELF_APPROVAL);
    assertThat(refused.actor()).contains("boss");
    assertThat(refused.requestId()).contains(id);
  }

  @Test
  void approveWhenRequesterUsesAnotherSpellingOfOwnIdThenRefusedSelfApproval() {
    Subject boss = Subject.of("boss", "developers", "dba");
    RequestId id = pending(boss, DB_WRITE);

    assertThat(refusal(() -> guard.approve(id, Subject.of("BOSS", "dba"), "")).reason())
        .isEqualTo(ReasonCode.SELF_APPROVAL);
    // full-width letters are the same id after NFKC
    assertThat(refusal(() -> guard.approve(id, Subject.of("\uFF22\uFF2F\uFF33\uFF33", "dba"), "")).reason())
        .isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
  }

  @Test
  void approveOwnRequestWhenTwoApprovalsNeededThenSelfApprovalNotCounted() {
    Subject lead = Subject.of("lea", "support", "finance-leads");
    RequestId id = pending(lead, REFUND);

    assertThat(refusal(() -> guard.approve(id, lead, "")).reason()).isEqualTo(ReasonCode.SELF_APPROVAL);
    Decision d = guard.approve(id, FIONA, "");

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(stored(id).approvals()).extracting(Approval::approver).containsExactly("fiona");
  }

  @Test
  void denyOwnRequestThenRefusedSelfApproval() {
    Subject boss = Subject.of("boss", "developers", "dba");
    RequestId id = pending(boss, DB_WRITE);

    assertThat(refusal(() -> guard.deny(id, boss, "")).reason()).isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
  }

  // ------------------------------------------------------------------------------------------- who may approve

  @Test
  void approveWhenApproverNotInApproverGroupsThenRefusedNotPermitted() {
    RequestId id = pending(ALICE, DB_WRITE);

    OperationRefusedException e = refusal(() -> guard.approve(id, FRANK, "sure"));

    assertThat(e.reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
    assertThat(stored(id).approvals()).isEmpty();
    assertThat(lastRefusal().reason()).contains(ReasonCode.NOT_PERMITTED);
  }

  @Test
  void approveWhenAdministratorIsNotAnApproverThenRefusedNotPermittedButDenyAllowed() {
    RequestId id = pending(ALICE, DB_WRITE);

    assertThat(refusal(() -> guard.approve(id, ERIN, "I am admin")).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
    assertThat(stored(id).approvals()).isEmpty();

    // Denying only takes access away, so administrators may do it (revokeRequest on a pending request relies on it).
    assertThat(guard.deny(id, ERIN, "not during the freeze").status()).isEqualTo(RequestStatus.DENIED);
    assertThat(stored(id).decidedBy()).contains("erin");
  }

  @Test
  void approveWhenApproverOfAnotherPrivilegeThenRefusedNotPermitted() {
    RequestId id = pending(ALICE, DB_WRITE);

    assertThat(refusal(() -> guard.approve(id, FIONA, "")).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
  }

  @Test
  void approveWhenRequestIdUnknownThenRefusedExactlyLikeARequestTheActorMayNotSee() {
    RequestId existing = pending(ALICE, DB_WRITE);
    RequestId unknown = RequestId.random();

    OperationRefusedException forExisting = refusal(() -> guard.approve(existing, FRANK, ""));
    OperationRefusedException forUnknown = refusal(() -> guard.approve(unknown, FRANK, ""));

    assertThat(forUnknown.reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(forExisting.reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(forUnknown.decision().message().replace(unknown.value(), "<id>"))
        .isEqualTo(forExisting.decision().message().replace(existing.value(), "<id>"));
    assertThat(forUnknown.decision().hint()).isEqualTo(forExisting.decision().hint());
    assertThat(forUnknown.decision().privilege())
        .as("the refusal must not reveal the privilege of a request the actor may not see")
        .isEqualTo(forExisting.decision().privilege());
    assertThat(forUnknown.getMessage().replace(unknown.value(), "<id>"))
        .isEqualTo(forExisting.getMessage().replace(existing.value(), "<id>"));
  }

  @Test
  void denyWhenRequestIdUnknownThenRefusedNotPermitted() {
    assertThat(refusal(() -> guard.deny(RequestId.random(), BOB, "")).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
  }

  // ------------------------------------------------------------------------------------------- deny and withdraw

  @Test
  void denyByApproverThenRequestDeniedAndLaterApprovalRefusedRequestNotPending() {
    RequestId id = pending(ALICE, DB_WRITE);
    Instant now = t.clock().instant();

    RequestRecord denied = guard.deny(id, BOB, "use the read replica");

    assertThat(denied.status()).isEqualTo(RequestStatus.DENIED);
    assertThat(denied.decidedBy()).contains("bob");
    assertThat(denied.decidedAt()).contains(now);
    assertThat(denied.decisionReason()).contains(ReasonCode.DENIED_BY_APPROVER);
    assertThat(denied.decisionComment()).contains("use the read replica");
    assertThat(stored(id).status()).isEqualTo(RequestStatus.DENIED);

    OperationRefusedException e = refusal(() -> guard.approve(id, DAVE, "overrule"));

    assertThat(e.reason()).isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
    assertThat(e.getMessage()).contains("DENIED");
    assertThat(t.store().grantsFrom(id)).isEmpty();
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(guard.pendingRequests(ALICE)).isEmpty();
    assertThat(guard.pendingApprovals(DAVE)).isEmpty();
  }

  @Test
  void denyWhenAlreadyApprovedThenRefusedAndGrantStays() {
    RequestId id = pending(ALICE, DB_WRITE);
    guard.approve(id, BOB, "");

    assertThat(refusal(() -> guard.deny(id, DAVE, "too late")).reason()).isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
    assertThat(stored(id).status()).isEqualTo(RequestStatus.APPROVED);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
  }

  @Test
  void withdrawByRequesterThenWithdrawnAndNoLongerApprovable() {
    RequestId id = pending(ALICE, DB_WRITE);

    RequestRecord w = guard.withdraw(id, Subject.of("Alice", "developers"));

    assertThat(w.status()).isEqualTo(RequestStatus.WITHDRAWN);
    assertThat(w.decidedBy()).contains("alice");
    assertThat(w.decisionReason()).contains(ReasonCode.WITHDRAWN);
    assertThat(stored(id).status()).isEqualTo(RequestStatus.WITHDRAWN);
    assertThat(guard.pendingRequests(ALICE)).isEmpty();
    assertThat(guard.pendingApprovals(BOB)).isEmpty();
    assertThat(refusal(() -> guard.approve(id, BOB, "")).reason()).isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
    assertThat(refusal(() -> guard.withdraw(id, ALICE)).reason()).isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
    AuditEvent e = t.audit().events(AuditEventType.WITHDRAWN).get(0);
    assertThat(e.actor()).contains("alice");
    assertThat(e.requestId()).contains(id);
  }

  @Test
  void withdrawBySomeoneElseThenRefusedNotPermittedAndStillPending() {
    RequestId id = pending(ALICE, DB_WRITE);

    assertThat(refusal(() -> guard.withdraw(id, BOB)).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(refusal(() -> guard.withdraw(id, ERIN)).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);

    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
    assertThat(t.audit().events(AuditEventType.WITHDRAWN)).isEmpty();
  }

  @Test
  void withdrawWhenApprovedThenRefusedWithHintToRevoke() {
    RequestId id = pending(ALICE, DB_WRITE);
    guard.approve(id, BOB, "");

    OperationRefusedException e = refusal(() -> guard.withdraw(id, ALICE));

    assertThat(e.reason()).isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
    assertThat(e.decision().hint()).containsIgnoringCase("revoke");
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
  }

  // ------------------------------------------------------------------------------------------- pending TTL

  @Test
  void approveJustBeforePendingTtlThenGranted() {
    RequestId id = pending(ALICE, DB_WRITE);
    t.clock().advance(Duration.ofHours(1).minusMillis(1));

    assertThat(guard.approve(id, BOB, "").isGranted()).isTrue();
  }

  @Test
  void withdrawWhenPendingTtlPassedThenRefusedRequestExpiredAndRecordedAsExpired() {
    RequestId id = pending(ALICE, DB_WRITE);
    t.clock().advance(Duration.ofHours(1));

    assertThat(refusal(() -> guard.withdraw(id, ALICE)).reason()).isEqualTo(ReasonCode.REQUEST_EXPIRED);
    assertThat(stored(id).status()).isEqualTo(RequestStatus.EXPIRED);
    assertThat(t.audit().events(AuditEventType.WITHDRAWN)).isEmpty();
    assertThat(t.audit().events(AuditEventType.REQUEST_EXPIRED)).hasSize(1);
  }

  @Test
  void approveWhenPendingTtlPassedThenRefusedRequestExpiredAndRequestExpired() {
    RequestId id = pending(ALICE, DB_WRITE);
    t.clock().advance(Duration.ofHours(1));

    OperationRefusedException e = refusal(() -> guard.approve(id, BOB, "sorry, was away"));

    assertThat(e.reason()).isEqualTo(ReasonCode.REQUEST_EXPIRED);
    assertThat(stored(id).status()).isEqualTo(RequestStatus.EXPIRED);
    assertThat(t.store().grantsFrom(id)).isEmpty();
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
    assertThat(t.audit().events(AuditEventType.REQUEST_EXPIRED)).hasSize(1);
    // once expired it stays expired
    assertThat(refusal(() -> guard.approve(id, DAVE, "")).reason()).isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
  }

  @Test
  void runMaintenanceWhenPendingTtlPassedThenRequestExpiredAndAudited() {
    RequestId old = pending(ALICE, DB_WRITE);
    t.clock().advance(Duration.ofMinutes(30));
    RequestId fresh = pending(Subject.of("amy", "developers"), DB_WRITE);
    t.clock().advance(Duration.ofMinutes(30));

    guard.runMaintenance();

    assertThat(stored(old).status()).isEqualTo(RequestStatus.EXPIRED);
    assertThat(stored(old).decisionReason()).contains(ReasonCode.REQUEST_EXPIRED);
    assertThat(stored(fresh).status()).isEqualTo(RequestStatus.PENDING);
    var expired = t.audit().events(AuditEventType.REQUEST_EXPIRED);
    assertThat(expired).hasSize(1);
    assertThat(expired.get(0).requestId()).contains(old);
    assertThat(expired.get(0).subject()).contains("alice");
    assertThat(expired.get(0).actor()).contains("system");
    assertThat(expired.get(0).reason()).contains(ReasonCode.REQUEST_EXPIRED);
    assertThat(guard.pendingApprovals(BOB)).extracting(RequestRecord::id).containsExactly(fresh);

    guard.runMaintenance();
    assertThat(t.audit().events(AuditEventType.REQUEST_EXPIRED)).as("expired once only").hasSize(1);
  }

  @Test
  void pendingListsWhenPendingTtlPassedThenRequestNoLongerListed() {
    pending(ALICE, DB_WRITE);
    t.clock().advance(Duration.ofHours(1));

    assertThat(guard.pendingRequests(ALICE)).isEmpty();
    assertThat(guard.pendingApprovals(BOB)).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- lists

  @Test
  void pendingRequestsThenOnlyTheRequestersOwnPendingRequests() {
    RequestId db = pending(ALICE, DB_WRITE);
    t.clock().advance(Duration.ofSeconds(1));
    RequestId refund = pending(ALICE, REFUND);
    pending(SUPPORT, REFUND);
    RequestId approvedLater = pending(Subject.of("amy", "developers"), DB_WRITE);
    guard.approve(approvedLater, BOB, "");

    assertThat(guard.pendingRequests(ALICE)).extracting(RequestRecord::id).containsExactly(db, refund);
    assertThat(guard.pendingRequests(Subject.of("amy", "developers"))).isEmpty();
    assertThat(guard.pendingRequests(FRANK)).isEmpty();
  }

  @Test
  void pendingApprovalsThenExcludeOwnRequestsAlreadyApprovedAndOtherPrivileges() {
    Subject leadRequester = Subject.of("lea", "support", "finance-leads");
    RequestId own = pending(leadRequester, REFUND);
    RequestId approvedByFiona = pending(SUPPORT, REFUND);
    RequestId open = pending(Subject.of("sam", "developers"), REFUND);
    RequestId db = pending(ALICE, DB_WRITE);
    guard.approve(approvedByFiona, FIONA, "");

    assertThat(guard.pendingApprovals(FIONA)).extracting(RequestRecord::id).containsExactlyInAnyOrder(own, open);
    assertThat(guard.pendingApprovals(leadRequester)).extracting(RequestRecord::id)
        .containsExactlyInAnyOrder(approvedByFiona, open)
        .doesNotContain(own);
    assertThat(guard.pendingApprovals(HANK)).extracting(RequestRecord::id)
        .containsExactlyInAnyOrder(own, approvedByFiona, open);
    assertThat(guard.pendingApprovals(BOB)).extracting(RequestRecord::id).containsExactly(db);
    assertThat(guard.pendingApprovals(FRANK)).isEmpty();
    assertThat(guard.pendingApprovals(ERIN)).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- input

  @Test
  void approveWhenCommentTooLongThenInvalidInputNamingCommentAndNothingChanged() {
    RequestId id = pending(ALICE, DB_WRITE);

    InvalidInputException e = invalid(() -> guard.approve(id, BOB, "x".repeat(2001)));

    assertThat(e.field()).isEqualTo("comment");
    assertThat(e.getMessage()).contains("2000");
    assertThat(stored(id).status()).isEqualTo(RequestStatus.PENDING);
    assertThat(t.audit().types()).containsExactly(AuditEventType.REQUESTED);
  }
}
