package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The event schema: what is written, that it reads back equal, and that reading is strict. */
class AuditJsonTest {
  private static final Instant T0 = Instant.parse("2026-11-23T09:05:00.123Z");
  private static final String ZEROS = "0".repeat(64);

  static AuditEvent approved() {
    return AuditEvent.builder(AuditEventType.APPROVED, T0)
        .subject("alice")
        .privilege(Privilege.of("db.prod.write"))
        .requestId(RequestId.of("5f1c0a9be2d4778112ab34cd56ef7890"))
        .grantId(GrantId.of("9a0e6b1c2d3e4f5061728394a5b6c7d8"))
        .actor("bob")
        .reason(ReasonCode.APPROVED)
        .policyVersion("2026-11-01.3")
        .detail("approvals", "1/1")
        .detail("duration", Duration.ofMinutes(30))
        .text("INC-2041: order 4711 stuck in PAYING")
        .build();
  }

  /** The example line of docs/audit.md, produced by the code. */
  @Test
  void writeWhenEveryFieldThenDocumentedLine() {
    String line = AuditJson.toLine(new AuditRecord.EventRecord(42, "3b1f" + "0".repeat(60), approved()));

    assertThat(line).isEqualTo("{\"v\":1,\"seq\":42,\"prev\":\"3b1f" + "0".repeat(60) + "\",\"type\":\"APPROVED\","
        + "\"time\":\"2026-11-23T09:05:00.123Z\",\"subject\":\"alice\",\"privilege\":\"db.prod.write\","
        + "\"request\":\"5f1c0a9be2d4778112ab34cd56ef7890\",\"grant\":\"9a0e6b1c2d3e4f5061728394a5b6c7d8\","
        + "\"actor\":\"bob\",\"reason\":\"APPROVED\",\"policy\":\"2026-11-01.3\","
        + "\"details\":{\"approvals\":\"1/1\",\"duration\":\"PT30M\"},"
        + "\"text\":\"INC-2041: order 4711 stuck in PAYING\"}");
  }

  @Test
  void readWhenWrittenThenEveryFieldEqual() {
    AuditEvent e = approved();

    AuditRecord r = AuditJson.readRecord(AuditJson.toLine(new AuditRecord.EventRecord(7, ZEROS, e)));

    assertThat(r).isInstanceOfSatisfying(AuditRecord.EventRecord.class, er -> {
      assertThat(er.seq()).isEqualTo(7);
      assertThat(er.prev()).isEqualTo(ZEROS);
      Events.assertSame(er.event(), e);
    });
    Events.assertSame(AuditJson.readEvent(AuditJson.toJson(e)), e);
  }

  @Test
  void writeWhenOnlyRequiredFieldsThenMinimalLine() {
    AuditEvent e = AuditEvent.builder(AuditEventType.GRANT_EXPIRED, Instant.parse("2026-11-23T09:35:00Z")).build();

    assertThat(AuditJson.toJson(e)).isEqualTo("{\"v\":1,\"type\":\"GRANT_EXPIRED\",\"time\":\"2026-11-23T09:35:00Z\"}");
    Events.assertSame(AuditJson.readEvent(AuditJson.toJson(e)), e);
  }

  @Test
  void writeWhenSummaryThenCountKept() {
    AuditEvent e = AuditEvent.builder(AuditEventType.USES, T0).count(1_234_567L).build();

    assertThat(AuditJson.toJson(e)).contains("\"count\":1234567");
    assertThat(AuditJson.readEvent(AuditJson.toJson(e)).count()).isEqualTo(1_234_567L);
  }

  @Test
  void writeWhenActionApprovalThenActionAndDigestInDetails() {
    AuditEvent e = AuditEvent.builder(AuditEventType.APPROVED, T0).detail("action", "Orders.refund(OrderId,Money)")
        .detail("argument_digest", "sha256:" + "ab".repeat(32)).build();

    assertThat(AuditJson.toJson(e)).contains("\"details\":{\"action\":\"Orders.refund(OrderId,Money)\","
        + "\"argument_digest\":\"sha256:" + "ab".repeat(32) + "\"}");
  }

