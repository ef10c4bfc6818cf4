package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier's verdicts case by case, including what it documents it cannot see. */
class AuditVerifierTest {
  static final KeyPair KEY = FileAuditSinkTest.KEY;
  static final Instant T0 = FileAuditSinkTest.T0;

  @TempDir
  Path dir;

  final MutableClock clock = new MutableClock(T0);
  final RandomEvents events = new RandomEvents(new Random(9), T0);

  Path log(String name, int events, int every) {
    Path file = dir.resolve(name);
    try (FileAuditSink sink = FileAuditSink.builder(file).withSigningKey(KEY).withCheckpointEvery(every)
        .withCheckpointFile(dir.resolve(name + ".checkpoints")).withClock(clock).withoutBackgroundHeartbeat()
        .build()) {
      for (int i = 0; i < events; i++) {
        clock.advance(Duration.ofSeconds(10));
        sink.record(this.events.next());
      }
    }
    return file;
  }

  AuditVerifier.Builder verifier() {
    return AuditVerifier.builder().withPublicKey(KEY.getPublic()).withClock(clock);
  }

  @Test
  void verifyWhenExpectedLogIdDiffersThenTampered() {
    Path file = log("audit.jsonl", 10, 5);

    assertThat(verifier().withLogId("audit").build().verify(file)).isInstanceOf(VerificationResult.Ok.class);
    assertThat(verifier().withLogId("payments").build().verify(file))
        .isInstanceOfSatisfying(VerificationResult.Tampered.class, t -> {
          assertThat(t.seq()).isEqualTo(6);
          assertThat(t.reason()).contains("\"audit\"", "\"payments\"");
        });
  }

  @Test
  void verifyWhenKeyHolderRewroteHistoryThenOkWithoutStateAndRollbackWithIt() throws Exception {
    Path file = log("audit.jsonl", 30, 10);
    VerifiedState state = verifier().build().verify(file).newState().orElseThrow();
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    lines.set(3, AuditJson.toLine(new AuditRecord.EventRecord(4, AuditJson.readRecord(lines.get(3)).prev(),
        AuditEvent.builder(AuditEventType.DENIED, T0).subject("alice").text("never happened").build())));
    Files.write(file, AuditVerifierPropertyTest.join(AuditVerifierPropertyTest.resignWith(KEY, lines, "audit")));

    // Documented limit: whoever holds the private key can rewrite and re-sign everything.
    assertThat(verifier().build().verify(file)).isInstanceOf(VerificationResult.Ok.class);
    assertThat(verifier().withRememberedState(state).build().verify(file))
        .isInstanceOfSatisfying(VerificationResult.Rollback.class,
            r -> assertThat(r.reason()).contains("record " + state.seq() + " differs"));
  }

  @Test
  void verifyWhenStateIsOfAnotherLogThenRollback() {
    Path file = log("audit.jsonl", 5, 5);
    VerifiedState other = new VerifiedState("payments", 1, "ab".repeat(32), T0);

    assertThat(verifier().withRememberedState(other).build().verify(file))
        .isInstanceOfSatisfying(VerificationResult.Rollback.class, r -> assertThat(r.reason()).contains("payments"));
  }

  @Test
  void verifyWhenStateIsOlderAndLogGrewThenOkAndNewStateAdvances() {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = FileAuditSink.builder(file).withSigningKey(KEY).withClock(clock)
        .withoutBackgroundHeartbeat().build()) {
      sink.record(events.next());
    }
    VerifiedState first = verifier().build().verify(file).newState().orElseThrow();
    try (FileAuditSink sink = FileAuditSink.builder(file).withSigningKey(KEY).withClock(clock)
        .withoutBackgroundHeartbeat().build()) {
      sink.record(events.next());
    }

    VerificationResult r = verifier().withRememberedState(first).build().verify(file);

