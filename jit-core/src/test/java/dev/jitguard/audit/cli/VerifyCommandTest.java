package dev.jitguard.audit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.audit.AuditKeys;
import dev.jitguard.audit.FileAuditSink;
import dev.jitguard.RequestId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, run in-process: exit codes, text and JSON output, state, timeline. */
class VerifyCommandTest {
  static final KeyPair KEY = AuditKeys.generate();
  static final Instant T0 = Instant.parse("2026-11-23T09:00:00Z");
  static final RequestId REQUEST = RequestId.of("5f1c0a9be2d4778112ab34cd56ef7890");

  @TempDir
  Path dir;

  Path log;
  Path checkpoints;
  Path publicKey;
  Clock clock = Clock.fixed(T0.plus(Duration.ofMinutes(10)), ZoneOffset.UTC);
  String out;
  String err;

  @BeforeEach
  void writeASignedLog() {
    log = dir.resolve("audit.jsonl");
    checkpoints = dir.resolve("checkpoints.jsonl");
    publicKey = dir.resolve("audit-key.pub.pem");
    AuditKeys.writePublicKey(KEY.getPublic(), publicKey);
    try (FileAuditSink sink = FileAuditSink.builder(log).withSigningKey(KEY).withCheckpointEvery(4)
        .withCheckpointFile(checkpoints).withClock(Clock.fixed(T0, ZoneOffset.UTC)).withoutBackgroundHeartbeat()
        .build()) {
      sink.record(AuditEvent.builder(AuditEventType.REQUESTED, T0).subject("alice").requestId(REQUEST)
          .actor("alice").text("INC-1\n\u001b[31mfake").build());
      sink.record(AuditEvent.builder(AuditEventType.APPROVED, T0.plusSeconds(60)).subject("alice")
          .requestId(REQUEST).actor("bob").build());
      for (int i = 0; i < 8; i++) {
        sink.record(AuditEvent.builder(AuditEventType.USED, T0.plusSeconds(120 + i)).subject("carol").build());
      }
    }
  }

  /** Appends unsigned records (a writer without the key), as a crash after the last checkpoint would leave. */
  void appendUnsigned(int n) {
    try (FileAuditSink sink = FileAuditSink.builder(log).withClock(Clock.fixed(T0, ZoneOffset.UTC)).build()) {
      for (int i = 0; i < n; i++) {
        sink.record(AuditEvent.builder(AuditEventType.USED, T0.plusSeconds(300 + i)).subject("dave").build());
      }
    }
  }

  int run(String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code = new VerifyCommand(new PrintStream(o, true, StandardCharsets.UTF_8),
        new PrintStream(e, true, StandardCharsets.UTF_8), clock).run(args);
    out = o.toString(StandardCharsets.UTF_8);
    err = e.toString(StandardCharsets.UTF_8);
    return code;
  }