  /** Each hostile text: one line, printable ASCII only, and it reads back verbatim. */
  @Test
  void writeWhenHostileTextThenOneAsciiLineAndVerbatimBack() {
    for (String hostile : RandomEvents.HOSTILE) {
      AuditEvent.Builder b = AuditEvent.builder(AuditEventType.REQUESTED, T0).subject("mallory").text(hostile)
          .actor(hostile).detail("condition", hostile);
      if (!hostile.contains("lone surrogate")) {
        b.detail(hostile, "key");
      }
      AuditEvent e = b.build();

      String line = AuditJson.toLine(new AuditRecord.EventRecord(1, ZEROS, e));

      assertThat(line).as("hostile %s", line).doesNotContain("\n", "\r");
      for (char c : line.toCharArray()) {
        assertThat(c >= 0x20 && c < 0x7f).as("printable ASCII: U+%04X in %s", (int) c, line).isTrue();
      }
      AuditEvent back = ((AuditRecord.EventRecord) AuditJson.readRecord(line)).event();
      assertThat(back.text()).contains(hostile);
      Events.assertSame(back, e);
    }
  }

  /** JSON readers refuse escaped lone surrogates in names, so such a key is refused when writing, not when reading. */
  @Test
  void writeWhenDetailKeyHasLoneSurrogateThenRefused() {
    AuditEvent e = AuditEvent.builder(AuditEventType.REQUESTED, T0).detail("k\uD800", "v").build();

    assertThatThrownBy(() -> AuditJson.toJson(e)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
  }

  @Test
  void writeWhenControlsAndNonAsciiThenUnicodeEscapes() {
    AuditEvent e = AuditEvent.builder(AuditEventType.REQUESTED, T0).text("\u001b[31m \u202E \u007f \u00fc \n").build();

    assertThat(AuditJson.toJson(e)).contains("\"text\":\"\\u001B[31m \\u202E \\u007F \\u00FC \\n\"");
  }

  @Test
  void readWhenUnknownFieldThenRejected() {
    assertThatThrownBy(() -> AuditJson.readEvent("{\"v\":1,\"type\":\"USED\",\"time\":\"2026-01-01T00:00:00Z\","
        + "\"@class\":\"java.lang.Runtime\"}"))
        .isInstanceOf(AuditFormatException.class).hasMessageContaining("unknown field \"@class\"");
  }

  @Test
  void readWhenDuplicateFieldThenRejected() {
    assertThatThrownBy(() -> AuditJson.readEvent("{\"v\":1,\"type\":\"USED\",\"type\":\"GRANTED\","
        + "\"time\":\"2026-01-01T00:00:00Z\"}"))
        .isInstanceOf(AuditFormatException.class).hasMessageContaining("Duplicate");
  }

  @Test
  void readWhenWrongVersionThenRejected() {
    assertThatThrownBy(() -> AuditJson.readEvent("{\"v\":2,\"type\":\"USED\",\"time\":\"2026-01-01T00:00:00Z\"}"))
        .isInstanceOf(AuditFormatException.class).hasMessageContaining("version 2");
    assertThatThrownBy(() -> AuditJson.readEvent("{\"type\":\"USED\",\"time\":\"2026-01-01T00:00:00Z\"}"))
        .isInstanceOf(AuditFormatException.class).hasMessageContaining("\"v\"");
  }

  @Test
  void readWhenWrongTypesThenRejectedNamingTheField() {
    String base = "{\"v\":1,\"type\":\"USED\",\"time\":\"2026-01-01T00:00:00Z\",";
    assertThatThrownBy(() -> AuditJson.readEvent(base + "\"count\":\"5\"}")).hasMessageContaining("\"count\"");
    assertThatThrownBy(() -> AuditJson.readEvent(base + "\"count\":1.5}")).hasMessageContaining("\"count\"");
    assertThatThrownBy(() -> AuditJson.readEvent(base + "\"subject\":null}")).hasMessageContaining("\"subject\"");
    assertThatThrownBy(() -> AuditJson.readEvent(base + "\"subject\":[\"a\"]}")).hasMessageContaining("\"subject\"");
    assertThatThrownBy(() -> AuditJson.readEvent(base + "\"details\":{\"a\":1}}")).hasMessageContaining("detail");
    assertThatThrownBy(() -> AuditJson.readEvent(base + "\"privilege\":\"DB.Write\"}"))
        .hasMessageContaining("\"privilege\"");
    assertThatThrownBy(() -> AuditJson.readEvent(base + "\"request\":\"42\"}")).hasMessageContaining("\"request\"");
    assertThatThrownBy(() -> AuditJson.readEvent(base + "\"reason\":\"MAYBE\"}")).hasMessageContaining("\"reason\"");
    assertThatThrownBy(() -> AuditJson.readEvent("{\"v\":1,\"type\":\"HACKED\",\"time\":\"2026-01-01T00:00:00Z\"}"))
        .hasMessageContaining("\"type\"");
    assertThatThrownBy(() -> AuditJson.readEvent("{\"v\":1,\"type\":\"USED\",\"time\":\"yesterday\"}"))
        .hasMessageContaining("\"time\"");
  }

  @Test
  void readWhenNotOneObjectThenRejected() {
    assertThatThrownBy(() -> AuditJson.readEvent("[1]")).isInstanceOf(AuditFormatException.class);
    assertThatThrownBy(() -> AuditJson.readEvent("")).isInstanceOf(AuditFormatException.class);
    assertThatThrownBy(() -> AuditJson.readEvent("{\"v\":1,\"type\":\"USED\",\"time\":\"2026-01-01T00:00:00Z\"} {}"))
        .isInstanceOf(AuditFormatException.class);
    assertThatThrownBy(() -> AuditJson.readEvent("{\"v\":1,\"type\":\"USED\",\"time\":\"2026-01-01T00:00:00Z\""))
        .isInstanceOf(AuditFormatException.class);
  }

  @Test
  void readWhenChainFieldsInPlainEventThenRejected() {
    assertThatThrownBy(() -> AuditJson.readEvent("{\"v\":1,\"seq\":1,\"type\":\"USED\","
        + "\"time\":\"2026-01-01T00:00:00Z\"}")).hasMessageContaining("\"seq\"");
    assertThatThrownBy(() -> AuditJson.readRecord("{\"v\":1,\"type\":\"USED\",\"time\":\"2026-01-01T00:00:00Z\"}"))
        .hasMessageContaining("\"seq\" is missing");
  }

  /** Parser messages can quote the input: they are escaped before they reach an exception message. */
  @Test
  void readWhenGarbageWithEscapesThenMessageIsPrintableAscii() {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> AuditJson.readEvent(
        "\u001b[2J\u202Egarbage\n"));

    assertThat(t).isInstanceOf(AuditFormatException.class);
    for (char c : t.getMessage().toCharArray()) {
      assertThat(c >= 0x20 && c < 0x7f).as("U+%04X in %s", (int) c, t.getMessage()).isTrue();
    }
  }