    assertThat(r).isInstanceOf(VerificationResult.Ok.class);
    assertThat(r.newState()).hasValueSatisfying(s -> {
      assertThat(s.seq()).isEqualTo(4);
      assertThat(s.logId()).contains("audit");
    });
  }

  @Test
  void verifyWhenCheckpointFileIsOfTheLogThenOkAndWhenEditedThenTampered() throws Exception {
    Path file = log("audit.jsonl", 20, 5);
    Path checkpoints = dir.resolve("audit.jsonl.checkpoints");

    assertThat(verifier().withCheckpointFile(checkpoints).build().verify(file)).isInstanceOf(VerificationResult.Ok.class);

    String text = Files.readString(checkpoints);
    Files.writeString(checkpoints, text.replaceFirst("\"seq\":5", "\"seq\":6"));
    assertThat(verifier().withCheckpointFile(checkpoints).build().verify(file))
        .isInstanceOfSatisfying(VerificationResult.Tampered.class, t -> {
          assertThat(t.reason()).contains("signature is not valid");
          assertThat(t.location()).contains("checkpoints line 1");
        });
  }

  @Test
  void verifyWhenFirstFileMissingThenTamperedAtSeqOne() {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = FileAuditSink.builder(file).withSigningKey(KEY).withMaxFileSize(4096).withClock(clock)
        .withoutBackgroundHeartbeat().build()) {
      for (int i = 0; i < 40; i++) {
        sink.record(events.next());
      }
    }

    assertThat(verifier().build().verify(file)).isInstanceOfSatisfying(VerificationResult.Tampered.class, t -> {
      assertThat(t.seq()).isEqualTo(1);
      assertThat(t.reason()).contains("where seq 1 was expected");
    });
  }

  @Test
  void verifyWhenEmptyThenOkAndStaleWithAMaximumAge() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    Files.createFile(file);

    assertThat(verifier().build().verify(file)).isInstanceOfSatisfying(VerificationResult.Ok.class,
        ok -> assertThat(ok.summary().records()).isZero());
    assertThat(verifier().withMaxStaleness(Duration.ofMinutes(5)).build().verify(file))
        .isInstanceOf(VerificationResult.Stale.class);
  }

  /** Whatever an attacker puts into the log, the verdict is printable ASCII. */
  @Test
  void describeWhenLogHoldsRawTerminalEscapesThenPrintableAscii() throws Exception {
    Path file = log("audit.jsonl", 3, 2);
    Files.write(file, "\u001b[2J\u001b]0;pwned\u0007{\"v\":1}\n".getBytes(StandardCharsets.ISO_8859_1),
        StandardOpenOption.APPEND);

    VerificationResult r = verifier().build().verify(file);

    assertThat(r).isInstanceOf(VerificationResult.Tampered.class);
    for (String s : List.of(r.describe(), r.toJson())) {
      for (char c : s.toCharArray()) {
        assertThat(c >= 0x20 && c < 0x7f).as("U+%04X in %s", (int) c, s).isTrue();
      }
    }
  }

  @Test
  void toJsonWhenUnverifiedTailThenFieldsPresent() {
    Path file = dir.resolve("audit.jsonl");
    ChainedFileAuditSink sink = (ChainedFileAuditSink) FileAuditSink.builder(file).withSigningKey(KEY)
        .withCheckpointEvery(2).withClock(clock).withoutBackgroundHeartbeat().build();
    sink.record(AuditEvent.builder(AuditEventType.USED, T0).build());
    sink.record(AuditEvent.builder(AuditEventType.USED, T0).build());
    sink.record(AuditEvent.builder(AuditEventType.USED, T0.plusSeconds(1)).build());
    sink.abandon();
    clock.advance(Duration.ofMinutes(2));

    String json = verifier().build().verify(file).toJson();

    assertThat(json).contains("\"status\":\"UNVERIFIED_TAIL\"", "\"exit_code\":2", "\"unverified_records\":1",
        "\"first_unverified_seq\":4", "\"oldest_unverified\":\"2026-11-23T09:00:01Z\"", "\"age\":\"PT1M59S\"",
        "\"log\":\"audit\"");
  }

  @Test
  void buildWhenNoKeyOrNotEd25519ThenRefused() throws Exception {
    assertThatThrownBy(() -> AuditVerifier.builder().build()).hasMessageContaining("at least one public key");
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(1024);
    assertThatThrownBy(() -> AuditVerifier.builder().withPublicKey(rsa.generateKeyPair().getPublic()))
        .hasMessageContaining("Ed25519");
  }
}