  String[] args(String... extra) {
    List<String> a = new ArrayList<>(List.of("--log", log.toString(), "--public-key", publicKey.toString()));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  @Test
  void runWhenIntactThenExitZeroAndOk() {
    assertThat(run(args("--checkpoints", checkpoints.toString()))).isEqualTo(VerifyCommand.OK);
    assertThat(out).startsWith("OK: 13 records in 1 file (seq 1..13), 3 checkpoints; the last covers seq 12");
    assertThat(err).isEmpty();
  }

  @Test
  void runWhenAByteChangedThenExitOneAndTheSeq() throws Exception {
    byte[] b = Files.readAllBytes(log);
    int at = new String(b, StandardCharsets.US_ASCII).indexOf("\"bob\"") + 1;
    b[at] = 'r';
    Files.write(log, b);

    assertThat(run(args())).isEqualTo(VerifyCommand.TAMPERED);
    assertThat(out).startsWith("TAMPERED at seq 2 (" + log + " line 3): the prev of record 3 is not the hash of "
        + "record 2: record 2 was changed");
  }

  @Test
  void runWhenRecordsAfterTheLastCheckpointThenExitTwo() {
    appendUnsigned(3);

    assertThat(run(args())).isEqualTo(VerifyCommand.UNVERIFIED_TAIL);
    assertThat(out).contains("The last 3 records (seq 14..16, the oldest from 2026-11-23T09:05:00Z, PT5M ago)");
  }

  @Test
  void runWhenTailCutAfterAVerificationThenExitThreeFromTheState() throws Exception {
    Path state = dir.resolve("state.json");
    appendUnsigned(3);
    assertThat(run(args("--state", state.toString(), "--update-state"))).isEqualTo(VerifyCommand.UNVERIFIED_TAIL);
    assertThat(out).contains("State written to " + state + ": seq 16.");
    List<String> lines = Files.readAllLines(log);
    Files.write(log, lines.subList(0, lines.size() - 2));

    assertThat(run(args("--state", state.toString()))).isEqualTo(VerifyCommand.ROLLBACK);
    assertThat(out).startsWith("ROLLBACK: the log ends at seq 14, but seq 16 was verified on");
  }

  @Test
  void runWhenLastCheckpointTooOldThenExitFour() {
    assertThat(run(args("--max-staleness", "15m"))).isEqualTo(VerifyCommand.OK);
    assertThat(run(args("--max-staleness", "PT5M"))).isEqualTo(VerifyCommand.STALE);
    assertThat(out).startsWith("STALE:");
  }

  @Test
  void runWhenTruncatedBeforeTheLastCheckpointThenTheCheckpointFileShowsIt() throws Exception {
    List<String> lines = Files.readAllLines(log);
    Files.write(log, lines.subList(0, 5));

    assertThat(run(args())).isEqualTo(VerifyCommand.OK);   // documented limit without more evidence
    assertThat(run(args("--checkpoints", checkpoints.toString()))).isEqualTo(VerifyCommand.TAMPERED);
    assertThat(out).contains("were removed from the end of the log");
  }

  @Test
  void runWhenJsonThenOneAsciiObjectWithTheVerdict() {
    appendUnsigned(1);

    assertThat(run(args("--json", "--timeline", REQUEST.value()))).isEqualTo(VerifyCommand.UNVERIFIED_TAIL);
    assertThat(out.strip()).startsWith("{\"status\":\"UNVERIFIED_TAIL\",\"exit_code\":2,\"result\":{")
        .contains("\"unverified_records\":1", "\"timeline\":{\"v\":1,\"kind\":\"request\"",
            "\"text\":\"INC-1\\n\\u001B[31mfake\"")
        .endsWith("}");
    assertThat(out.strip().lines()).hasSize(1);
    assertThat(out.chars().allMatch(c -> c == '\n' || (c >= 0x20 && c < 0x7f))).isTrue();
  }

  @Test
  void runWhenTimelineThenPrintedEscapedAfterTheVerdict() {
    assertThat(run(args("--timeline", REQUEST.value()))).isEqualTo(VerifyCommand.OK);
    assertThat(out).contains("Timeline of request " + REQUEST.value() + " for \"alice\" (2 events)\n"
        + "2026-11-23T09:00:00Z  requested by \"alice\": \"INC-1\\n\\u001b[31mfake\"\n"
        + "2026-11-23T09:01:00Z  approved by \"bob\"\n");
  }

  /** Issue 11: a last line cut short by a full disk was exit code 1, TAMPERED, like an attack. */
  @Test
  void runWhenOnlyTheLastLineIsTornThenExitFiveAndNotTampered() throws Exception {
    Files.write(log, "{\"v\":1,\"seq\":14,\"pr".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);

    assertThat(run(args("--checkpoints", checkpoints.toString()))).isEqualTo(VerifyCommand.TORN_TAIL)
        .isEqualTo(5);
    assertThat(out).startsWith("TORN_TAIL: 13 records in 1 file (seq 1..13)").contains("line 14, 19 bytes) has "
        + "no line feed: a write was cut short (a full disk or a crash), and the records before it verify")
        .doesNotContain("TAMPERED");
    assertThat(run(args("--json"))).isEqualTo(VerifyCommand.TORN_TAIL);
    assertThat(out).startsWith("{\"status\":\"TORN_TAIL\",\"exit_code\":5,");

    Files.write(log, "x}\n".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
    assertThat(run(args())).as("the same bytes in the middle").isEqualTo(VerifyCommand.TAMPERED);
  }

  @Test
  void runWhenUsageWrongThenExit64() {
    assertThat(run()).isEqualTo(VerifyCommand.USAGE);
    assertThat(err).contains("--log FILE... is required");
    assertThat(run("--log")).isEqualTo(VerifyCommand.USAGE);
    assertThat(run("--log", log.toString())).isEqualTo(VerifyCommand.USAGE);
    assertThat(err).contains("--public-key");
    assertThat(run(args("--frobnicate"))).isEqualTo(VerifyCommand.USAGE);
    assertThat(err).contains("unknown argument \"--frobnicate\"");
    assertThat(run(args("--max-staleness", "soon"))).isEqualTo(VerifyCommand.USAGE);
    assertThat(run(args("--timeline", "x\u001b[31m"))).isEqualTo(VerifyCommand.USAGE);
    assertThat(err).contains("\"x\\u001b[31m\"");
    assertThat(run(args("--update-state"))).isEqualTo(VerifyCommand.USAGE);
    assertThat(run("--help")).isEqualTo(VerifyCommand.OK);
    assertThat(out).contains("Exit codes: 0 OK, 1 TAMPERED, 2 UNVERIFIED_TAIL, 3 ROLLBACK, 4 STALE, 5 TORN_TAIL")
        .contains("TORN_TAIL is a warning, not tampering");
  }

  @Test
  void runWhenInputUnreadableThenExit65() throws Exception {
    assertThat(run("--log", dir.resolve("missing.jsonl").toString(), "--public-key", publicKey.toString()))
        .isEqualTo(VerifyCommand.UNREADABLE);
    assertThat(err).contains("missing.jsonl");
    Path notAKey = Files.writeString(dir.resolve("key.pem"), "not a key");
    assertThat(run("--log", log.toString(), "--public-key", notAKey.toString())).isEqualTo(VerifyCommand.UNREADABLE);
    Path badState = Files.writeString(dir.resolve("state.json"), "{\"v\":1}");
    assertThat(run(args("--state", badState.toString()))).isEqualTo(VerifyCommand.UNREADABLE);
    assertThat(run(args("--state", dir.resolve("none.json").toString()))).isEqualTo(VerifyCommand.UNREADABLE);
    assertThat(err).contains("--update-state");
    assertThat(run(args("--checkpoints", dir.resolve("none.jsonl").toString()))).isEqualTo(VerifyCommand.UNREADABLE);
  }
}
