package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The chained JSON Lines file sink: chain, checkpoints, heartbeat, rotation, resume, locking, concurrency. */
class FileAuditSinkTest {
  static final KeyPair KEY = AuditKeys.generate();
  static final Instant T0 = Instant.parse("2026-11-23T09:00:00Z");

  @TempDir
  Path dir;

  final MutableClock clock = new MutableClock(T0);
  final RandomEvents events = new RandomEvents(new Random(42), T0);

  FileAuditSink.Builder signed(Path file) {
    return FileAuditSink.builder(file).withSigningKey(KEY).withClock(clock).withoutBackgroundHeartbeat();
  }

  AuditVerifier verifier() {
    return AuditVerifier.builder().withPublicKey(KEY.getPublic()).withClock(clock).build();
  }

  static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.US_ASCII);
  }

  static String sha256(String line) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(line.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void recordThenEachLineLinksToTheHashOfThePreviousLine() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    List<AuditEvent> written = new ArrayList<>();
    try (FileAuditSink sink = FileAuditSink.builder(file).withClock(clock).build()) {
      for (int i = 0; i < 10; i++) {
        AuditEvent e = events.next();
        written.add(e);
        sink.record(e);
      }
      assertThat(sink.lastSeq()).isEqualTo(10);
    }

    List<String> lines = lines(file);
    assertThat(lines).hasSize(10);
    String prev = "0".repeat(64);
    for (int i = 0; i < lines.size(); i++) {
      AuditRecord r = AuditJson.readRecord(lines.get(i));
      assertThat(r.seq()).isEqualTo(i + 1);
      assertThat(r.prev()).isEqualTo(prev);
      prev = sha256(lines.get(i));
    }
    Events.assertSame(AuditLogReader.readEvents(file), written);
    assertThat(verifier().verify(file)).isInstanceOfSatisfying(VerificationResult.UnverifiedTail.class,
        u -> assertThat(u.records()).isEqualTo(10));
  }

  @Test
  void recordWhenCheckpointEveryFiveThenCheckpointAfterEachFifthRecord() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    FileAuditSink sink = signed(file).withCheckpointEvery(5).build();
    for (int i = 0; i < 12; i++) {
      sink.record(events.next());
    }

    List<AuditRecord> records = AuditLogReader.readRecords(List.of(file));
    assertThat(records).hasSize(14);
    assertThat(records.get(5)).isInstanceOfSatisfying(AuditRecord.CheckpointRecord.class, c -> {
      assertThat(c.checkpoint().seq()).isEqualTo(5);
      assertThat(c.checkpoint().hash()).isEqualTo(c.prev());
      assertThat(c.checkpoint().logId()).isEqualTo("audit");
      assertThat(c.checkpoint().keyId()).isEqualTo(AuditKeys.keyId(KEY.getPublic()));
      assertThat(c.checkpoint().verify(KEY.getPublic())).isTrue();
    });
    assertThat(records.get(11)).isInstanceOf(AuditRecord.CheckpointRecord.class);
    assertThat(verifier().verify(file)).isInstanceOfSatisfying(VerificationResult.UnverifiedTail.class, u -> {
      assertThat(u.records()).isEqualTo(2);
      assertThat(u.firstSeq()).isEqualTo(13);
    });

    sink.close();

    assertThat(AuditLogReader.readRecords(List.of(file))).hasSize(15).last()
        .isInstanceOf(AuditRecord.CheckpointRecord.class);
    assertThat(verifier().verify(file)).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void recordWhenCheckpointIntervalPassedThenCheckpointAfterIt() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = signed(file).withCheckpointInterval(Duration.ofSeconds(30)).build()) {
      sink.record(events.next());
      clock.advance(Duration.ofSeconds(29));
      sink.record(events.next());
      assertThat(AuditLogReader.readRecords(List.of(file))).hasSize(2);

      clock.advance(Duration.ofSeconds(1));
      sink.record(events.next());

      List<AuditRecord> records = AuditLogReader.readRecords(List.of(file));
      assertThat(records).hasSize(4).last().isInstanceOf(AuditRecord.CheckpointRecord.class);
      assertThat(sink.lastCheckpoint()).hasValueSatisfying(c -> {
        assertThat(c.seq()).isEqualTo(3);
        assertThat(c.time()).isEqualTo(T0.plusSeconds(30));
      });
    }
  }

  /** A quiet log still proves it is alive: the heartbeat signs the unchanged head every interval. */
  @Test
  void heartbeatWhenIdleThenCheckpointEveryIntervalAndStaleWithout() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = signed(file).withCheckpointInterval(Duration.ofMinutes(1)).build()) {
      sink.heartbeat();
      assertThat(Files.size(file)).isZero();

      clock.advance(Duration.ofMinutes(1));
      sink.heartbeat();
      clock.advance(Duration.ofSeconds(59));
      sink.heartbeat();

      List<AuditRecord> records = AuditLogReader.readRecords(List.of(file));
      assertThat(records).singleElement().isInstanceOfSatisfying(AuditRecord.CheckpointRecord.class, c -> {
        assertThat(c.checkpoint().seq()).isZero();
        assertThat(c.checkpoint().hash()).isEqualTo("0".repeat(64));
      });
      AuditVerifier fresh = AuditVerifier.builder().withPublicKey(KEY.getPublic()).withClock(clock)
          .withMaxStaleness(Duration.ofMinutes(2)).build();
      assertThat(fresh.verify(file)).isInstanceOf(VerificationResult.Ok.class);

      clock.advance(Duration.ofSeconds(1));
      sink.heartbeat();
      assertThat(AuditLogReader.readRecords(List.of(file))).hasSize(2);

      clock.advance(Duration.ofMinutes(3)); // the writer stops beating
      assertThat(fresh.verify(file)).isInstanceOfSatisfying(VerificationResult.Stale.class,
          s -> assertThat(s.age()).isEqualTo(Duration.ofMinutes(3)));
    }
  }

  @Test
  void checkpointWhenFileAndListenerConfiguredThenBothGetEveryCheckpoint() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    Path checkpoints = dir.resolve("checkpoints.jsonl");
    List<Checkpoint> heard = new ArrayList<>();
    try (FileAuditSink sink = signed(file).withCheckpointEvery(3).withCheckpointFile(checkpoints)
        .onCheckpoint(heard::add).build()) {
      for (int i = 0; i < 10; i++) {
        sink.record(events.next());
      }
    }

    List<Checkpoint> inLog = AuditLogReader.readRecords(List.of(file)).stream()
        .filter(r -> r instanceof AuditRecord.CheckpointRecord)
        .map(r -> ((AuditRecord.CheckpointRecord) r).checkpoint()).toList();
    assertThat(inLog).hasSize(4); // after 3, 6 and 9 events, and the final one on close
    assertThat(AuditLogReader.readCheckpoints(checkpoints)).isEqualTo(inLog);
    assertThat(heard).isEqualTo(inLog);
  }

  @Test
  void checkpointWhenListenerFailsThenRecordFailsButSinkStaysUsable() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    boolean[] fail = {true};
    try (FileAuditSink sink = signed(file).withCheckpointEvery(1).onCheckpoint(c -> {
      if (fail[0]) {
        throw new IllegalStateException("witness down");
      }
    }).build()) {
      assertThatThrownBy(() -> sink.record(events.next())).hasMessageContaining("checkpoint listener failed");
      fail[0] = false;
      sink.record(events.next());
    }
    assertThat(verifier().verify(file)).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void reopenWhenClosedCleanlyThenChainContinues() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = signed(file).build()) {
      for (int i = 0; i < 7; i++) {
        sink.record(events.next());
      }
    }
    try (FileAuditSink sink = signed(file).build()) {
      assertThat(sink.lastSeq()).isEqualTo(8); // 7 events and the final checkpoint
      assertThat(sink.lastCheckpoint()).hasValueSatisfying(c -> assertThat(c.seq()).isEqualTo(7));
      sink.record(events.next());
      assertThat(sink.lastSeq()).isEqualTo(9);
    }

    assertThat(verifier().verify(file)).isInstanceOfSatisfying(VerificationResult.Ok.class,
        ok -> assertThat(ok.summary().lastSeq()).isEqualTo(10));
  }

  @Test
  void reopenWhenWriterCrashedThenUnsignedTailIsSignedAtTheNextRecord() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    ChainedFileAuditSink crashed = (ChainedFileAuditSink) signed(file).build();
    for (int i = 0; i < 4; i++) {
      crashed.record(events.next());
    }
    crashed.abandon();
    assertThat(verifier().verify(file)).isInstanceOfSatisfying(VerificationResult.UnverifiedTail.class,
        u -> assertThat(u.records()).isEqualTo(4));

    try (FileAuditSink sink = signed(file).build()) {
      sink.record(events.next());
      assertThat(sink.lastCheckpoint()).hasValueSatisfying(c -> assertThat(c.seq()).isEqualTo(5));
    }
    assertThat(verifier().verify(file)).isInstanceOf(VerificationResult.Ok.class);
  }

  /** Until issue 11 this was refused until an operator moved the file; see FileAuditSinkTornTailTest. */
  @Test
  void openWhenLastRecordIncompleteThenTheTornPartIsCutAndTheCutRecorded() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = signed(file).build()) {
      sink.record(events.next());
    }
    byte[] before = Files.readAllBytes(file);
    Files.writeString(file, "{\"v\":1,\"seq\":3,", StandardOpenOption.APPEND);

    try (FileAuditSink sink = signed(file).build()) {
      assertThat(sink.lastSeq()).isEqualTo(3);
    }
    byte[] after = Files.readAllBytes(file);
    assertThat(java.util.Arrays.copyOf(after, before.length)).isEqualTo(before);
    assertThat(AuditJson.readRecord(lines(file).get(2))).isInstanceOfSatisfying(AuditRecord.EventRecord.class,
        r -> assertThat(r.event().type()).isEqualTo(AuditEventType.TORN_TAIL_RECOVERED));
    assertThat(verifier().verify(file)).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void openWhenLastRecordIsNotARecordThenRefused() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = signed(file).build()) {
      sink.record(events.next());
    }
    Files.writeString(file, "{\"v\":1,\"seq\":3,\"type\":\"GRANTED\"}\n", StandardOpenOption.APPEND);

    assertThatThrownBy(() -> signed(file).build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("damaged record");
  }

  @Test
  void openWhenLastRecordWasReformattedThenRefused() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = FileAuditSink.builder(file).withClock(clock).build()) {
      sink.record(events.next());
    }
    String line = lines(file).get(0);
    Files.writeString(file, line.replace(",\"type\"", ", \"type\"") + "\n");

    assertThatThrownBy(() -> signed(file).build()).hasMessageContaining("canonical");
  }

  @Test
  void openWhenAnotherWriterHoldsTheLogThenRefused() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink first = signed(file).build()) {
      assertThatThrownBy(() -> signed(file).build()).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("another writer");
      first.record(events.next());
    }
    try (FileAuditSink again = signed(file).build()) {
      again.record(events.next());
    }
    assertThat(verifier().verify(file)).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void rotateWhenFileFullThenChainRunsAcrossFilesAndEachFileEndsSigned() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    List<AuditEvent> written = new ArrayList<>();
    try (FileAuditSink sink = signed(file).withMaxFileSize(4096).build()) {
      for (int i = 0; i < 120; i++) {
        AuditEvent e = events.next();
        written.add(e);
        sink.record(e);
      }
    }

    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = new ArrayList<>(s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList());
    }
    assertThat(files.size()).isGreaterThan(3);
    assertThat(files.get(0).getFileName().toString()).isEqualTo("audit-000000000001.jsonl");
    for (Path f : files) {
      if (!f.equals(file)) {
        List<String> l = lines(f);
        assertThat(Files.size(f)).isLessThanOrEqualTo(4096 + 400);
        assertThat(AuditJson.readRecord(l.get(l.size() - 1))).isInstanceOf(AuditRecord.CheckpointRecord.class);
      }
    }
    Collections.shuffle(files, new Random(1));
    Events.assertSame(AuditLogReader.readEvents(files), written);
    assertThat(verifier().verify(files)).isInstanceOfSatisfying(VerificationResult.Ok.class,
        ok -> assertThat(ok.summary().files()).hasSameSizeAs(files));

    Path second = dir.resolve("audit-" + files.stream().map(p -> p.getFileName().toString())
        .filter(n -> n.matches("audit-\\d{12}\\.jsonl")).sorted().toList().get(1).substring(6));
    List<Path> withoutSecond = new ArrayList<>(files);
    withoutSecond.remove(second);
    assertThat(verifier().verify(withoutSecond)).isInstanceOf(VerificationResult.Tampered.class);
  }

  @Test
  void rotateWhenIntervalPassedThenNewFileLinkedToTheOld() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = signed(file).withRotationInterval(Duration.ofHours(1))
        .withCheckpointInterval(Duration.ofDays(1)).build()) {
      sink.record(events.next());
      clock.advance(Duration.ofMinutes(59));
      sink.record(events.next());
      clock.advance(Duration.ofMinutes(1));
      sink.record(events.next());          // rotates first: this record starts the new file
      clock.advance(Duration.ofHours(1));
      sink.heartbeat();                    // rotates by the heartbeat, without a new record
    }

    Path first = dir.resolve("audit-000000000001.jsonl");
    Path second = dir.resolve("audit-000000000004.jsonl");
    assertThat(lines(first)).hasSize(3);    // two events and the checkpoint before rotation
    assertThat(lines(second)).hasSize(2);   // one event and its checkpoint
    assertThat(lines(file)).isEmpty();
    assertThat(AuditJson.readRecord(lines(second).get(0)).prev()).isEqualTo(sha256(lines(first).get(2)));
    assertThat(verifier().verify(file, first, second)).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void reopenWhenActiveFileEmptyAfterRotationThenResumesFromTheLastRotatedFile() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = signed(file).withRotationInterval(Duration.ofHours(1))
        .withCheckpointInterval(Duration.ofDays(1)).build()) {
      sink.record(events.next());
      clock.advance(Duration.ofHours(1));
      sink.heartbeat();
    }
    try (FileAuditSink sink = signed(file).build()) {
      assertThat(sink.lastSeq()).isEqualTo(2);
      sink.record(events.next());
    }

    assertThat(verifier().verify(file, dir.resolve("audit-000000000001.jsonl")))
        .isInstanceOfSatisfying(VerificationResult.Ok.class, ok -> assertThat(ok.summary().lastSeq()).isEqualTo(4));
  }

  /** Eight threads at once: one chain, sequence numbers 1..N without a gap or a repeat, every event once. */
  @Test
  @Timeout(60)
  void recordWhenEightThreadsAtOnceThenOneGapFreeChain() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    int threads = 8;
    int perThread = 250;
    FileAuditSink sink = signed(file).withCheckpointEvery(100).build();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        go.await();
        for (int i = 0; i < perThread; i++) {
          sink.record(AuditEvent.builder(AuditEventType.USED, T0).subject("user-" + thread).text(thread + ":" + i)
              .build());
        }
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    sink.close();

    List<AuditRecord> records = AuditLogReader.readRecords(List.of(file));
    for (int i = 0; i < records.size(); i++) {
      assertThat(records.get(i).seq()).isEqualTo(i + 1);
    }
    Set<String> texts = ConcurrentHashMap.newKeySet();
    records.stream().filter(r -> r instanceof AuditRecord.EventRecord)
        .forEach(r -> assertThat(texts.add(((AuditRecord.EventRecord) r).event().text().orElseThrow())).isTrue());
    assertThat(texts).hasSize(threads * perThread);
    assertThat(verifier().verify(file)).isInstanceOf(VerificationResult.Ok.class);
  }

  /** The hostile texts: each line parses back to the text verbatim; the file stays one record per line, ASCII. */
  @Test
  void recordWhenHostileTextThenOneAsciiRecordPerLineAndTextVerbatim() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = signed(file).build()) {
      for (String hostile : RandomEvents.HOSTILE) {
        sink.record(AuditEvent.builder(AuditEventType.REQUESTED, T0).subject("mallory").text(hostile)
            .actor(hostile).detail("comment", hostile).build());
      }
    }

    byte[] bytes = Files.readAllBytes(file);
    for (byte b : bytes) {
      assertThat(b == '\n' || (b >= 0x20 && b < 0x7f)).as("byte 0x%02X", b).isTrue();
    }
    List<String> lines = lines(file);
    assertThat(lines).hasSize(RandomEvents.HOSTILE.size() + 1);
    for (int i = 0; i < RandomEvents.HOSTILE.size(); i++) {
      AuditEvent e = ((AuditRecord.EventRecord) AuditJson.readRecord(lines.get(i))).event();
      assertThat(e.text()).contains(RandomEvents.HOSTILE.get(i));
      assertThat(e.actor()).contains(RandomEvents.HOSTILE.get(i));
      assertThat(e.details()).containsEntry("comment", RandomEvents.HOSTILE.get(i));
    }
    assertThat(verifier().verify(file)).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void recordWhenEventCannotBeEncodedThenThatCallFailsAndTheSinkGoesOn() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = signed(file).build()) {
      sink.record(events.next());
      assertThatThrownBy(() -> sink.record(AuditEvent.builder(AuditEventType.USED, T0).detail("k\uD800", "v")
          .build())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not recorded");
      sink.record(events.next());
    }
    assertThat(verifier().verify(file)).isInstanceOfSatisfying(VerificationResult.Ok.class,
        ok -> assertThat(ok.summary().lastSeq()).isEqualTo(3));
  }

  @Test
  void recordWhenClosedThenThrows() {
    FileAuditSink sink = signed(dir.resolve("audit.jsonl")).build();
    sink.close();
    sink.close();

    assertThatThrownBy(() -> sink.record(events.next())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void recordWhenDurabilityWriteThenSameChain() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = signed(file).withDurability(FileAuditSink.Durability.WRITE).build()) {
      sink.recordAll(List.of(events.next(), events.next(), events.next()));
    }
    assertThat(verifier().verify(file)).isInstanceOfSatisfying(VerificationResult.Ok.class,
        ok -> assertThat(ok.summary().lastSeq()).isEqualTo(4));
  }

  @Test
  void buildWhenCheckpointOptionsWithoutKeyThenRefused() {
    assertThatThrownBy(() -> FileAuditSink.builder(dir.resolve("a.jsonl")).withCheckpointEvery(10).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("signing key");
    assertThatThrownBy(() -> FileAuditSink.builder(dir.resolve("a.jsonl")).withMaxFileSize(1))
        .hasMessageContaining("maxFileSize must be at least 4096 bytes, but was 1");
    assertThatThrownBy(() -> FileAuditSink.builder(dir.resolve("a.jsonl")).withLogId("x").withLogId("y"))
        .hasMessage("logId was already set to x");
    assertThatThrownBy(() -> FileAuditSink.builder(dir.resolve("a.jsonl")).withLogId("bad id\n"))
        .hasMessageContaining("logId must be");
    assertThatThrownBy(() -> FileAuditSink.builder(dir.resolve("a b.jsonl")).build())
        .hasMessageContaining("withLogId");
    KeyPair other = AuditKeys.generate();
    assertThatThrownBy(() -> FileAuditSink.builder(dir.resolve("a.jsonl"))
        .withSigningKey(new KeyPair(KEY.getPublic(), other.getPrivate())))
        .hasMessageContaining("belongs to its public key");
  }

  @Test
  void jsonLinesFactoryWritesAChainedLog() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (FileAuditSink sink = FileAuditSink.builder(file).build()) {
      sink.record(events.next());
    }
    assertThat(AuditLogReader.readEvents(file)).hasSize(1);
  }
}
