package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated logs, mutated the ways an attacker without the signing key can: every verdict is checked. 200 logs of
 * 20 to 200 events (fixed seed), checkpoints every 3 to 40 records, half of them ending with an unsigned tail (the
 * writer crashed), hostile user text in a quarter of the events.
 *
 * <p>Before the last checkpoint, every mutation is TAMPERED (or ROLLBACK against a remembered state): a changed byte,
 * a deleted, swapped or inserted record (also with every later seq and hash recomputed), a truncation (shown by the
 * checkpoint file or the remembered state), a rewrite signed with another key. After it, no mutation yields OK.
 */
class AuditVerifierPropertyTest {
  static final KeyPair KEY = AuditKeys.generate();
  static final KeyPair ATTACKER = AuditKeys.generate();
  static final Instant T0 = Instant.parse("2026-11-23T09:00:00Z");
  static final int LOGS = 200;

  /** One generated log. */
  record Log(int index, List<String> lines, int lastCheckpoint, List<Checkpoint> checkpointFile, Instant end) {
    byte[] bytes() {
      return join(lines);
    }

    int tail() {
      return lines.size() - 1 - lastCheckpoint;
    }

    /** Byte offset just after the last checkpoint's line feed. */
    int signedEnd() {
      int n = 0;
      for (int i = 0; i <= lastCheckpoint; i++) {
        n += lines.get(i).length() + 1;
      }
      return n;
    }
  }

  static final List<Log> LOGS_GENERATED = new ArrayList<>();

  @TempDir
  static Path dir;

  @BeforeAll
  static void generate() throws Exception {
    Random random = new Random(20261123);
    for (int i = 0; i < LOGS; i++) {
      LOGS_GENERATED.add(generate(random, i, 20 + random.nextInt(181)));
    }
  }

  static Log generate(Random random, int index, int events) throws Exception {
    Path file = dir.resolve("log" + index + ".jsonl");
    Path checkpoints = dir.resolve("log" + index + "-checkpoints.jsonl");
    MutableClock clock = new MutableClock(T0);
    RandomEvents gen = new RandomEvents(random, T0);
    int every = 3 + random.nextInt(Math.min(38, events / 2 - 2));
    boolean crash = random.nextBoolean();
    ChainedFileAuditSink sink = (ChainedFileAuditSink) FileAuditSink.builder(file).withLogId("log-" + index)
        .withSigningKey(KEY).withCheckpointEvery(every).withCheckpointInterval(Duration.ofDays(1))
        .withCheckpointFile(checkpoints).withDurability(FileAuditSink.Durability.WRITE).withClock(clock)
        .withoutBackgroundHeartbeat().build();
    for (int e = 0; e < events; e++) {
      clock.advance(Duration.ofSeconds(1 + random.nextInt(30)));
      sink.record(gen.next());
    }
    if (crash) {
      sink.abandon();
    } else {
      sink.close();
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
    int last = -1;
    for (int l = 0; l < lines.size(); l++) {
      if (AuditJson.readRecord(lines.get(l)) instanceof AuditRecord.CheckpointRecord) {
        last = l;
      }
    }
    return new Log(index, lines, last, AuditLogReader.readCheckpoints(checkpoints), clock.instant());
  }

  // ---------------------------------------------------------------------------------------------------------------

  static final Map<Log, AuditVerifier> VERIFIERS = new ConcurrentHashMap<>();
  static final Map<Log, AuditVerifier> WITH_CHECKPOINT_FILE = new ConcurrentHashMap<>();

  /** One verifier per log (it remembers valid signatures, so the many mutations of a log verify faster). */
  static AuditVerifier verifier(Log log) {
    return VERIFIERS.computeIfAbsent(log, l -> AuditVerifier.builder().withPublicKey(KEY.getPublic())
        .withClock(fixedAt(l.end())).build());
  }

  static AuditVerifier withCheckpointFile(Log log) {
    return WITH_CHECKPOINT_FILE.computeIfAbsent(log, l -> AuditVerifier.builder().withPublicKey(KEY.getPublic())
        .withClock(fixedAt(l.end())).withCheckpoints(l.checkpointFile()).build());
  }

  static AuditVerifier withState(Log log, VerifiedState state) {
    return AuditVerifier.builder().withPublicKey(KEY.getPublic()).withClock(fixedAt(log.end()))
        .withRememberedState(state).build();
  }

  static MutableClock fixedAt(Instant t) {
    return new MutableClock(t);
  }

  static VerificationResult verify(AuditVerifier v, byte[] log) {
    return v.verifyBytes(List.of(log));
  }

  static byte[] join(List<String> lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String l : lines) {
      out.writeBytes(l.getBytes(StandardCharsets.US_ASCII));
      out.write('\n');
    }
    return out.toByteArray();
  }

