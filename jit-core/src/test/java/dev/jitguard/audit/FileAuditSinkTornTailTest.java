package dev.jitguard.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.Privilege;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 4: a full disk left a torn last record in the audit file, and the sink refused to go on until an
 * operator moved the file. Now the sink cuts off what a failed write left (never a complete record), records the cut
 * in the chain, and goes on by itself once there is room; anything it did not write stays refused.
 */
class FileAuditSinkTornTailTest {
  @TempDir
  Path dir;

  final MutableClock clock = new MutableClock(FileAuditSinkTest.T0);
  final FillingDisk disk = new FillingDisk();
  int counter;

  Path file() {
    return dir.resolve("audit.jsonl");
  }

  FileAuditSink.Builder signed() {
    return FileAuditSink.builder(file()).withSigningKey(FileAuditSinkTest.KEY).withClock(clock)
        .withoutBackgroundHeartbeat();
  }

  FileAuditSink onDisk() {
    return signed().withChannels(disk).build();
  }

  AuditEvent event() {
    counter++;
    return AuditEvent.builder(AuditEventType.USED, clock.instant()).subject("alice")
        .privilege(Privilege.of("db.prod.write")).actor("alice").text("use " + counter).build();
  }

  AuditVerifier verifier() {
    return AuditVerifier.builder().withPublicKey(FileAuditSinkTest.KEY.getPublic()).withClock(clock).build();
  }

  byte[] bytes() throws IOException {
    return Files.readAllBytes(file());
  }

  List<AuditRecord> records() {
    return AuditLogReader.readRecords(List.of(file()));
  }

  List<AuditEvent> recoveries() {
    return AuditLogReader.readEvents(file()).stream()
        .filter(e -> e.type() == AuditEventType.TORN_TAIL_RECOVERED).toList();
  }

