package dev.jitguard;

import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.minutes;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Extension within the policy cap (by the holder alone where the policy says extensions need no approval) and the
 * warning event before a grant expires.
 */
class ExtensionAndWarningTest {
  /** Holder may extend alone; warned 10 minutes before expiry. */
  private static final Privilege SELF_SERVICE = Privilege.of("db.prod.write");
  /** Extensions need an approver; no expiry warning. */
  private static final Privilege GATED = Privilege.of("db.prod.admin");

  private static final Subject ALICE = Subject.of("alice", "developers");
  private static final Subject BOB = Subject.of("bob", "dba");

  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .maxDuration(Duration.ofHours(2))
          .extensionRequiresApproval(false)
          .expiryWarning(Duration.ofMinutes(10)))
      .privilege("db.prod.admin", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .maxDuration(Duration.ofHours(2))
          .extensionRequiresApproval(true))
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

  /** A 30-minute grant approved by bob at {@link #start}. */
  private Grant approved(Privilege p) {
    RequestId id = pendingId(guard.request(ask(ALICE, p).duration(minutes(30)).build()));
    return granted(guard.approve(id, BOB, ""));
  }

  private Grant stored(Grant g) {
    return t.store().findGrant(g.id()).orElseThrow();
  }

  private List<AuditEvent> warnings() {
    return t.audit().events(AuditEventType.GRANT_EXPIRING);
  }

  private void at(Duration sinceStart) {
    t.clock().set(start.plus(sinceStart));
  }

  // ------------------------------------------------------------------------------------------- extension

  @Test
  void extendOwnGrantWhenExtensionNeedsNoApprovalThenExtendedWithinTheCap() {
    Grant g = approved(SELF_SERVICE);
    at(minutes(20));

    Grant extended = guard.extend(g.id(), ALICE, minutes(30), "migration is slow");

    assertThat(extended.expiresAt()).isEqualTo(start.plus(minutes(60)));
    assertThat(stored(g).expiresAt()).isEqualTo(start.plus(minutes(60)));
    AuditEvent e = t.audit().events(AuditEventType.EXTENDED).get(0);
    assertThat(e.actor()).contains("alice");
    assertThat(e.text()).contains("migration is slow");
    at(minutes(45));
    assertThat(guard.check(ALICE, SELF_SERVICE).isGranted()).isTrue();
    at(minutes(60));
    assertThat(guard.check(ALICE, SELF_SERVICE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
  }

  @Test
  void extendOwnGrantThenCapIsMeasuredFromTheGrantsStartNotFromNow() {
    Grant g = approved(SELF_SERVICE);
    at(minutes(25));

    // from now, 2 hours would reach start + 2h25m; from the start, the cap is start + 2h
    OperationRefusedException e = refusal(() -> guard.extend(g.id(), ALICE, minutes(91), ""));

    assertThat(e.reason()).isEqualTo(ReasonCode.EXTENSION_EXCEEDS_CAP);
    assertThat(stored(g).expiresAt()).isEqualTo(g.expiresAt());
    assertThat(t.audit().events(AuditEventType.EXTENDED)).isEmpty();

    Grant atCap = guard.extend(g.id(), ALICE, minutes(90), "");
    assertThat(atCap.expiresAt()).isEqualTo(start.plus(Duration.ofHours(2)));
    assertThat(refusal(() -> guard.extend(g.id(), ALICE, Duration.ofMillis(1), "")).reason())
        .isEqualTo(ReasonCode.EXTENSION_EXCEEDS_CAP);
  }

  @Test
  void extendOwnGrantWhenExtensionRequiresApprovalThenRefusedSelfApprovalAndApproverMayExtend() {
    Grant g = approved(GATED);

    OperationRefusedException e = refusal(() -> guard.extend(g.id(), ALICE, minutes(10), "please"));

    assertThat(e.reason()).isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(stored(g).expiresAt()).isEqualTo(g.expiresAt());
    assertThat(t.audit().events(AuditEventType.EXTENDED)).isEmpty();

    assertThat(guard.extend(g.id(), BOB, minutes(10), "ok").expiresAt()).isEqualTo(start.plus(minutes(40)));
  }

  @Test
  void extendOwnGrantWhenHolderNoLongerEligibleThenRefusedEvenWithoutApprovalNeeded() {
    Grant g = approved(SELF_SERVICE);
    Subject movedTeams = Subject.of("alice", "marketing");

    assertThat(refusal(() -> guard.extend(g.id(), movedTeams, minutes(10), "")).reason())
        .isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(stored(g).expiresAt()).isEqualTo(g.expiresAt());
  }

  @Test
  void extendSomeoneElsesGrantWhenExtensionNeedsNoApprovalThenStillRefusedNotPermitted() {
    Grant g = approved(SELF_SERVICE);

    assertThat(refusal(() -> guard.extend(g.id(), Subject.of("amy", "developers"), minutes(10), "")).reason())
        .isEqualTo(ReasonCode.NOT_PERMITTED);
  }

  // ------------------------------------------------------------------------------------------- expiry warning

  @Test
  void runMaintenanceWithinLeadTimeThenGrantExpiringOnceNotBeforeNotTwice() {
    Grant g = approved(SELF_SERVICE);

    at(minutes(20).minusMillis(1));
    guard.runMaintenance();
    assertThat(warnings()).as("not before the lead time").isEmpty();

    at(minutes(20));
    guard.runMaintenance();
    assertThat(warnings()).hasSize(1);
    AuditEvent w = warnings().get(0);
    assertThat(w.grantId()).contains(g.id());
    assertThat(w.subject()).contains("alice");
    assertThat(w.privilege()).contains(SELF_SERVICE);
    assertThat(w.details()).containsEntry("expires_at", g.expiresAt().toString())
        .containsEntry("left", minutes(10).toString());

    at(minutes(25));
    guard.runMaintenance();
    guard.runMaintenance();
    assertThat(warnings()).as("not twice").hasSize(1);

    at(minutes(30));
    guard.runMaintenance();
    assertThat(warnings()).hasSize(1);
    assertThat(t.audit().events(AuditEventType.GRANT_EXPIRED)).hasSize(1);
  }

  @Test
  void runMaintenanceWhenRuleHasNoExpiryWarningThenNoWarning() {
    approved(GATED);

    at(minutes(29));
    guard.runMaintenance();

    assertThat(warnings()).isEmpty();
  }

  @Test
  void runMaintenanceWhenGrantRevokedBeforeLeadTimeThenNoWarning() {
    Grant g = approved(SELF_SERVICE);
    guard.revoke(g.id(), ALICE, "done early");

    at(minutes(25));
    guard.runMaintenance();

    assertThat(warnings()).isEmpty();
  }

  @Test
  void runMaintenanceWhenGrantExtendedBeforeLeadTimeThenWarnedOnlyBeforeTheNewExpiry() {
    Grant g = approved(SELF_SERVICE);
    at(minutes(15));
    guard.extend(g.id(), ALICE, minutes(30), "");

    at(minutes(25));
    guard.runMaintenance();
    assertThat(warnings()).as("the old lead time no longer applies").isEmpty();

    at(minutes(50));
    guard.runMaintenance();
    assertThat(warnings()).singleElement().satisfies(w ->
        assertThat(w.details()).containsEntry("expires_at", start.plus(minutes(60)).toString()));
  }

  @Test
  void runMaintenanceWhenGrantExtendedAfterTheWarningThenWarnedAgainBeforeTheNewExpiry() {
    // the first warning announced an expiry that no longer happens; the grant must not then expire unannounced
    Grant g = approved(SELF_SERVICE);
    at(minutes(20));
    guard.runMaintenance();
    assertThat(warnings()).hasSize(1);

    at(minutes(22));
    guard.extend(g.id(), ALICE, minutes(30), "one more step");
    guard.runMaintenance();
    at(minutes(50).minusMillis(1));
    guard.runMaintenance();
    assertThat(warnings()).as("not before the new lead time").hasSize(1);

    at(minutes(50));
    guard.runMaintenance();
    guard.runMaintenance();

    assertThat(warnings()).hasSize(2);
    assertThat(warnings().get(1).details()).containsEntry("expires_at", start.plus(minutes(60)).toString());
  }
}
