package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.policy.Policy;
import dev.jitguard.policy.ReloadingPolicy;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.test.TestClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy change reaches what is in flight: approvals and extensions are decided under the policy in force, and
 * live grants the new policy no longer allows end when the reload returns, each recorded with the version that ended
 * it. Grants the change does not touch live on.
 */
class PolicyChangeTest {
  private static final Subject CAROL = Subject.of("carol", "developers");
  private static final Privilege LOGS_READ = Privilege.of("logs.read");

  @TempDir
  Path dir;

  private ReloadingPolicy policy;
  private PrivilegeGuard guard;
  private final InMemoryAuditSink audit = new InMemoryAuditSink();
  private final GrantStore store = GrantStore.inMemory();
  private final TestClock clock = TestClock.create();

  @AfterEach
  void tearDown() {
    if (guard != null) {
      guard.close();
    }
    if (policy != null) {
      policy.close();
    }
  }

  /** A policy for db.prod.write (developers, approved by dba) and logs.read (developers, automatic). */
  private static String document(String version, String dbEligible, String dbDeny, boolean withLogs) {
    return """
        version: "%s"
        policies:
          db.prod.write:
            eligible: { %s }
            deny: { subjects: [%s] }
            maxDuration: PT2H
            approval: { groups: [dba] }
        """.formatted(version, dbEligible, dbDeny) + (withLogs ? """
          logs.read:
            eligible: { groups: [developers] }
            autoApprove: [{ always: true }]
        """ : "");
  }

