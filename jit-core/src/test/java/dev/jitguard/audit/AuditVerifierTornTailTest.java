package dev.jitguard.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 4: a log whose only fault is a last line cut short by a full disk was reported TAMPERED, like an
 * attack. Now it is TORN_TAIL, a warning; everything else that fails verification stays TAMPERED (or ROLLBACK).
 */
class AuditVerifierTornTailTest {
  static final byte[] TORN = "{\"v\":1,\"seq\":14,\"prev\":\"9f8e".getBytes(StandardCharsets.US_ASCII);

  @TempDir
  Path dir;

  final MutableClock clock = new MutableClock(FileAuditSinkTest.T0);
  final RandomEvents events = new RandomEvents(new Random(11), FileAuditSinkTest.T0);
  Path file;
  Path checkpoints;

  /** 12 events with a checkpoint after every 4th: 15 records, the last a checkpoint. */
  Path log() {
    file = dir.resolve("audit.jsonl");
    checkpoints = dir.resolve("checkpoints.jsonl");
    try (FileAuditSink sink = FileAuditSink.builder(file).withSigningKey(FileAuditSinkTest.KEY).withCheckpointEvery(4)
        .withCheckpointFile(checkpoints).withClock(clock).withoutBackgroundHeartbeat().build()) {
      for (int i = 0; i < 12; i++) {
        clock.advance(Duration.ofSeconds(5));
        sink.record(events.next());
      }
    }
    return file;
  }

  AuditVerifier.Builder verifier() {
    return AuditVerifier.builder().withPublicKey(FileAuditSinkTest.KEY.getPublic()).withClock(clock);
  }

  VerificationResult verify() {
    return verifier().build().verify(file);
  }

  void append(byte[] b) throws IOException {
    Files.write(file, b, StandardOpenOption.APPEND);
  }

  List<String> lines() throws IOException {
    return new ArrayList<>(Files.readAllLines(file, StandardCharsets.US_ASCII));
  }

  void write(List<String> lines, byte[] end) throws IOException {
    Files.write(file, lines, StandardCharsets.US_ASCII);
    append(end);
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void verifyWhenOnlyTheLastLineIsTornThenTornTailNotTampered() throws Exception {
    log();
    assertThat(lines()).hasSize(15);
    append(TORN);

    VerificationResult r = verify();

    assertThat(r).isInstanceOfSatisfying(VerificationResult.TornTail.class, t -> {
      assertThat(t.bytes()).isEqualTo(TORN.length);
      assertThat(t.completeRecord()).isFalse();
      assertThat(t.location()).endsWith("audit.jsonl line 16");
      assertThat(t.summary().lastSeq()).isEqualTo(15);
      assertThat(t.summary().records()).isEqualTo(15);
      assertThat(t.unverifiedRecords()).isZero();
    });
    assertThat(r.status()).isEqualTo(VerificationResult.Status.TORN_TAIL);
    assertThat(r.status().exitCode()).isEqualTo(5);
    assertThat(r.describe()).startsWith("TORN_TAIL: 15 records in 1 file (seq 1..15)")
        .contains("line 16, " + TORN.length + " bytes) has no line feed: a write was cut short")
        .doesNotContain("TAMPERED");
    assertThat(r.newState()).hasValueSatisfying(s -> assertThat(s.seq()).isEqualTo(15));
    assertThat(verifier().withCheckpointFile(checkpoints).build().verify(file))
        .isInstanceOf(VerificationResult.TornTail.class);
  }

  @Test
  void verifyWhenTornAfterUnsignedRecordsThenTornTailCountsThem() {
    file = dir.resolve("audit.jsonl");
    ChainedFileAuditSink sink = (ChainedFileAuditSink) FileAuditSink.builder(file)
        .withSigningKey(FileAuditSinkTest.KEY).withCheckpointEvery(4).withClock(clock).withoutBackgroundHeartbeat()
        .build();
    for (int i = 0; i < 6; i++) {
      sink.record(events.next());
    }
    sink.abandon();
    try {
      append(TORN);
    } catch (IOException e) {
      throw new AssertionError(e);
    }

    assertThat(verify()).isInstanceOfSatisfying(VerificationResult.TornTail.class, t -> {
      assertThat(t.unverifiedRecords()).isEqualTo(2);
      assertThat(t.describe()).contains("the last 2 records are not covered by a checkpoint yet");
    });
  }

  @Test
  void verifyWhenTheLastRecordLacksOnlyItsLineFeedThenTornTailWithTheRecordCounted() throws Exception {
    log();
    byte[] all = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(all, all.length - 1));

    assertThat(verify()).isInstanceOfSatisfying(VerificationResult.TornTail.class, t -> {
      assertThat(t.completeRecord()).isTrue();
      assertThat(t.summary().lastSeq()).isEqualTo(15);
      assertThat(t.describe()).contains("is complete and verifies but has no line feed");
    });
  }