  /** What an attacker without the key does after an edit: renumber and re-hash every record (signatures stay). */
  static List<String> rechain(List<String> lines) throws Exception {
    List<String> out = new ArrayList<>();
    String prev = "0".repeat(64);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < lines.size(); i++) {
      AuditRecord r = AuditJson.readRecord(lines.get(i));
      AuditRecord fixed = r instanceof AuditRecord.EventRecord e
          ? new AuditRecord.EventRecord(i + 1, prev, e.event())
          : new AuditRecord.CheckpointRecord(i + 1, prev, ((AuditRecord.CheckpointRecord) r).checkpoint());
      String line = AuditJson.toLine(fixed);
      out.add(line);
      prev = HexFormat.of().formatHex(sha.digest(line.getBytes(StandardCharsets.US_ASCII)));
    }
    return out;
  }

  /** A whole new log signed with a key the verifier does not trust. */
  static List<String> resignWith(KeyPair key, List<String> lines, String logId) throws Exception {
    List<String> out = new ArrayList<>();
    String prev = "0".repeat(64);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < lines.size(); i++) {
      AuditRecord r = AuditJson.readRecord(lines.get(i));
      AuditRecord fixed;
      if (r instanceof AuditRecord.EventRecord e) {
        fixed = new AuditRecord.EventRecord(i + 1, prev, e.event());
      } else {
        Checkpoint c = ((AuditRecord.CheckpointRecord) r).checkpoint();
        fixed = new AuditRecord.CheckpointRecord(i + 1, prev, Checkpoint.sign(logId, i, prev, c.time(),
            key.getPrivate(), AuditKeys.keyId(key.getPublic())));
      }
      String line = AuditJson.toLine(fixed);
      out.add(line);
      prev = HexFormat.of().formatHex(sha.digest(line.getBytes(StandardCharsets.US_ASCII)));
    }
    return out;
  }

  static String forgedEvent() {
    return AuditJson.toLine(new AuditRecord.EventRecord(1, "0".repeat(64), AuditEvent.builder(AuditEventType.APPROVED,
        T0).subject("mallory").privilege(dev.jitguard.Privilege.of("db.prod.write")).actor("admin")
        .text("forged approval").build()));
  }

  /** Collects failures instead of stopping at the first, and counts the cases. */
  static final class Cases {
    final List<String> failures = new ArrayList<>();
    int count;

    void check(Log log, String mutation, VerificationResult r, Predicate<VerificationResult> expected, String what) {
      count++;
      if (!expected.test(r) && failures.size() < 20) {
        failures.add("log " + log.index() + " " + mutation + ": expected " + what + " but was " + r.describe());
      }
    }

    void done(int atLeast) {
      assertThat(failures).as("undetected mutations").isEmpty();
      assertThat(count).isGreaterThanOrEqualTo(atLeast);
    }
  }

  static boolean tampered(VerificationResult r) {
    return r instanceof VerificationResult.Tampered;
  }

  static boolean rollback(VerificationResult r) {
    return r instanceof VerificationResult.Rollback;
  }

  static boolean notOk(VerificationResult r) {
    return !(r instanceof VerificationResult.Ok);
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void verifyWhenUnchangedThenOkOrUnverifiedTailWithItsSizeAndAge() {
    Cases cases = new Cases();
    for (Log log : LOGS_GENERATED) {
      VerificationResult r = verify(verifier(log), log.bytes());
      if (log.tail() == 0) {
        cases.check(log, "none", r, x -> x instanceof VerificationResult.Ok, "OK");
      } else {
        AuditRecord first = AuditJson.readRecord(log.lines().get(log.lastCheckpoint() + 1));
        Instant oldest = ((AuditRecord.EventRecord) first).event().time();
        cases.check(log, "none", r, x -> x instanceof VerificationResult.UnverifiedTail u
            && u.records() == log.tail() && u.firstSeq() == log.lastCheckpoint() + 2
            && u.oldest().equals(oldest) && u.age().equals(Duration.between(oldest, log.end())),
            "UNVERIFIED_TAIL of " + log.tail());
      }
    }
    cases.done(LOGS);
    assertThat(LOGS_GENERATED.stream().filter(l -> l.tail() > 0).count()).isBetween(50L, 150L);
  }

  @Test
  void changeWhenAnyByteBeforeTheLastCheckpointThenTampered() {
    Random random = new Random(1);
    Cases cases = new Cases();
    for (Log log : LOGS_GENERATED) {
      byte[] original = log.bytes();
      for (int k = 0; k < 15; k++) {
        int at = random.nextInt(log.signedEnd());
        byte[] b = original.clone();
        b[at] = (byte) (b[at] ^ (1 + random.nextInt(255)));
        cases.check(log, "byte " + at, verify(verifier(log), b), AuditVerifierPropertyTest::tampered, "TAMPERED");
      }
    }
    cases.done(LOGS * 15);
  }

  /** Exhaustive on a small log: every byte position, before and after the last checkpoint. */
  @Test
  void changeWhenEveryByteOfASmallLogThenNeverOkAndTamperedBeforeTheLastCheckpoint() throws Exception {
    Log log;
    Random random = new Random(2);
    do {
      log = generate(random, 1000 + random.nextInt(1000), 20);
    } while (log.tail() == 0);
    Cases cases = new Cases();
    byte[] original = log.bytes();
    for (int at = 0; at < original.length; at++) {
      for (int k = 0; k < 1; k++) {
        byte[] b = original.clone();
        b[at] = (byte) (b[at] ^ (1 + random.nextInt(255)));
        VerificationResult r = verify(verifier(log), b);
        if (at < log.signedEnd()) {
          cases.check(log, "byte " + at, r, AuditVerifierPropertyTest::tampered, "TAMPERED");
        } else {
          cases.check(log, "tail byte " + at, r, AuditVerifierPropertyTest::notOk, "not OK");
        }
      }
    }
    cases.done(original.length);
  }

  @Test
  void deleteWhenAnyRecordBeforeTheLastCheckpointThenTamperedEvenWithRecomputedHashes() throws Exception {
    Random random = new Random(3);
    Cases cases = new Cases();
    for (Log log : LOGS_GENERATED) {
      for (int k = 0; k < 3; k++) {
        int at = random.nextInt(log.lastCheckpoint() + (log.tail() > 0 ? 1 : 0));
        List<String> lines = new ArrayList<>(log.lines());
        lines.remove(at);
        cases.check(log, "delete " + at, verify(verifier(log), join(lines)), AuditVerifierPropertyTest::tampered,
            "TAMPERED");
        int before = random.nextInt(log.lastCheckpoint());
        List<String> rehashed = new ArrayList<>(log.lines());
        rehashed.remove(before);
        cases.check(log, "delete+rehash " + before, verify(verifier(log), join(rechain(rehashed))),
            AuditVerifierPropertyTest::tampered, "TAMPERED");
      }
      // Deleting the last checkpoint itself and re-hashing what follows leaves a valid, less signed chain; the
      // checkpoint file still holds that checkpoint, and the log must hold it right after the record it signs.
      if (log.tail() > 0) {
        List<String> lines = new ArrayList<>(log.lines());
        lines.remove(log.lastCheckpoint());
        cases.check(log, "delete last checkpoint+rehash", verify(withCheckpointFile(log), join(rechain(lines))),
            AuditVerifierPropertyTest::tampered, "TAMPERED");
      }
    }
    cases.done(LOGS * 6);
  }

  @Test
  void swapWhenTwoRecordsBeforeTheLastCheckpointThenTamperedEvenWithRecomputedHashes() throws Exception {
    Random random = new Random(4);
    Cases cases = new Cases();
    for (Log log : LOGS_GENERATED) {
      for (int k = 0; k < 3; k++) {
        int i = random.nextInt(log.lastCheckpoint());
        int j = i + 1 + random.nextInt(log.lastCheckpoint() - i);
        List<String> lines = new ArrayList<>(log.lines());
        lines.set(i, log.lines().get(j));
        lines.set(j, log.lines().get(i));
        cases.check(log, "swap " + i + "," + j, verify(verifier(log), join(lines)),
            AuditVerifierPropertyTest::tampered, "TAMPERED");
        cases.check(log, "swap+rehash " + i + "," + j, verify(verifier(log), join(rechain(lines))),
            AuditVerifierPropertyTest::tampered, "TAMPERED");
      }
    }
    cases.done(LOGS * 6);
  }

  @Test
  void insertWhenForgedRecordBeforeTheLastCheckpointThenTamperedEvenWithRecomputedHashes() throws Exception {
    Random random = new Random(5);
    Cases cases = new Cases();
    String forged = forgedEvent();
    for (Log log : LOGS_GENERATED) {
      for (int k = 0; k < 3; k++) {
        int at = random.nextInt(log.lastCheckpoint() + 1);
        List<String> lines = new ArrayList<>(log.lines());
        lines.add(at, forged);
        cases.check(log, "insert " + at, verify(verifier(log), join(lines)), AuditVerifierPropertyTest::tampered,
            "TAMPERED");
        cases.check(log, "insert+rehash " + at, verify(verifier(log), join(rechain(lines))),
            AuditVerifierPropertyTest::tampered, "TAMPERED");
        // A copy of a real record (a replay) rather than a forged one.
        List<String> replay = new ArrayList<>(log.lines());
        replay.add(at, log.lines().get(random.nextInt(log.lines().size())));
        cases.check(log, "replay+rehash " + at, verify(verifier(log), join(rechain(replay))),
            AuditVerifierPropertyTest::tampered, "TAMPERED");
      }
    }
    cases.done(LOGS * 9);
  }

  /**
   * Cutting the log before its last checkpoint removes that checkpoint too, and the shorter log is a valid chain:
   * the checkpoint file (second destination) or the remembered state shows the cut. A cut inside a line is always
   * seen: without them as TORN_TAIL (a full disk leaves the same), with them as TAMPERED and ROLLBACK.
   */
  @Test
  void truncateWhenBeforeTheLastCheckpointThenTamperedByCheckpointFileAndRollbackByState() {
    Random random = new Random(6);
    Cases cases = new Cases();
    for (Log log : LOGS_GENERATED) {
      VerifiedState state = verify(verifier(log), log.bytes()).newState().orElseThrow();
      for (int k = 0; k < 3; k++) {
        int keep = random.nextInt(log.lastCheckpoint() + 1);
        byte[] cut = join(log.lines().subList(0, keep));
        cases.check(log, "cut to " + keep + " lines", verify(withCheckpointFile(log), cut),
            AuditVerifierPropertyTest::tampered, "TAMPERED");
        cases.check(log, "cut to " + keep + " lines", verify(withState(log, state), cut),
            AuditVerifierPropertyTest::rollback, "ROLLBACK");
        int bytes = random.nextInt(log.bytes().length);
        byte[] mid = java.util.Arrays.copyOf(log.bytes(), bytes);
        if (bytes > 0 && mid[bytes - 1] != '\n') {
          // Until issue 11 this was TAMPERED, indistinguishable from an attack; it is what a full disk leaves.
          int lastLine = bytes;
          while (lastLine > 0 && mid[lastLine - 1] != '\n') {
            lastLine--;
          }
          int torn = bytes - lastLine;
          boolean onlyTheLineFeed = bytes == log.bytes().length - 1;
          cases.check(log, "cut at byte " + bytes, verify(verifier(log), mid),
              r -> r instanceof VerificationResult.TornTail t && t.bytes() == torn, "TORN_TAIL of " + torn + " bytes");
          cases.check(log, "cut at byte " + bytes, verify(withCheckpointFile(log), mid),
              bytes < log.signedEnd() - 1 ? AuditVerifierPropertyTest::tampered
                  : r -> r instanceof VerificationResult.TornTail, "TAMPERED before the last checkpoint");
          cases.check(log, "cut at byte " + bytes, verify(withState(log, state), mid),
              onlyTheLineFeed ? r -> r instanceof VerificationResult.TornTail t && t.completeRecord()
                  : AuditVerifierPropertyTest::rollback, "ROLLBACK");
        }
      }
    }
    cases.done(LOGS * 6);
  }

  /** After the last checkpoint: nothing yields OK, and the remembered state turns every cut into ROLLBACK. */
  @Test
  void mutateWhenAfterTheLastCheckpointThenNeverOkAndCutIsRollbackWithState() {
    Random random = new Random(7);
    Cases cases = new Cases();
    for (Log log : LOGS_GENERATED) {
      if (log.tail() == 0) {
        continue;
      }
      byte[] original = log.bytes();
      for (int k = 0; k < 5; k++) {
        int at = log.signedEnd() + random.nextInt(original.length - log.signedEnd());
        byte[] b = original.clone();
        b[at] = (byte) (b[at] ^ (1 + random.nextInt(255)));
        cases.check(log, "tail byte " + at, verify(verifier(log), b), AuditVerifierPropertyTest::notOk, "not OK");
      }
      VerifiedState state = verify(verifier(log), original).newState().orElseThrow();
      int keep = log.lastCheckpoint() + 1 + random.nextInt(log.tail());
      byte[] cut = join(log.lines().subList(0, keep));
      cases.check(log, "tail cut to " + keep, verify(withState(log, state), cut), AuditVerifierPropertyTest::rollback,
          "ROLLBACK");
      // Without the state, that cut is invisible: documented limit (an unverified tail, shorter, or OK).
      cases.check(log, "tail cut to " + keep + " without state", verify(verifier(log), cut),
          r -> keep == log.lastCheckpoint() + 1 ? r instanceof VerificationResult.Ok
              : r instanceof VerificationResult.UnverifiedTail u && u.records() == keep - log.lastCheckpoint() - 1,
          "the shorter log, not detected");
    }
    cases.done(50 * 7);
  }

  /** A complete rewrite, chained and signed with a key the verifier does not trust. */
  @Test
  void rewriteWhenSignedWithAnotherKeyThenTampered() throws Exception {
    Cases cases = new Cases();
    for (Log log : LOGS_GENERATED) {
      List<String> lines = new ArrayList<>(log.lines());
      lines.add(0, forgedEvent());
      cases.check(log, "rewrite", verify(verifier(log), join(resignWith(ATTACKER, lines, "log-" + log.index()))),
          r -> tampered(r) && ((VerificationResult.Tampered) r).reason().contains("not among the verifier's keys"),
          "TAMPERED (unknown key)");
    }
    cases.done(LOGS);
  }
}
