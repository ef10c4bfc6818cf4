package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.FRANK;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jitguard.event.AuditEventType;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link PrivilegeGuard#check} and {@link PrivilegeGuard#require}: grants, validity, time and budgets. */
class CheckAndExpiryTest {
  private static final Privilege OTHER = Privilege.of("db.prod.read");

  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .requireJustification(10)
          .maxDuration(Duration.ofHours(1))
          .defaultDuration(Duration.ofMinutes(30))
          .maxUses(10))
      .privilege("db.prod.read", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba"))
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

  private Grant approved(ElevationRequest.Builder request) {
    return granted(guard.approve(pendingId(guard.request(request.build())), BOB, "ok"));
  }

  private void at(Instant instant) {
    t.clock().set(instant);
  }

  // ------------------------------------------------------------------------------------------- before and after

  @Test
  void checkWithoutAnyRequestThenDeniedNoGrantWithHintHowToRequest() {
    Decision d = guard.check(ALICE, DB_WRITE);

    assertThat(d).isInstanceOf(Decision.Denied.class);
    assertThat(d.reason()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(d.privilege()).isEqualTo(DB_WRITE);
    assertThat(d.message()).contains("db.prod.write");
    assertThat(d.hint())
        .startsWith("Request an elevation for 'db.prod.write'")
        .contains("justification of at least 10 characters")
        .contains("PT1H")
        .contains("dba");
  }

  @Test
  void checkWhileRequestPendingThenDeniedNoGrant() {
    guard.request(ask(ALICE, DB_WRITE).build());

    Decision d = guard.check(ALICE, DB_WRITE);

    assertThat(d.reason()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(d.hint()).isNotBlank();
  }

  @Test
  void checkForPrivilegeWithoutRuleThenDeniedWithHintToAskAnAdministrator() {
    Decision d = guard.check(ALICE, Privilege.of("nothing.here"));

    assertThat(d.reason()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(d.hint()).contains("administrator");
  }

  @Test
  void checkAfterApprovalThenGrantedWithTheGrant() {
    Grant g = approved(ask(ALICE, DB_WRITE));

    Decision d = guard.check(ALICE, DB_WRITE);

    assertThat(d.isGranted()).isTrue();
    assertThat(d.reason()).isEqualTo(ReasonCode.GRANTED);
    assertThat(granted(d).id()).isEqualTo(g.id());
    assertThat(d.message()).contains("db.prod.write");
  }

  @Test
  void checkAfterApprovalWithOtherSpellingOfSubjectThenGranted() {
    approved(ask(ALICE, DB_WRITE));

    assertThat(guard.check(Subject.of("ALICE"), DB_WRITE).isGranted()).isTrue();
  }

  @Test
  void checkAfterApprovalForAnotherSubjectOrPrivilegeThenDenied() {
    approved(ask(ALICE, DB_WRITE));

    assertThat(guard.check(FRANK, DB_WRITE).reason()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(guard.check(ALICE, OTHER).reason()).isEqualTo(ReasonCode.NO_GRANT);
  }

  @Test
  void requireWhenNoGrantThenThrowsCarryingTheSameDecisionAsCheck() {
    Decision checked = guard.check(ALICE, DB_WRITE);

    ElevationRequiredException e = catchThrowableOfType(ElevationRequiredException.class,
        () -> guard.require(ALICE, DB_WRITE));

    assertThat(e).isNotNull();
    assertThat(e.decision()).isEqualTo(checked);
    assertThat(e.reason()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(e.privilege()).isEqualTo(DB_WRITE);
    assertThat(e.getMessage()).contains(checked.message()).contains(checked.hint());
  }

  @Test
  void requireWhenGrantedThenReturnsTheGrant() {
    Grant g = approved(ask(ALICE, DB_WRITE));

    assertThat(guard.require(ALICE, DB_WRITE).id()).isEqualTo(g.id());
  }

  @Test
  void requireWhenExpiredThenThrowsGrantExpiredWithHintToRequestAgain() {
    approved(ask(ALICE, DB_WRITE));
    t.clock().advance(Duration.ofMinutes(30));

    ElevationRequiredException e = catchThrowableOfType(ElevationRequiredException.class,
        () -> guard.require(ALICE, DB_WRITE));

    assertThat(e).isNotNull();
    assertThat(e.reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    assertThat(e.decision().hint()).contains("Request an elevation");
  }

  // ------------------------------------------------------------------------------------------- validity

  @Test
  void checkOneMillisecondBeforeExpiryThenGrantedAndAtExpiryThenDeniedGrantExpired() {
    Grant g = approved(ask(ALICE, DB_WRITE));
    assertThat(g.notBefore()).isEqualTo(start);
    assertThat(g.expiresAt()).isEqualTo(start.plus(Duration.ofMinutes(30)));

    at(g.expiresAt().minusMillis(1));
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();

    at(g.expiresAt());
    Decision d = guard.check(ALICE, DB_WRITE);
    assertThat(d.isGranted()).isFalse();
    assertThat(d.reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    assertThat(g.statusAt(g.expiresAt())).isEqualTo(GrantStatus.EXPIRED);
  }

  @Test
  void checkAtExpiryThenDeniedEvenWithoutMaintenance() {
    approved(ask(ALICE, DB_WRITE));
    t.clock().advance(Duration.ofMinutes(30));

    // no runMaintenance(): expiry is decided on every check, not by a sweeper
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    assertThat(guard.activeGrants(ALICE)).isEmpty();
  }

  @Test
  void approveTwentyMinutesAfterRequestThenGrantLastsFullDurationFromApproval() {
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    t.clock().advance(Duration.ofMinutes(20));
    Instant approvedAt = t.clock().instant();

    Grant g = granted(guard.approve(id, BOB, "ok"));

    assertThat(g.issuedAt()).isEqualTo(approvedAt);
    assertThat(g.notBefore()).isEqualTo(approvedAt);
    assertThat(g.expiresAt()).isEqualTo(approvedAt.plus(Duration.ofMinutes(30)));
    at(start.plus(Duration.ofMinutes(49)).plusSeconds(59).plusMillis(999));
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    at(start.plus(Duration.ofMinutes(50)));
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
  }

  @Test
  void checkBeforeScheduledStartThenNotYetActiveAndFromStartThenGranted() {
    Instant startAt = start.plus(Duration.ofHours(2));
    Grant g = approved(ask(ALICE, DB_WRITE).startAt(startAt));

    assertThat(g.notBefore()).isEqualTo(startAt);
    assertThat(g.expiresAt()).isEqualTo(startAt.plus(Duration.ofMinutes(30)));
    Decision before = guard.check(ALICE, DB_WRITE);
    assertThat(before.reason()).isEqualTo(ReasonCode.GRANT_NOT_YET_ACTIVE);
    assertThat(before.hint()).containsIgnoringCase("wait");
    assertThat(guard.activeGrants(ALICE)).extracting(Grant::id).containsExactly(g.id());

    at(startAt.minusMillis(1));
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_NOT_YET_ACTIVE);
    at(startAt);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    at(startAt.plus(Duration.ofMinutes(30)));
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
  }

  @Test
  void approveAfterScheduledStartPassedThenGrantStartsAtApprovalForFullDuration() {
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).startAt(start.plus(Duration.ofMinutes(10))).build()));
    t.clock().advance(Duration.ofMinutes(15));

    Grant g = granted(guard.approve(id, BOB, "ok"));

    assertThat(g.notBefore()).isEqualTo(start.plus(Duration.ofMinutes(15)));
    assertThat(g.expiresAt()).isEqualTo(start.plus(Duration.ofMinutes(45)));
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
  }

  @Test
  void clockMovedBackwardsAfterExpiryThenGrantNotRevived() {
    approved(ask(ALICE, DB_WRITE));
    t.clock().advance(Duration.ofMinutes(31));
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);

    at(start.plus(Duration.ofMinutes(10)));

    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    assertThat(guard.activeGrants(ALICE)).isEmpty();
  }

  @Test
  void clockMovedBackwardsAfterMaintenanceExpiredTheGrantThenGrantNotRevived() {
    approved(ask(ALICE, DB_WRITE));
    t.clock().advance(Duration.ofHours(2));
    guard.runMaintenance();

    at(start.plus(Duration.ofMinutes(1)));

    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
    assertThat(guard.activeGrants(ALICE)).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- budgets

  @Test
  void checkOnBudgetOfThreeUsesThenExactlyThreeGrantedThenConsumed() {
    Grant g = approved(ask(ALICE, DB_WRITE).uses(3));
    assertThat(g.isBudgeted()).isTrue();
    assertThat(g.usesLeft()).hasValue(3);

    for (int left = 2; left >= 0; left--) {
      Decision d = guard.check(ALICE, DB_WRITE);
      assertThat(d.isGranted()).isTrue();
      assertThat(granted(d).usesLeft()).hasValue(left);
    }
    Decision fourth = guard.check(ALICE, DB_WRITE);

    assertThat(fourth.isGranted()).isFalse();
    assertThat(fourth.reason()).isEqualTo(ReasonCode.GRANT_CONSUMED);
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_CONSUMED);
    Grant stored = t.store().findGrant(g.id()).orElseThrow();
    assertThat(stored.storedStatus()).isEqualTo(GrantStatus.CONSUMED);
    assertThat(stored.usesLeft()).hasValue(0);
    assertThat(guard.activeGrants(ALICE)).isEmpty();
    assertThat(t.audit().events(AuditEventType.USED)).hasSize(3);
    assertThat(t.audit().events(AuditEventType.CONSUMED)).hasSize(1);
  }

  @Test
  void checkOnBudgetAfterExpiryThenDeniedExpiredAndUsesNotTaken() {
    Grant g = approved(ask(ALICE, DB_WRITE).uses(3));
    t.clock().advance(Duration.ofMinutes(30));

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    assertThat(t.store().findGrant(g.id()).orElseThrow().usesLeft()).hasValue(3);
  }

  // ------------------------------------------------------------------------------------------- lists

  @Test
  void activeGrantsThenActiveAndScheduledOnesSoonestExpiryFirst() {
    Grant scheduled = approved(ask(ALICE, DB_WRITE).startAt(start.plus(Duration.ofHours(3))));
    Grant active = approved(ask(ALICE, OTHER).duration(Duration.ofMinutes(10)));
    approved(ask(Subject.of("amy", "developers"), DB_WRITE));

    assertThat(guard.activeGrants(ALICE)).extracting(Grant::id).containsExactly(active.id(), scheduled.id());

    t.clock().advance(Duration.ofMinutes(10));
    assertThat(guard.activeGrants(ALICE)).extracting(Grant::id).containsExactly(scheduled.id());
    assertThat(guard.activeGrants(FRANK)).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- closed

  @Test
  void checkAndRequestWhenGuardClosedThenDeniedGuardClosed() {
    approved(ask(ALICE, DB_WRITE));

    guard.close();

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GUARD_CLOSED);
    assertThat(guard.request(ask(Subject.of("amy", "developers"), DB_WRITE).build()).reason())
        .isEqualTo(ReasonCode.GUARD_CLOSED);
  }
}