  @Test
  void verifyWhenACompleteRecordIsChangedThenStillTampered() throws Exception {
    log();
    List<String> lines = lines();
    String third = lines.get(2);
    int at = third.indexOf("\"time\":\"") + 10;
    lines.set(2, third.substring(0, at) + (third.charAt(at) == '1' ? '2' : '1') + third.substring(at + 1));

    write(lines, new byte[0]);
    assertThat(verify()).isInstanceOfSatisfying(VerificationResult.Tampered.class,
        t -> assertThat(t.seq()).isEqualTo(3));
    write(lines, TORN);
    assertThat(verify()).as("a torn tail does not hide the change").isInstanceOfSatisfying(
        VerificationResult.Tampered.class, t -> assertThat(t.seq()).isEqualTo(3));
  }

  @Test
  void verifyWhenTheUnterminatedLastRecordIsChangedThenTampered() throws Exception {
    log();
    List<String> lines = lines();
    String last = lines.remove(lines.size() - 1);
    int at = last.indexOf("\"sig\":\"") + 12;
    String changed = last.substring(0, at) + (last.charAt(at) == 'A' ? 'B' : 'A') + last.substring(at + 1);

    write(lines, changed.getBytes(StandardCharsets.US_ASCII));

    assertThat(verify()).isInstanceOf(VerificationResult.Tampered.class);
  }

  @Test
  void verifyWhenAMiddleRecordIsDeletedOrASignatureIsBadThenStillTamperedWithATornTail() throws Exception {
    log();
    List<String> original = lines();
    List<String> deleted = new ArrayList<>(original);
    deleted.remove(6);
    write(deleted, TORN);
    assertThat(verify()).isInstanceOf(VerificationResult.Tampered.class);

    List<String> badSignature = new ArrayList<>(original);
    String checkpoint = badSignature.get(4);
    int at = checkpoint.indexOf("\"sig\":\"") + 12;
    badSignature.set(4, checkpoint.substring(0, at) + (checkpoint.charAt(at) == 'A' ? 'B' : 'A')
        + checkpoint.substring(at + 1));
    write(badSignature, TORN);
    assertThat(verify()).isInstanceOfSatisfying(VerificationResult.Tampered.class,
        t -> assertThat(t.seq()).isEqualTo(5));
  }

  @Test
  void verifyWhenTheLastLineIsACompleteObjectWithBytesAfterItThenTampered() throws Exception {
    log();
    append("{\"v\":1,\"seq\":16}x".getBytes(StandardCharsets.US_ASCII));

    assertThat(verify()).isInstanceOfSatisfying(VerificationResult.Tampered.class, t -> {
      assertThat(t.seq()).isEqualTo(16);
      assertThat(t.reason()).contains("not what a failed write leaves");
    });
  }

  @Test
  void verifyWhenAFileOtherThanTheLastEndsInsideARecordThenTampered() throws Exception {
    log();
    List<String> lines = lines();
    byte[] first = (String.join("\n", lines.subList(0, 8)) + "\n" + lines.get(8).substring(0, 20))
        .getBytes(StandardCharsets.US_ASCII);
    byte[] second = (String.join("\n", lines.subList(9, lines.size())) + "\n").getBytes(StandardCharsets.US_ASCII);

    assertThat(verifier().build().verifyBytes(List.of(first, second)))
        .isInstanceOfSatisfying(VerificationResult.Tampered.class,
            t -> assertThat(t.reason()).contains("the log goes on in another file"));
  }

  @Test
  void verifyWhenTornAndTheCheckpointFileOrTheStateShowsACutThenTamperedOrRollback() throws Exception {
    log();
    VerifiedState state = verify().newState().orElseThrow();
    List<String> lines = lines();
    write(lines.subList(0, 10), lines.get(10).substring(0, 30).getBytes(StandardCharsets.US_ASCII));

    assertThat(verify()).isInstanceOf(VerificationResult.TornTail.class);
    assertThat(verifier().withCheckpointFile(checkpoints).build().verify(file))
        .isInstanceOf(VerificationResult.Tampered.class);
    assertThat(verifier().withRememberedState(state).build().verify(file))
        .isInstanceOf(VerificationResult.Rollback.class);
  }

  @Test
  void verifyWhenTornAndStaleThenTornTailFirst() throws Exception {
    log();
    append(TORN);
    clock.advance(Duration.ofHours(1));

    assertThat(verifier().withMaxStaleness(Duration.ofMinutes(5)).build().verify(file))
        .isInstanceOf(VerificationResult.TornTail.class);
  }

  @Test
  void toJsonWhenTornTailThenFieldsPresent() throws Exception {
    log();
    append(TORN);

    assertThat(verify().toJson()).contains("\"status\":\"TORN_TAIL\"", "\"exit_code\":5", "\"torn_bytes\":"
        + TORN.length, "\"complete_record\":false", "\"unverified_records\":0", "\"location\":\"");
  }
}