  private void write(String content) throws IOException {
    Path tmp = dir.resolve("policy.yaml.tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, dir.resolve("policy.yaml"), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private void start(String content) throws IOException {
    write(content);
    policy = ReloadingPolicy.builder(dir.resolve("policy.yaml")).build();
    guard = PrivilegeGuard.builder().withPolicy(policy).withGrantStore(store).withAuditSink(audit)
        .withClock(clock).withoutBackgroundMaintenance().build();
  }

  private String reload(String content) throws IOException {
    write(content);
    assertThat(policy.reload()).isInstanceOf(ReloadingPolicy.ReloadResult.Loaded.class);
    return policy.version();
  }

  private Grant grantFor(Subject s) {
    return granted(guard.approve(pendingId(guard.request(ask(s, DB_WRITE).build())), BOB, "ok"));
  }

  @Test
  void reloadThatDeniesTheRequesterThenTheirPendingRequestCannotBeApproved() throws IOException {
    start(document("v1", "groups: [developers]", "", false));
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    reload(document("v2", "groups: [developers]", "alice", false));

    OperationRefusedException e = refusal(() -> guard.approve(id, BOB, "ok"));

    assertThat(e.reason()).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(store.findRequest(id).orElseThrow().status()).isEqualTo(RequestStatus.PENDING);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
  }

  @Test
  void reloadThatNoLongerListsTheRequesterThenTheirPendingRequestCannotBeApproved() throws IOException {
    start(document("v1", "groups: [developers]", "", false));
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    reload(document("v2", "subjects: [carol]", "", false));

    assertThat(refusal(() -> guard.approve(id, BOB, "ok")).reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(guard.deny(id, BOB, "no longer eligible").status()).isEqualTo(RequestStatus.DENIED);
  }

  @Test
  void reloadThatDeniesTheHolderThenTheirGrantEndsWhenTheReloadReturnsRecordedWithTheNewVersion() throws IOException {
    start(document("v1", "groups: [developers]", "", false));
    Grant alices = grantFor(ALICE);
    Grant carols = grantFor(CAROL);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();

    String v2 = reload(document("v2", "groups: [developers]", "alice", false));

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(guard.check(CAROL, DB_WRITE).isGranted()).as("carol is still allowed").isTrue();
    assertThat(store.findGrant(alices.id()).orElseThrow().storedStatus()).isEqualTo(GrantStatus.REVOKED);
    assertThat(store.findGrant(carols.id()).orElseThrow().storedStatus()).isEqualTo(GrantStatus.ACTIVE);
    AuditEvent revoked = audit.events(AuditEventType.REVOKED).get(0);
    assertThat(revoked.grantId()).contains(alices.id());
    assertThat(revoked.actor()).contains("policy");
    assertThat(revoked.policyVersion()).contains(v2);
    assertThat(revoked.details()).containsEntry("ended_by", "policy_change");
  }

  @Test
  void reloadThatNoLongerListsTheHolderThenTheirGrantEnds() throws IOException {
    start(document("v1", "groups: [developers]", "", false));
    grantFor(ALICE);
    grantFor(CAROL);

    reload(document("v2", "subjects: [carol]", "", false));

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(guard.check(CAROL, DB_WRITE).isGranted()).isTrue();
  }

  @Test
  void reloadThatRemovesThePrivilegesRuleThenItsGrantsEnd() throws IOException {
    start(document("v1", "groups: [developers]", "", true));
    granted(guard.request(ask(ALICE, LOGS_READ).build()));
    assertThat(guard.check(ALICE, LOGS_READ).isGranted()).isTrue();

    reload(document("v2", "groups: [developers]", "", false));

    assertThat(guard.check(ALICE, LOGS_READ).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
  }

  @Test
  void reloadThatChangesNothingAboutTheHolderThenTheirGrantLivesOn() throws IOException {
    start(document("v1", "groups: [developers]", "", false));
    Grant g = grantFor(ALICE);

    reload(document("v2", "groups: [developers]", "", true));   // another privilege was added

    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    assertThat(store.findGrant(g.id()).orElseThrow().storedStatus()).isEqualTo(GrantStatus.ACTIVE);
    assertThat(audit.events(AuditEventType.REVOKED)).isEmpty();
  }

  @Test
  void reloadThatDeniesTheHolderThenAnApproverCannotExtendTheirGrant() throws IOException {
    start(document("v1", "groups: [developers]", "", false));
    Grant g = grantFor(ALICE);
    reload(document("v2", "groups: [developers]", "alice", false));

    assertThat(refusal(() -> guard.extend(g.id(), BOB, Duration.ofMinutes(10), "more")).reason())
        .isEqualTo(ReasonCode.EXPLICITLY_DENIED);
  }

  @Test
  void policyThatDeniesTheHolderWithoutEndingTheGrantThenApproverExtensionIsRefused() {
    // A policy that changes without announcing it: its grants end at the next maintenance run, and until then no
    // approver may extend them.
    SwitchingPolicy switchable = new SwitchingPolicy(Policy.builder().version("allow")
        .privilege("db.prod.write", r -> r.eligibleGroups("developers").approverGroups("dba")
            .maxDuration(Duration.ofHours(2)))
        .build());
    guard = PrivilegeGuard.builder().withPolicy(switchable).withGrantStore(store).withAuditSink(audit)
        .withClock(clock).withoutBackgroundMaintenance().build();
    Grant g = grantFor(ALICE);
    switchable.switchTo(Policy.builder().version("deny-alice")
        .privilege("db.prod.write", r -> r.eligibleGroups("developers").denySubjects("alice").approverGroups("dba")
            .maxDuration(Duration.ofHours(2)))
        .build());

    assertThat(refusal(() -> guard.extend(g.id(), BOB, Duration.ofMinutes(10), "more")).reason())
        .isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).as("until maintenance applies the change").isTrue();

    guard.runMaintenance();

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(audit.events(AuditEventType.REVOKED)).singleElement()
        .satisfies(e -> assertThat(e.policyVersion()).contains("deny-alice"));
  }

  @Test
  void guardStartingOnGrantsIssuedUnderAnOlderPolicyThenTheNewPolicyIsAppliedToThem() throws IOException {
    start(document("v1", "groups: [developers]", "", false));
    grantFor(ALICE);
    grantFor(CAROL);
    guard.close();
    policy.close();

    write(document("v2", "groups: [developers]", "alice", false));
    policy = ReloadingPolicy.builder(dir.resolve("policy.yaml")).build();
    guard = PrivilegeGuard.builder().withPolicy(policy).withGrantStore(store).withAuditSink(audit)
        .withClock(clock).withoutBackgroundMaintenance().build();

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(guard.check(CAROL, DB_WRITE).isGranted()).isTrue();
  }


}
