package dev.jitguard.test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.spi.AuditSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SLF4J sink, {@link AuditSink#slf4j()}, against the whole audit sink contract, reading events back by parsing
 * the lines it wrote (so the contract proves the escaping loses nothing and cannot be confused), plus the shape of
 * the lines themselves: exactly one line per event, printable ASCII only, no field forged by user text.
 *
 * <p>slf4j-simple writes to {@code System.out} in this module's tests (see {@code simplelogger.properties}); each test
 * captures it from {@link #createSink()} until it ends.
 */
class Slf4jAuditSinkTest extends AuditSinkContract {
  private static final String PREFIX = "INFO " + AuditSink.SLF4J_LOGGER_NAME + " - ";

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream originalOut;

  @Override
  protected AuditSink createSink() {
    originalOut = System.out;
    System.setOut(new PrintStream(captured, true, UTF_8));
    return AuditSink.slf4j();
  }

  @Override
  protected List<AuditEvent> recordedEvents(AuditSink sink) {
    List<AuditEvent> events = new ArrayList<>();
    for (String line : lines()) {
      events.add(parseEvent(line));
    }
    return events;
  }

  @AfterEach
  void restoreSystemOut() {
    System.setOut(originalOut);
  }

  @Test
  void recordWhenEventsThenExactlyOneLinePerEventEqualToToString() {
    List<AuditEvent> events = List.of(
        AuditEvent.builder(AuditEventType.REQUESTED, T0).subject("alice").text("line one\nline two").build(),
        AuditEvent.builder(AuditEventType.GRANTED, T0.plusSeconds(1)).subject("alice").grantId(GrantId.random())
            .build(),
        AuditEvent.builder(AuditEventType.USES, T0.plusSeconds(2)).count(41).build());

    events.forEach(sink()::record);

    List<String> lines = lines();
    assertThat(lines).hasSize(events.size());
    for (int i = 0; i < events.size(); i++) {
      assertThat(lines.get(i)).isEqualTo(PREFIX + events.get(i));
    }
  }

  @Test
  void recordWhenHostileTextThenOnePrintableLineWithTextOnlyInsideItsQuotes() {
    String hostile = hostileText();
    AuditEvent event = AuditEvent.builder(AuditEventType.REQUESTED, T0).subject("mallory")
        .privilege(Privilege.of("db.prod.write")).reason(ReasonCode.PENDING_APPROVAL).text(hostile).build();

    sink().record(event);

    String raw = captured.toString(UTF_8);
    assertThat(raw).endsWith(System.lineSeparator());
    assertThat(raw.substring(0, raw.length() - System.lineSeparator().length()))
        .as("one line, printable ASCII only: no line break, escape, bidi control or other non-ASCII character")
        .matches("[\\x20-\\x7e]*");
    String line = lines().get(0);
    assertThat(line).doesNotContain("\u001b", "\u202e", "\n", "\r");
    Map<String, String> fields = parseFields(line.substring(PREFIX.length()));
    assertThat(fields).containsOnlyKeys("type", "time", "subject", "privilege", "reason", "text");
    assertThat(fields).containsEntry("type", "REQUESTED").containsEntry("subject", "mallory");
    assertThat(fields.get("text")).isEqualTo(hostile);
  }

  @Test
  void recordWhenUserTextInEveryQuotedFieldThenNoFieldForged() {
    String forge = "x\" type=GRANTED reason=GRANTED grant=\"00000000000000000000000000000000";
    AuditEvent event = AuditEvent.builder(AuditEventType.DENIED, T0).subject(forge).actor(forge)
        .policyVersion(forge).detail("comment", forge).text(forge).build();

    sink().record(event);

    assertThat(lines()).hasSize(1);
    Map<String, String> fields = parseFields(lines().get(0).substring(PREFIX.length()));
    assertThat(fields).containsOnlyKeys("type", "time", "subject", "actor", "policy", "comment", "text");
    assertThat(fields.get("type")).isEqualTo("DENIED");
    assertThat(fields).containsEntry("subject", forge).containsEntry("actor", forge).containsEntry("policy", forge)
        .containsEntry("comment", forge).containsEntry("text", forge);
  }

  // ---------------------------------------------------------------------------------------------------- parsing

  private List<String> lines() {
    List<String> lines = new ArrayList<>();
    for (String line : captured.toString(UTF_8).split(System.lineSeparator(), -1)) {
      if (!line.isEmpty()) {
        assertThat(line).as("a line the audit logger did not write").startsWith(PREFIX);
        lines.add(line);
      }
    }
    return lines;
  }

  /** Rebuilds the event an audit line describes. */
  private static AuditEvent parseEvent(String line) {
    Map<String, String> fields = new LinkedHashMap<>(parseFields(line.substring(PREFIX.length())));
    AuditEvent.Builder b = AuditEvent.builder(AuditEventType.valueOf(fields.remove("type")),
        Instant.parse(fields.remove("time")));
    fields.forEach((key, value) -> {
      switch (key) {
        case "subject" -> b.subject(value);
        case "privilege" -> b.privilege(Privilege.of(value));
        case "request" -> b.requestId(RequestId.of(value));
        case "grant" -> b.grantId(GrantId.of(value));
        case "actor" -> b.actor(value);
        case "reason" -> b.reason(ReasonCode.valueOf(value));
        case "count" -> b.count(Long.parseLong(value));
        case "policy" -> b.policyVersion(value);
        case "text" -> b.text(value);
        default -> b.detail(key, value);
      }
    });
    return b.build();
  }

  /**
   * Splits {@code key=value key="quoted value" ...} into fields, undoing the escapes of quoted values. Fails on a
   * repeated key, a missing closing quote or an unknown escape: any of those would mean a line can be forged.
   */
  private static Map<String, String> parseFields(String line) {
    Map<String, String> fields = new LinkedHashMap<>();
    int i = 0;
    while (i < line.length()) {
      int eq = line.indexOf('=', i);
      assertThat(eq).as("key without value at %d in %s", i, line).isPositive();
      String key = line.substring(i, eq);
      assertThat(key).as("key").matches("[a-z][a-z0-9_.-]*");
      StringBuilder value = new StringBuilder();
      int j = eq + 1;
      if (j < line.length() && line.charAt(j) == '"') {
        j++;
        while (true) {
          assertThat(j).as("unterminated quoted value of %s", key).isLessThan(line.length());
          char c = line.charAt(j);
          if (c == '"') {
            j++;
            break;
          }
          if (c == '\\') {
            char e = line.charAt(j + 1);
            switch (e) {
              case '"', '\\' -> value.append(e);
              case 'n' -> value.append('\n');
              case 'r' -> value.append('\r');
              case 't' -> value.append('\t');
              case 'u' -> {
                value.append((char) Integer.parseInt(line.substring(j + 2, j + 6), 16));
                j += 4;
              }
              default -> throw new AssertionError("unknown escape \\" + e + " in " + line);
            }
            j += 2;
          } else {
            value.append(c);
            j++;
          }
        }
      } else {
        int end = line.indexOf(' ', j);
        end = end < 0 ? line.length() : end;
        value.append(line, j, end);
        j = end;
      }
      assertThat(fields.put(key, value.toString())).as("field %s appears twice in %s", key, line).isNull();
      if (j < line.length()) {
        assertThat(line.charAt(j)).as("separator after %s", key).isEqualTo(' ');
        j++;
      }
      i = j;
    }
    return fields;
  }
}
