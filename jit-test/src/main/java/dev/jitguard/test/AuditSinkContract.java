package dev.jitguard.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.spi.AuditSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of {@link AuditSink}, as tests every implementation inherits. Extend it, say how to create a sink and
 * how to read back what it recorded:
 *
 * <pre>{@code
 * class InMemoryAuditSinkContractTest extends AuditSinkContract {
 *   @Override
 *   protected AuditSink createSink() {
 *     return new InMemoryAuditSink();
 *   }
 *
 *   @Override
 *   protected List<AuditEvent> recordedEvents(AuditSink sink) {
 *     return ((InMemoryAuditSink) sink).events();   // in the order recorded
 *   }
 * }
 * }</pre>
 *
 * <p>What it proves: an event with every field, and one with only the required ones, comes back with equal values;
 * events of every type are accepted; events recorded from one thread come back in that order; many threads recording
 * at once lose nothing and duplicate nothing (and each thread's events keep their order); and hostile user text (line
 * breaks, terminal escapes, bidi overrides, quotes, a forged {@code type=GRANTED} suffix, the maximum length) is
 * recorded verbatim, because escaping is the sink's job on output and must not change what the event says.
 *
 * <p>Every test gets a new sink from {@link #createSink()}, uses fixed instants and never sleeps.
 */
public abstract class AuditSinkContract {
  /** How many threads the concurrency test uses. */
  protected static final int THREADS = 8;
  /** The length of {@link #hostileText()}: the longest justification or comment the guard accepts. */
  protected static final int HOSTILE_TEXT_LENGTH = 2000;
  /** The instant the events are built around. */
  protected static final Instant T0 = TestClock.DEFAULT_START;

  private AuditSink sink;

  /**
   * Creates the sink under test. Called once per test; each call must return a sink that has recorded nothing yet
   * (or whose {@link #recordedEvents} reads only what this sink recorded).
   *
   * @return a new sink
   */
  protected abstract AuditSink createSink();

  /**
   * Reads back every event the sink recorded, in the order recorded. For a sink that writes somewhere (a file, a
   * table, a log), read it back from there, so the test proves what was actually kept.
   *
   * @param sink the sink {@link #createSink()} returned
   * @return the recorded events, oldest first
   */
  protected abstract List<AuditEvent> recordedEvents(AuditSink sink);

  /** Gets a fresh sink for the next test. */
  @BeforeEach
  public final void createFreshSink() {
    sink = Objects.requireNonNull(createSink(), "createSink() returned null");
  }

  /**
   * The sink of the current test.
   *
   * @return the sink created for this test
   */
  protected final AuditSink sink() {
    return sink;
  }

  /** An event with every field set comes back with every accessor equal, details included. */
  @Test
  public void recordWhenEveryFieldPresentThenReadBackEqual() {
    AuditEvent event = AuditEvent.builder(AuditEventType.APPROVED, T0.plusMillis(123))
        .subject("alice")
        .privilege(Privilege.of("db.prod.write"))
        .requestId(RequestId.random())
        .grantId(GrantId.random())
        .actor("bob")
        .reason(ReasonCode.APPROVED)
        .text("INC-42: repair the orders table")
        .policyVersion("2026-01-01.3")
        .count(1)
        .detail("duration", Duration.ofMinutes(30))
        .detail("expiresat", T0.plus(Duration.ofMinutes(30)))
        .detail("approvals", "2/2")
        .build();

    sink.record(event);

    assertThat(recordedEvents(sink)).singleElement().satisfies(e -> assertSameEvent(e, event));
  }

  /** An event with only the required fields (type and time) comes back with every optional field still absent. */
  @Test
  public void recordWhenOnlyRequiredFieldsThenOptionalsStayEmpty() {
    AuditEvent event = AuditEvent.builder(AuditEventType.GRANT_EXPIRED, T0).build();

    sink.record(event);

    assertThat(recordedEvents(sink)).singleElement().satisfies(e -> {
      assertSameEvent(e, event);
      assertThat(e.subject()).isEmpty();
      assertThat(e.privilege()).isEmpty();
      assertThat(e.requestId()).isEmpty();
      assertThat(e.grantId()).isEmpty();
      assertThat(e.actor()).isEmpty();
      assertThat(e.reason()).isEmpty();
      assertThat(e.text()).isEmpty();
      assertThat(e.policyVersion()).isEmpty();
      assertThat(e.count()).isEqualTo(1);
      assertThat(e.details()).isEmpty();
    });
  }

  /** A summary event keeps its count (uses and denied checks are summarised, not one event each). */
  @Test
  public void recordWhenSummaryWithCountThenCountKept() {
    AuditEvent uses = AuditEvent.builder(AuditEventType.USES, T0).subject("alice").grantId(GrantId.random())
        .count(1_234_567L).build();

    sink.record(uses);

    assertThat(recordedEvents(sink)).singleElement().satisfies(e -> assertSameEvent(e, uses));
  }

  /** Events of every type are accepted and come back with their type. */
  @Test
  public void recordWhenEveryEventTypeThenEachRecorded() {
    List<AuditEvent> events = new ArrayList<>();
    for (AuditEventType type : AuditEventType.values()) {
      events.add(AuditEvent.builder(type, T0.plusMillis(type.ordinal())).subject("alice").build());
    }

    events.forEach(sink::record);

    assertEvents(recordedEvents(sink), events);
  }

  /** Events recorded one after the other from one thread come back in that order, even with equal timestamps. */
  @Test
  public void recordFromOneThreadThenReadBackInOrder() {
    List<AuditEvent> events = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      events.add(AuditEvent.builder(i % 2 == 0 ? AuditEventType.USED : AuditEventType.CHECK_DENIED, T0)
          .subject("alice").text("event " + i).build());
    }

    events.forEach(sink::record);

    assertEvents(recordedEvents(sink), events);
  }

  /**
   * {@value #THREADS} threads recording at the same time: every event is recorded exactly once (nothing lost,
   * nothing duplicated), and each thread's events keep the order that thread recorded them in.
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  @Timeout(120)
  public void recordFromManyThreadsThenNothingLostNothingDuplicated() throws Exception {
    int perThread = 250;

    Race.run(THREADS, thread -> {
      for (int i = 0; i < perThread; i++) {
        sink.record(AuditEvent.builder(AuditEventType.USED, T0.plusMillis(i)).subject("user-" + thread)
            .text(thread + ":" + i).build());
      }
    });

    List<AuditEvent> recorded = recordedEvents(sink);
    assertThat(recorded).hasSize(THREADS * perThread);
    Map<Integer, Integer> nextPerThread = new HashMap<>();
    List<String> failures = new ArrayList<>();
    for (AuditEvent e : recorded) {
      String[] parts = e.text().orElseThrow().split(":");
      int thread = Integer.parseInt(parts[0]);
      int i = Integer.parseInt(parts[1]);
      int expected = nextPerThread.getOrDefault(thread, 0);
      if (i != expected) {
        failures.add("thread " + thread + ": expected event " + expected + " but found " + i);
      }
      nextPerThread.put(thread, i + 1);
      assertThat(e.subject()).contains("user-" + thread);
    }
    assertThat(failures).as("lost, duplicated or reordered events").isEmpty();
    for (int thread = 0; thread < THREADS; thread++) {
      assertThat(nextPerThread).containsEntry(thread, perThread);
    }
  }

  /**
   * User text that tries to break or forge an audit line (line breaks, a terminal colour escape, a bidi override,
   * quotes and backslashes, a fake {@code type=GRANTED} suffix, the maximum length of 2000 characters) is recorded
   * verbatim: the text, the actor and a detail come back equal to what was given. Escaping is for output only.
   */
  @Test
  public void recordWhenHostileTextThenRecordedVerbatim() {
    String hostile = hostileText();
    AuditEvent event = AuditEvent.builder(AuditEventType.REQUESTED, T0)
        .subject("mallory")
        .privilege(Privilege.of("db.prod.write"))
        .actor("mallory\" type=GRANTED actor=\"admin")
        .text(hostile)
        .detail("condition", "x\ny=\"1\"\u001b[0m")
        .build();

    sink.record(event);

    assertThat(recordedEvents(sink)).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(AuditEventType.REQUESTED);
      assertThat(e.text()).contains(hostile);
      assertSameEvent(e, event);
    });
  }

  /**
   * A justification of the maximum length, 2000 characters, built to forge audit lines: CR and LF line breaks, a
   * terminal colour escape ({@code ESC[31m}), a right-to-left override (U+202E), double and single quotes,
   * backslashes, a tab, an emoji (a surrogate pair), non-ASCII letters, and a fake {@code type=GRANTED} suffix.
   *
   * @return the text, exactly {@value #HOSTILE_TEXT_LENGTH} characters
   */
  protected static String hostileText() {
    String head = "INC-42: fix\nforged: type=GRANTED subject=\"root\"\r\n\u001b[31mRED\u001b[0m \u202Eevil\u202C"
        + " 'single' \"double\" \\backslash\\ \ttab \uD83D\uDE00 ";
    String tail = " type=GRANTED";
    StringBuilder text = new StringBuilder(HOSTILE_TEXT_LENGTH).append(head);
    String filler = "abc ü漢 ";
    while (text.length() < HOSTILE_TEXT_LENGTH - tail.length()) {
      text.append(filler.charAt(text.length() % filler.length()));
    }
    return text.append(tail).toString();
  }

  /**
   * Asserts the recorded events equal the expected ones, in order.
   *
   * @param actual read back
   * @param expected recorded
   */
  protected static void assertEvents(List<AuditEvent> actual, List<AuditEvent> expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      int index = i;
      assertThat(actual.get(i)).as("event %d", i).satisfies(e -> assertSameEvent(e, expected.get(index)));
    }
  }

  /**
   * Asserts that two events have equal values in every accessor (events have no {@code equals}).
   *
   * @param actual read back
   * @param expected recorded
   */
  protected static void assertSameEvent(AuditEvent actual, AuditEvent expected) {
    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(actual.type()).as("type").isEqualTo(expected.type());
    softly.assertThat(actual.time()).as("time").isEqualTo(expected.time());
    softly.assertThat(actual.subject()).as("subject").isEqualTo(expected.subject());
    softly.assertThat(actual.privilege()).as("privilege").isEqualTo(expected.privilege());
    softly.assertThat(actual.requestId()).as("requestId").isEqualTo(expected.requestId());
    softly.assertThat(actual.grantId()).as("grantId").isEqualTo(expected.grantId());
    softly.assertThat(actual.actor()).as("actor").isEqualTo(expected.actor());
    softly.assertThat(actual.reason()).as("reason").isEqualTo(expected.reason());
    softly.assertThat(actual.text()).as("text").isEqualTo(expected.text());
    softly.assertThat(actual.policyVersion()).as("policyVersion").isEqualTo(expected.policyVersion());
    softly.assertThat(actual.count()).as("count").isEqualTo(expected.count());
    softly.assertThat(actual.details()).as("details").isEqualTo(expected.details());
    softly.assertAll();
  }
}