  @Test
  void canonicalWhenRandomEventsThenReencodingIsIdentical() {
    RandomEvents events = new RandomEvents(new Random(7), T0);
    for (int i = 0; i < 500; i++) {
      String line = AuditJson.toLine(new AuditRecord.EventRecord(i + 1, ZEROS, events.next()));
      byte[] b = line.getBytes(StandardCharsets.US_ASCII);
      assertThat(AuditJson.isCanonical(b, 0, b.length, AuditJson.readRecord(line))).isTrue();
    }
  }

  @Test
  void canonicalWhenSpacesOrOtherOrderThenNot() {
    String line = AuditJson.toLine(new AuditRecord.EventRecord(1, ZEROS, approved()));
    for (String edited : new String[] {line.replace(",\"type\"", ", \"type\""),
        line.replace("\"v\":1,\"seq\":1,", "\"seq\":1,\"v\":1,"), line.replace("bob", "\\u0062ob"),
        line.replace("\"time\":\"2026-11-23T09:05:00.123Z\"", "\"time\":\"2026-11-23T09:05:00.123000Z\"")}) {
      byte[] b = edited.getBytes(StandardCharsets.US_ASCII);
      AuditRecord r = AuditJson.readRecord(edited);
      assertThat(AuditJson.isCanonical(b, 0, b.length, r)).as(edited).isFalse();
    }
  }

  @Test
  void checkpointLineRoundTrip() {
    Checkpoint c = new Checkpoint("orders-prod", 41, "ab".repeat(32), T0, "ed25519:0011223344556677", "c2ln");

    String line = AuditJson.toLine(c);

    assertThat(line).isEqualTo("{\"v\":1,\"checkpoint\":{\"log\":\"orders-prod\",\"seq\":41,\"hash\":\""
        + "ab".repeat(32) + "\",\"time\":\"2026-11-23T09:05:00.123Z\",\"key\":\"ed25519:0011223344556677\","
        + "\"sig\":\"c2ln\"}}");
    assertThat(AuditJson.readCheckpoint(line)).isEqualTo(c);
  }

  @Test
  void stateRoundTrip() {
    VerifiedState s = new VerifiedState("orders-prod", 12, "cd".repeat(32), T0);

    assertThat(VerifiedState.fromJson(s.toJson())).isEqualTo(s);
    assertThatThrownBy(() -> VerifiedState.fromJson("{\"v\":1,\"seq\":1}")).isInstanceOf(AuditFormatException.class);
  }
}
