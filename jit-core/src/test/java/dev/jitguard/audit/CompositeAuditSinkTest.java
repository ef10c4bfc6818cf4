package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.spi.BatchAuditSink;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.spi.AuditSink;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompositeAuditSinkTest {
  static final AuditEvent EVENT = AuditEvent.builder(AuditEventType.USED, Instant.parse("2026-11-23T09:00:00Z"))
      .build();
  static final AuditSink BROKEN = e -> {
    throw new IllegalStateException("down");
  };

  @Test
  void allOfWhenOneFailsThenFailsButTheOthersStillRecord() {
    InMemoryAuditSink a = new InMemoryAuditSink();
    InMemoryAuditSink b = new InMemoryAuditSink();
    AuditSink all = AuditSink.allOf(a, BROKEN, b);

    assertThatThrownBy(() -> all.record(EVENT)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("1 of 3 audit sinks failed").hasMessageContaining("all must succeed")
        .hasRootCauseMessage("down");
    assertThat(a.events()).hasSize(1);
    assertThat(b.events()).hasSize(1);
  }

  @Test
  void allOfWhenAllSucceedThenEachRecordsTheBatch() {
    InMemoryAuditSink a = new InMemoryAuditSink();
    InMemoryAuditSink b = new InMemoryAuditSink();
    ((BatchAuditSink) AuditSink.allOf(a, b)).recordAll(List.of(EVENT, EVENT));

    assertThat(a.events()).hasSize(2);
    assertThat(b.events()).hasSize(2);
  }

  @Test
  void anyOfWhenOneSucceedsThenSucceedsAndWhenAllFailThenFails() {
    InMemoryAuditSink a = new InMemoryAuditSink();
    AuditSink.anyOf(BROKEN, a).record(EVENT);
    assertThat(a.events()).hasSize(1);

    assertThatThrownBy(() -> AuditSink.anyOf(BROKEN, BROKEN).record(EVENT))
        .hasMessageContaining("all 2 audit sinks failed");
  }

  @Test
  void createWhenNoSinksThenRefused() {
    assertThatThrownBy(AuditSink::allOf).hasMessageContaining("at least one sink");
  }
}
