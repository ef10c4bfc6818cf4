package dev.jitguard.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.AuditSink;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 11, item 4, seen from the guard: while the audit file's disk is full the guard denies (nothing is used without
 * its record), and once there is room again it allows, with nobody touching the file or the sink.
 */
@Timeout(60)
class FullDiskGuardTest {
  static final Policy POLICY = Policy.builder().version("v1").privilege("db.prod.write", r -> r
      .eligibleGroups("developers").approverGroups("dba").approvals(1)).build();
  static final Subject ALICE = Subject.of("alice", "developers");
  static final Subject BOB = Subject.of("bob", "dba");
  static final Privilege DB_WRITE = Privilege.of("db.prod.write");

  @TempDir
  Path dir;

  final MutableClock clock = new MutableClock(FileAuditSinkTest.T0);
  final FillingDisk disk = new FillingDisk();

  @ParameterizedTest(name = "behind AsyncAuditSink: {0}")
  @ValueSource(booleans = {false, true})
  void guardWhenDiskFullThenDeniesAndAllowsAgainWhenSpaceReturnsWithoutAnOperator(boolean async) throws Exception {
    Path file = dir.resolve("audit.jsonl");
    FileAuditSink fileSink = FileAuditSink.builder(file).withSigningKey(FileAuditSinkTest.KEY).withClock(clock)
        .withoutBackgroundHeartbeat().withChannels(disk).build();
    AuditSink sink = async ? AsyncAuditSink.builder(fileSink).build() : fileSink;
    try (PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(POLICY).withAuditSink(sink)
        .withoutBackgroundMaintenance().build()) {
      Decision asked = guard.request(ElevationRequest.builder(ALICE, DB_WRITE)
          .justification("INC-42: repair the orders table").build());
      assertThat(guard.approve(((Decision.Pending) asked).request().id(), BOB, "ok"))
          .isInstanceOf(Decision.Granted.class);

      disk.fill(25);
      for (int i = 0; i < 3; i++) {
        assertThat(guard.check(ALICE, DB_WRITE)).as("check %d while the disk is full", i)
            .isInstanceOfSatisfying(Decision.Denied.class,
                d -> assertThat(d.reason()).isEqualTo(ReasonCode.AUDIT_FAILURE));
      }
      assertThat(disk.refusedWrites.get()).isPositive();

      disk.makeRoom();
      assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
      assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    }
    ((AutoCloseable) sink).close();

    List<AuditEvent> events = AuditLogReader.readEvents(file);
    assertThat(events).extracting(AuditEvent::type).contains(AuditEventType.TORN_TAIL_RECOVERED)
        .containsOnlyOnce(AuditEventType.USED);
    assertThat(events.stream().filter(e -> e.type() == AuditEventType.TORN_TAIL_RECOVERED))
        .allSatisfy(e -> assertThat(e.details()).containsKeys("bytes_removed", "sha256", "offset"));
    assertThat(AuditVerifier.builder().withPublicKey(FileAuditSinkTest.KEY.getPublic()).withClock(clock).build()
        .verify(file)).isInstanceOf(VerificationResult.Ok.class);
  }
}
