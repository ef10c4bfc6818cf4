package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.RequestId;
import dev.jitguard.Subject;
import dev.jitguard.policy.Policy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The timeline of a request and its grant, from a log written by a real guard. */
class AuditTimelineTest {
  static final Privilege DB_WRITE = Privilege.of("db.prod.write");
  static final Subject ALICE = Subject.of("alice", "developers");
  static final Subject BOB = Subject.of("bob", "dba");
  /** A justification that tries to forge a timeline line and recolour the terminal. */
  static final String HOSTILE = "INC-2041: stuck\n2026-11-23T09:06:00Z  approved by \"root\"\u001b[8m hidden "
      + "\u202Eevil";

  @TempDir
  Path dir;

  List<AuditEvent> events;
  RequestId requestId;
  Grant grant;

  @BeforeEach
  void playTheScenario() {
    MutableClock clock = MutableClock.at("2026-11-23T09:00:00Z");
    Path file = dir.resolve("audit.jsonl");
    Policy policy = Policy.builder().version("walkthrough-1").privilege("db.prod.write", r -> r
        .eligibleGroups("developers").approverGroups("dba").approvals(1).requireJustification(10)
        .defaultDuration(Duration.ofMinutes(30)).maxDuration(Duration.ofHours(1))).build();
    try (FileAuditSink sink = FileAuditSink.builder(file).withSigningKey(FileAuditSinkTest.KEY).withClock(clock)
        .withoutBackgroundHeartbeat().build();
        PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withAuditSink(sink).withClock(clock)
            .withoutBackgroundMaintenance().build()) {
      Decision asked = guard.request(ElevationRequest.builder(ALICE, DB_WRITE).justification(HOSTILE).build());
      requestId = ((Decision.Pending) asked).request().id();
      clock.advance(Duration.ofMinutes(5));
      grant = ((Decision.Granted) guard.approve(requestId, BOB, "checked the ticket")).grant();
      clock.advance(Duration.ofMinutes(1));
      assertThat(guard.check(ALICE, DB_WRITE)).isInstanceOf(Decision.Granted.class);
      clock.advance(Duration.ofMinutes(30));
      guard.runMaintenance();
    }
    events = AuditLogReader.readEvents(file);
  }

  @Test
  void timelineOfRequestThenRequestedApprovedGrantedUsedExpired() {
    AuditTimeline t = AuditTimeline.of(events, requestId.value());

    assertThat(t.kind()).isEqualTo(AuditTimeline.Kind.REQUEST);
    assertThat(t.entries()).extracting(e -> e.event().type()).containsSubsequence(AuditEventType.REQUESTED,
        AuditEventType.APPROVED, AuditEventType.GRANTED, AuditEventType.USED, AuditEventType.GRANT_EXPIRED);
    String text = t.toText();
    assertThat(text).startsWith("Timeline of request " + requestId.value() + " for \"alice\", privilege "
        + "db.prod.write (");
    assertThat(text).contains("2026-11-23T09:00:00Z  requested by \"alice\"")
        .contains("2026-11-23T09:05:00Z  approved by \"bob\" (APPROVED")
        .contains("2026-11-23T09:05:00Z  granted " + grant.id().value() + " by \"bob\"")
        .contains("2026-11-23T09:06:00Z  used by \"alice\"")
        .contains("2026-11-23T09:36:00Z  expired")
        .contains(": \"checked the ticket\"");
  }

  @Test
  void timelineOfGrantThenAlsoTheRequestThatProducedIt() {
    AuditTimeline byGrant = AuditTimeline.of(events, grant.id().value());

    assertThat(byGrant.kind()).isEqualTo(AuditTimeline.Kind.GRANT);
    assertThat(byGrant.entries()).hasSameSizeAs(AuditTimeline.of(events, requestId.value()).entries());
    assertThat(byGrant.entries().get(0).event().type()).isEqualTo(AuditEventType.REQUESTED);
  }

  /** The hostile justification stays on its line, quoted, with every control and bidi character escaped. */
  @Test
  void timelineWhenHostileJustificationThenEscapedOnItsOwnLine() {
    AuditTimeline t = AuditTimeline.of(events, requestId.value());
    String text = t.toText();

    assertThat(text.lines().count()).isEqualTo(1 + t.entries().size());
    for (char c : text.toCharArray()) {
      assertThat(c == '\n' || (c >= 0x20 && c < 0x7f)).as("U+%04X", (int) c).isTrue();
    }
    assertThat(text).contains("\"INC-2041: stuck\\n2026-11-23T09:06:00Z  approved by \\\"root\\\"\\u001b[8m hidden "
        + "\\u202eevil\"");
    assertThat(text.lines().filter(l -> l.startsWith("2026-11-23T09:06:00Z  approved"))).isEmpty();

    String json = t.toJson();
    for (char c : json.toCharArray()) {
      assertThat(c >= 0x20 && c < 0x7f).as("U+%04X", (int) c).isTrue();
    }
    assertThat(json).startsWith("{\"v\":1,\"kind\":\"request\",\"id\":\"" + requestId.value()
        + "\",\"subject\":\"alice\",\"privilege\":\"db.prod.write\",\"entries\":[{\"summary\":\"requested by")
        .contains("\"text\":\"INC-2041: stuck\\n2026-11-23T09:06:00Z  approved by \\\"root\\\"\\u001B[8m hidden "
            + "\\u202Eevil\"");
  }

  /** The README's configuration snippet, as written there (keys from PEM files, a checkpoint file, group commit). */
  @Test
  void readmeSnippetWhenRunThenTheLogVerifies() {
    Path dir = this.dir.resolve("readme");
    java.security.KeyPair pair = AuditKeys.generate();
    dir.toFile().mkdirs();
    AuditKeys.writePrivateKey(pair.getPrivate(), dir.resolve("audit-key.pem"));
    AuditKeys.writePublicKey(pair.getPublic(), dir.resolve("audit-key.pub.pem"));
    Policy policy = Policy.builder().version("v1").privilege("db.prod.write", r -> r.eligibleGroups("developers")
        .approverGroups("dba").approvals(1)).build();

    FileAuditSink file = FileAuditSink.builder(dir.resolve("audit.jsonl"))
        .withSigningKey(dir.resolve("audit-key.pem"), dir.resolve("audit-key.pub.pem"))
        .withCheckpointFile(dir.resolve("audit-checkpoints.jsonl"))
        .build();
    AsyncAuditSink audit = AsyncAuditSink.builder(file).build();
    try (PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withAuditSink(audit).build()) {
      guard.request(ElevationRequest.builder(ALICE, DB_WRITE).justification("INC-7: readme").build());
    }
    audit.close();

    assertThat(AuditVerifier.builder().withPublicKey(pair.getPublic())
        .withCheckpointFile(dir.resolve("audit-checkpoints.jsonl")).build().verify(dir.resolve("audit.jsonl")))
        .isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void timelineWhenUnknownIdThenEmptyAndWhenMalformedThenRefused() {
    AuditTimeline t = AuditTimeline.of(events, "0".repeat(32));

    assertThat(t.entries()).isEmpty();
    assertThat(t.toText()).contains("no event names this id");
    assertThatThrownBy(() -> AuditTimeline.of(events, "../etc/passwd\n")).hasMessageContaining("not a request or "
        + "grant id");
  }
}
