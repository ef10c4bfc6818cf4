package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DAVE;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.ERIN;
import static dev.jitguard.Fixtures.FRANK;
import static dev.jitguard.Fixtures.LOGS_READ;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.invalid;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
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

/** Revoking and extending grants: who may, the effect on the next check, and the cap. */
class RevokeExtendTest {
  private static final Subject OLGA = Subject.of("olga", "developers", "oncall");

  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .maxDuration(Duration.ofHours(1))
          .defaultDuration(Duration.ofMinutes(30)))
      .privilege("logs.read", r -> r
          .eligibleGroups("developers")
          .denyGroups("suspended")
          .approverGroups("sre")
          .autoApprove(AutoApproveCondition.memberOfAny("oncall"))
          .maxDuration(Duration.ofHours(2))
          .defaultDuration(Duration.ofHours(1)))
      .administratorGroups("admins")
      .build();

  private TestGuards.Setup t;
  private PrivilegeGuard guard;
  private Instant start;

  @BeforeEach
  void setUp() {
    t = TestGuards.inMemory(POLICY);
    guard = t.guard();
    start = t.clock().instant();
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  private Grant approvedForAlice() {
    return granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).build())), BOB, "ok"));
  }

  private Grant stored(Grant g) {
    return t.store().findGrant(g.id()).orElseThrow();
  }

  // ------------------------------------------------------------------------------------------- revoke

  @Test
  void revokeByHolderThenNextCheckDeniedGrantRevoked() {
    Grant g = approvedForAlice();
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();

    Grant revoked = guard.revoke(g.id(), ALICE, "done early");

    assertThat(revoked.storedStatus()).isEqualTo(GrantStatus.REVOKED);
    assertThat(revoked.endedBy()).contains("alice");
    assertThat(revoked.endedAt()).contains(start);
    assertThat(revoked.endReason()).contains("done early");
    assertThat(stored(g).storedStatus()).isEqualTo(GrantStatus.REVOKED);
    Decision d = guard.check(ALICE, DB_WRITE);
    assertThat(d.reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(d.hint()).contains("Request an elevation");
    assertThat(guard.activeGrants(ALICE)).isEmpty();
    AuditEvent e = t.audit().events(AuditEventType.REVOKED).get(0);
    assertThat(e.actor()).contains("alice");
    assertThat(e.grantId()).contains(g.id());
    assertThat(e.subject()).contains("alice");
    assertThat(e.text()).contains("done early");
  }

  @Test
  void revokeByAnotherApproverThenNextCheckDenied() {
    Grant g = approvedForAlice();

    guard.revoke(g.id(), DAVE, "suspicious activity");

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(stored(g).endedBy()).contains("dave");
  }

  @Test
  void revokeByAdministratorThenNextCheckDenied() {
    Grant g = approvedForAlice();

    guard.revoke(g.id(), ERIN, "");

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
  }

  @Test
  void revokeScheduledGrantThenItNeverBecomesActive() {
    Grant g = granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE)
        .startAt(start.plus(Duration.ofHours(1))).build())), BOB, ""));

    guard.revoke(g.id(), ALICE, "not needed");
    t.clock().advance(Duration.ofMinutes(70));

    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
  }

  @Test
  void revokeByUnrelatedSubjectThenRefusedNotPermittedAndGrantStillUsable() {
    Grant g = approvedForAlice();

    OperationRefusedException e = refusal(() -> guard.revoke(g.id(), FRANK, "prank"));

    assertThat(e.reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(stored(g).storedStatus()).isEqualTo(GrantStatus.ACTIVE);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    AuditEvent refused = t.audit().events(AuditEventType.OPERATION_REFUSED).get(0);
    assertThat(refused.actor()).contains("frank");
    assertThat(refused.reason()).contains(ReasonCode.NOT_PERMITTED);
  }

  @Test
  void revokeWhenGrantIdUnknownThenRefusedExactlyLikeAGrantTheActorMayNotTouch() {
    Grant g = approvedForAlice();
    GrantId unknown = GrantId.random();

    OperationRefusedException forExisting = refusal(() -> guard.revoke(g.id(), FRANK, ""));
    OperationRefusedException forUnknown = refusal(() -> guard.revoke(unknown, FRANK, ""));

    assertThat(forUnknown.reason()).isEqualTo(forExisting.reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(forUnknown.getMessage().replace(unknown.value(), "<id>"))
        .isEqualTo(forExisting.getMessage().replace(g.id().value(), "<id>"));
    assertThat(forUnknown.decision().privilege()).isEqualTo(forExisting.decision().privilege());
  }

  @Test
  void revokeTwiceThenSecondRefusedGrantNotActive() {
    Grant g = approvedForAlice();
    guard.revoke(g.id(), ALICE, "");

    OperationRefusedException e = refusal(() -> guard.revoke(g.id(), BOB, ""));

    assertThat(e.reason()).isEqualTo(ReasonCode.GRANT_NOT_ACTIVE);
    assertThat(stored(g).endedBy()).contains("alice");
    assertThat(t.audit().events(AuditEventType.REVOKED)).hasSize(1);
  }

  @Test
  void revokeExpiredGrantThenRefusedGrantNotActive() {
    Grant g = approvedForAlice();
    t.clock().advance(Duration.ofMinutes(30));

    assertThat(refusal(() -> guard.revoke(g.id(), ALICE, "")).reason()).isEqualTo(ReasonCode.GRANT_NOT_ACTIVE);
  }

  @Test
  void revokeRequestThenEveryLiveGrantOfTheRequestRevoked() {
    Grant g = approvedForAlice();

    var revoked = guard.revokeRequest(g.requestId(), BOB, "incident closed");

    assertThat(revoked).extracting(Grant::id).containsExactly(g.id());
    assertThat(revoked).allSatisfy(r -> assertThat(r.storedStatus()).isEqualTo(GrantStatus.REVOKED));
    assertThat(t.store().grantsFrom(g.requestId()))
        .allSatisfy(r -> assertThat(r.storedStatus()).isEqualTo(GrantStatus.REVOKED));
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(guard.revokeRequest(g.requestId(), BOB, "again")).isEmpty();
  }

  @Test
  void revokeRequestByHolderAndAdministratorThenPermitted() {
    Grant g = approvedForAlice();

    assertThat(guard.revokeRequest(g.requestId(), ERIN, "")).hasSize(1);
    Grant other = granted(guard.approve(pendingId(guard.request(ask(Subject.of("amy", "developers"), DB_WRITE)
        .build())), BOB, ""));
    assertThat(guard.revokeRequest(other.requestId(), Subject.of("amy"), "")).hasSize(1);
  }

  @Test
  void revokeRequestWhilePendingByRequesterThenWithdrawnAndNeverApprovable() {
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));

    assertThat(guard.revokeRequest(id, ALICE, "not needed any more")).isEmpty();

    assertThat(t.store().findRequest(id).orElseThrow().status()).isEqualTo(RequestStatus.WITHDRAWN);
    assertThat(refusal(() -> guard.approve(id, BOB, "ok")).reason()).isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
  }

  @Test
  void revokeRequestWhilePendingByApproverOrAdministratorThenDenied() {
    RequestId byApprover = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    assertThat(guard.revokeRequest(byApprover, BOB, "use the replica")).isEmpty();
    assertThat(t.store().findRequest(byApprover).orElseThrow().status()).isEqualTo(RequestStatus.DENIED);

    RequestId byAdmin = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    assertThat(guard.revokeRequest(byAdmin, ERIN, "change freeze")).isEmpty();
    assertThat(t.store().findRequest(byAdmin).orElseThrow().status()).isEqualTo(RequestStatus.DENIED);
    assertThat(refusal(() -> guard.approve(byAdmin, DAVE, "ok")).reason())
        .isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
  }

  @Test
  void revokeRequestByUnrelatedSubjectThenRefusedNotPermittedAndGrantStillUsable() {
    Grant g = approvedForAlice();

    assertThat(refusal(() -> guard.revokeRequest(g.requestId(), FRANK, "")).reason())
        .isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(refusal(() -> guard.revokeRequest(RequestId.random(), FRANK, "")).reason())
        .isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
  }

  @Test
  void revokeWhenReasonTooLongThenInvalidInputAndGrantStillUsable() {
    Grant g = approvedForAlice();

    assertThat(invalid(() -> guard.revoke(g.id(), ALICE, "r".repeat(2001))).field()).isEqualTo("reason");
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
  }

  // ------------------------------------------------------------------------------------------- extend

  @Test
  void extendByApproverWithinCapThenNewExpiryApplies() {
    Grant g = approvedForAlice();
    assertThat(g.expiresAt()).isEqualTo(start.plus(Duration.ofMinutes(30)));
    assertThat(g.capExpiresAt()).isEqualTo(start.plus(Duration.ofHours(1)));

    Grant extended = guard.extend(g.id(), DAVE, Duration.ofMinutes(20), "migration is slow");

    assertThat(extended.expiresAt()).isEqualTo(start.plus(Duration.ofMinutes(50)));
    assertThat(extended.notBefore()).isEqualTo(g.notBefore());
    assertThat(stored(g).expiresAt()).isEqualTo(extended.expiresAt());
    t.clock().advance(Duration.ofMinutes(45));
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    t.clock().set(extended.expiresAt());
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    AuditEvent e = t.audit().events(AuditEventType.EXTENDED).get(0);
    assertThat(e.actor()).contains("dave");
    assertThat(e.grantId()).contains(g.id());
    assertThat(e.text()).contains("migration is slow");
    assertThat(e.details()).containsEntry("from", g.expiresAt().toString())
        .containsEntry("to", extended.expiresAt().toString());
  }

  @Test
  void extendExactlyToTheCapThenAcceptedAndOneMillisecondMoreRefused() {
    Grant g = approvedForAlice();
    t.clock().advance(Duration.ofMinutes(25)); // the cap counts from the grant's start, not from now

    Grant atCap = guard.extend(g.id(), BOB, Duration.ofMinutes(30), "");

    assertThat(atCap.expiresAt()).isEqualTo(start.plus(Duration.ofHours(1)));
    OperationRefusedException e = refusal(() -> guard.extend(g.id(), BOB, Duration.ofMillis(1), ""));
    assertThat(e.reason()).isEqualTo(ReasonCode.EXTENSION_EXCEEDS_CAP);
  }

  @Test
  void extendPastCapThenRefusedExtensionExceedsCapAndNothingChanged() {
    Grant g = approvedForAlice();

    OperationRefusedException e = refusal(() -> guard.extend(g.id(), BOB, Duration.ofMinutes(31), "need more"));

    assertThat(e.reason()).isEqualTo(ReasonCode.EXTENSION_EXCEEDS_CAP);
    assertThat(e.decision().hint()).contains("PT30M");
    Grant after = stored(g);
    assertThat(after.expiresAt()).isEqualTo(g.expiresAt());
    assertThat(after.version()).isEqualTo(g.version());
    assertThat(t.audit().events(AuditEventType.EXTENDED)).isEmpty();
    t.clock().set(g.expiresAt());
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
  }

  @Test
  void extendRepeatedlyThenNeverPastTheCap() {
    Grant g = approvedForAlice();
    guard.extend(g.id(), BOB, Duration.ofMinutes(20), "");
    guard.extend(g.id(), DAVE, Duration.ofMinutes(10), "");

    assertThat(refusal(() -> guard.extend(g.id(), BOB, Duration.ofSeconds(1), "")).reason())
        .isEqualTo(ReasonCode.EXTENSION_EXCEEDS_CAP);
    assertThat(stored(g).expiresAt()).isEqualTo(start.plus(Duration.ofHours(1)));
  }

  @Test
  void extendOwnGrantThenRefusedSelfApprovalAndNothingChanged() {
    Grant g = approvedForAlice();

    OperationRefusedException e = refusal(() -> guard.extend(g.id(), ALICE, Duration.ofMinutes(5), ""));

    assertThat(e.reason()).isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(stored(g).expiresAt()).isEqualTo(g.expiresAt());
  }

  @Test
  void extendOwnGrantWhenHolderIsAlsoApproverAndAdministratorThenRefusedSelfApproval() {
    Subject boss = Subject.of("boss", "developers", "dba", "admins");
    Grant g = granted(guard.approve(pendingId(guard.request(ask(boss, DB_WRITE).build())), BOB, ""));

    assertThat(refusal(() -> guard.extend(g.id(), boss, Duration.ofMinutes(5), "")).reason())
        .isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(stored(g).expiresAt()).isEqualTo(g.expiresAt());
  }

  @Test
  void extendOwnGrantWhenAutoApprovalAppliesThenExtended() {
    Grant g = granted(guard.request(ask(OLGA, LOGS_READ).build()));

    Grant extended = guard.extend(g.id(), OLGA, Duration.ofMinutes(30), "still on call");

    assertThat(extended.expiresAt()).isEqualTo(g.expiresAt().plus(Duration.ofMinutes(30)));
  }

  @Test
  void extendOwnGrantWhenHolderNoLongerMatchesAutoApprovalThenRefusedSelfApproval() {
    Grant g = granted(guard.request(ask(OLGA, LOGS_READ).build()));
    Subject offCall = Subject.of("olga", "developers");

    assertThat(refusal(() -> guard.extend(g.id(), offCall, Duration.ofMinutes(30), "")).reason())
        .isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(stored(g).expiresAt()).isEqualTo(g.expiresAt());
  }

  @Test
  void extendOwnGrantWhenHolderNoLongerEligibleThenRefusedEvenIfAutoApprovalMatches() {
    Grant g = granted(guard.request(ask(OLGA, LOGS_READ).build()));
    Subject leftTeam = Subject.of("olga", "oncall"); // still on call, no longer a developer

    assertThat(refusal(() -> guard.extend(g.id(), leftTeam, Duration.ofMinutes(30), "")).reason())
        .isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(stored(g).expiresAt()).isEqualTo(g.expiresAt());
  }

  @Test
  void extendOwnGrantWhenHolderIsNowExplicitlyDeniedThenRefusedEvenIfAutoApprovalMatches() {
    Grant g = granted(guard.request(ask(OLGA, LOGS_READ).build()));
    Subject suspended = Subject.of("olga", "developers", "oncall", "suspended");
    assertThat(guard.request(ask(suspended, LOGS_READ).build()).reason())
        .as("a new request would be denied").isEqualTo(ReasonCode.EXPLICITLY_DENIED);

    OperationRefusedException e = refusal(() -> guard.extend(g.id(), suspended, Duration.ofMinutes(30), ""));

    assertThat(e.reason()).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(stored(g).expiresAt()).isEqualTo(g.expiresAt());
  }

  @Test
  void extendExpiredGrantThenRefusedGrantNotActive() {
    Grant g = approvedForAlice();
    t.clock().advance(Duration.ofMinutes(30));

    OperationRefusedException e = refusal(() -> guard.extend(g.id(), BOB, Duration.ofMinutes(10), ""));

    assertThat(e.reason()).isEqualTo(ReasonCode.GRANT_NOT_ACTIVE);
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
  }

  @Test
  void extendRevokedGrantThenRefusedGrantNotActive() {
    Grant g = approvedForAlice();
    guard.revoke(g.id(), ALICE, "");

    assertThat(refusal(() -> guard.extend(g.id(), BOB, Duration.ofMinutes(10), "")).reason())
        .isEqualTo(ReasonCode.GRANT_NOT_ACTIVE);
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
  }

  @Test
  void extendByUnrelatedSubjectOrAdministratorThenRefusedNotPermitted() {
    Grant g = approvedForAlice();

    assertThat(refusal(() -> guard.extend(g.id(), FRANK, Duration.ofMinutes(5), "")).reason())
        .isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(refusal(() -> guard.extend(g.id(), ERIN, Duration.ofMinutes(5), "")).reason())
        .isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(stored(g).expiresAt()).isEqualTo(g.expiresAt());
  }

  @Test
  void extendWithNonPositiveDurationThenInvalidInputNamingExtension() {
    Grant g = approvedForAlice();

    assertThat(invalid(() -> guard.extend(g.id(), BOB, Duration.ZERO, "")).field()).isEqualTo("extension");
    assertThat(invalid(() -> guard.extend(g.id(), BOB, Duration.ofMinutes(-5), "")).field()).isEqualTo("extension");
    assertThat(stored(g).expiresAt()).isEqualTo(g.expiresAt());
  }
}