  /** The line the sink writes next for this event, after the file's last record. */
  String nextLine(AuditEvent e) throws Exception {
    List<String> lines = Files.readAllLines(file(), StandardCharsets.US_ASCII);
    String last = lines.get(lines.size() - 1);
    return AuditJson.toLine(new AuditRecord.EventRecord(AuditJson.readRecord(last).seq() + 1,
        FileAuditSinkTest.sha256(last), e));
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static byte[] tail(byte[] all, int from) {
    return Arrays.copyOfRange(all, from, all.length);
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void writeWhenDiskFillsMidRecordThenSinkFailsClosedAndRecoversWhenSpaceReturns() throws Exception {
    FileAuditSink sink = onDisk();
    for (int i = 0; i < 3; i++) {
      sink.record(event());
    }
    int good = bytes().length;

    disk.fill(40);
    assertThatThrownBy(() -> sink.record(event())).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("No space left on device").hasMessageContaining("repairs the end of the file");
    byte[] torn = tail(bytes(), good);
    assertThat(torn).hasSize(40).doesNotContain((byte) '\n');
    assertThat(verifier().verify(file())).isInstanceOfSatisfying(VerificationResult.TornTail.class, t -> {
      assertThat(t.bytes()).isEqualTo(40);
      assertThat(t.summary().lastSeq()).isEqualTo(3);
    });

    // Still full, again and again: the sink cuts the torn record, then the record of the cut does not fit either (its
    // torn start is cut the next time, not recorded again). Fail closed.
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> sink.record(event())).isInstanceOf(UncheckedIOException.class);
      assertThat(tail(bytes(), good)).hasSize(40).doesNotContain((byte) '\n');
    }

    disk.makeRoom();
    sink.record(event());

    assertThat(recoveries()).singleElement().satisfies(cut -> {
      assertThat(cut.details()).containsEntry("bytes_removed", "40").containsEntry("offset", String.valueOf(good))
          .containsEntry("sha256", sha256(torn)).containsEntry("found", "after_failed_write")
          .containsEntry("file", "audit.jsonl");
      assertThat(cut.actor()).contains("system");
    });
    // 3 events, the cut, the checkpoint that signs the repaired chain at once, the event after it
    List<AuditRecord> records = records();
    assertThat(records).hasSize(6);
    assertThat(records.get(4)).isInstanceOf(AuditRecord.CheckpointRecord.class);
    assertThat(((AuditRecord.EventRecord) records.get(5)).event().text()).contains("use 8");
    assertThat(sink.lastSeq()).isEqualTo(6);
    sink.close();
    assertThat(verifier().verify(file())).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void writeWhenDiskFillsInsideABatchThenCompleteRecordsStayAndOnlyThePartialOneIsCut() throws Exception {
    FileAuditSink sink = onDisk();
    sink.record(event());
    AuditEvent first = event();
    String firstLine = nextLine(first);
    int good = bytes().length;

    disk.fill(firstLine.length() + 1 + 10);
    assertThatThrownBy(() -> sink.recordAll(List.of(first, event(), event())))
        .isInstanceOf(UncheckedIOException.class);
    assertThat(bytes()).hasSize(good + firstLine.length() + 1 + 10);

    disk.makeRoom();
    sink.record(event());

    assertThat(recoveries()).singleElement().satisfies(c -> assertThat(c.details())
        .containsEntry("bytes_removed", "10").containsEntry("offset", String.valueOf(good + firstLine.length() + 1)));
    assertThat(AuditLogReader.readEvents(file())).extracting(e -> e.text().orElse(""))
        .containsExactly("use 1", "use 2", "", "use 5");
    sink.close();
    assertThat(verifier().verify(file())).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void writeWhenDiskFillsJustBeforeTheLineFeedThenTheRecordIsCompletedNotCut() throws Exception {
    FileAuditSink sink = onDisk();
    sink.record(event());
    AuditEvent second = event();
    String line = nextLine(second);

    disk.fill(line.length());
    assertThatThrownBy(() -> sink.record(second)).isInstanceOf(UncheckedIOException.class);
    assertThat(verifier().verify(file())).isInstanceOfSatisfying(VerificationResult.TornTail.class, t -> {
      assertThat(t.completeRecord()).isTrue();
      assertThat(t.summary().lastSeq()).isEqualTo(2);
    });

    disk.makeRoom();
    sink.record(event());

    assertThat(recoveries()).isEmpty();
    assertThat(AuditLogReader.readEvents(file())).extracting(e -> e.text().orElseThrow())
        .containsExactly("use 1", "use 2", "use 3");
    sink.close();
    assertThat(verifier().verify(file())).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void writeWhenForceFailsThenTheCallFailsAndTheNextGoesOnWithNothingCut() throws Exception {
    FileAuditSink sink = onDisk();
    sink.record(event());

    disk.failForce();
    assertThatThrownBy(() -> sink.record(event())).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("fsync");
    disk.makeRoom();
    sink.record(event());

    assertThat(recoveries()).isEmpty();
    // recorded but denied: the safe direction
    assertThat(AuditLogReader.readEvents(file())).hasSize(3);
    sink.close();
    assertThat(verifier().verify(file())).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void reopenWhenLastRecordIsTornThenTruncatedRecordedAndChainContinues() throws Exception {
    try (FileAuditSink sink = signed().build()) {
      sink.record(event());
      sink.record(event());
    }
    int good = bytes().length;
    byte[] torn = "{\"v\":1,\"seq\":4,\"type\":\"USED\",\"text\":\"cut short here".getBytes(StandardCharsets.US_ASCII);
    Files.write(file(), torn, StandardOpenOption.APPEND);
    assertThat(verifier().verify(file())).isInstanceOf(VerificationResult.TornTail.class);

    try (FileAuditSink sink = signed().build()) {
      assertThat(sink.lastSeq()).as("3 records and the record of the cut").isEqualTo(4);
      sink.record(event());
    }

    assertThat(recoveries()).singleElement().satisfies(c -> assertThat(c.details())
        .containsEntry("bytes_removed", String.valueOf(torn.length)).containsEntry("sha256", sha256(torn))
        .containsEntry("offset", String.valueOf(good)).containsEntry("found", "on_open"));
    assertThat(new String(bytes(), StandardCharsets.US_ASCII)).doesNotContain("cut short here").endsWith("\n");
    assertThat(verifier().verify(file())).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void reopenWhenTheWriterCrashedOnAFullDiskThenTheNextProcessCutsAndRecords() throws Exception {
    ChainedFileAuditSink crashed = (ChainedFileAuditSink) onDisk();
    crashed.record(event());
    disk.fill(25);
    assertThatThrownBy(() -> crashed.record(event())).isInstanceOf(UncheckedIOException.class);
    crashed.abandon();

    try (FileAuditSink sink = signed().build()) {
      sink.record(event());
    }

    assertThat(recoveries()).singleElement().satisfies(c -> assertThat(c.details())
        .containsEntry("bytes_removed", "25").containsEntry("found", "on_open"));
    assertThat(verifier().verify(file())).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void reopenWhenTornAndTheDiskStillFullThenOpensFailsClosedAndRecordsTheCutOnceThereIsRoom() throws Exception {
    try (FileAuditSink sink = signed().build()) {
      sink.record(event());
    }
    Files.write(file(), "{\"v\":1,\"seq\":3,\"pr".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
    disk.fill(0);

    FileAuditSink sink = onDisk();
    assertThatThrownBy(() -> sink.record(event())).isInstanceOf(UncheckedIOException.class);
    disk.makeRoom();
    sink.record(event());
    sink.close();

    // the cut on opening, once (its own record, torn while the disk was still full, is written again, not recorded)
    assertThat(recoveries()).singleElement().satisfies(c -> assertThat(c.details())
        .containsEntry("bytes_removed", "18").containsEntry("found", "on_open"));
    assertThat(verifier().verify(file())).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void openWhenTheLastLineIsNotWhatAFailedWriteLeavesThenRefusedAndFileUntouched() throws Exception {
    try (FileAuditSink sink = signed().build()) {
      sink.record(event());
    }
    byte[] clean = bytes();
    for (String end : List.of("{\"v\":1,\"seq\":3}", "{\"v\":1,\"seq\":3,\"x\":{}}garbage", "\"}" + "x".repeat(10))) {
      Files.write(file(), clean);
      Files.write(file(), end.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
      byte[] before = bytes();
      if (end.startsWith("{")) {
        assertThatThrownBy(() -> signed().build()).as(end).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("damaged end").hasMessageContaining("move it aside");
        assertThat(bytes()).isEqualTo(before);
        assertThat(verifier().verify(file())).as(end).isInstanceOf(VerificationResult.Tampered.class);
      } else {
        // no JSON object at all: what some file systems leave after a crash; torn, like a cut-short record
        signed().build().close();
        assertThat(recoveries()).hasSize(1);
      }
    }
  }

  @Test
  void openWhenAWholeRecordLacksOnlyItsLineFeedThenCompletedNotCut() throws Exception {
    try (FileAuditSink sink = signed().build()) {
      sink.record(event());
    }
    byte[] all = bytes();
    Files.write(file(), Arrays.copyOf(all, all.length - 1));

    try (FileAuditSink sink = signed().build()) {
      assertThat(sink.lastSeq()).isEqualTo(2);
    }
    assertThat(recoveries()).isEmpty();
    assertThat(verifier().verify(file())).isInstanceOf(VerificationResult.Ok.class);
  }

  @Test
  void writeWhenBytesAfterAFailedWriteAreNotTheSinksThenRefusedAndNothingCut() throws Exception {
    FileAuditSink sink = onDisk();
    sink.record(event());
    disk.fill(30);
    assertThatThrownBy(() -> sink.record(event())).isInstanceOf(UncheckedIOException.class);
    byte[] all = bytes();
    all[all.length - 5] ^= 1;
    Files.write(file(), all);

    disk.makeRoom();
    assertThatThrownBy(() -> sink.record(event())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not the ones the failed write was writing").hasMessageContaining("move it aside");
    assertThatThrownBy(() -> sink.record(event())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("accepts no more events");
    assertThat(bytes()).isEqualTo(all);
    sink.close();
  }

  @Test
  void writeWhenTheFileWasCutBelowTheGoodOffsetThenRefusedAndNothingCut() throws Exception {
    FileAuditSink sink = onDisk();
    sink.record(event());
    sink.record(event());
    disk.fill(30);
    assertThatThrownBy(() -> sink.record(event())).isInstanceOf(UncheckedIOException.class);
    byte[] all = bytes();
    Files.write(file(), Arrays.copyOf(all, 100));

    disk.makeRoom();
    assertThatThrownBy(() -> sink.record(event())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shorter than the");
    assertThat(bytes()).hasSize(100);
    sink.close();
  }
}
