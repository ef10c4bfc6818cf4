package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.spi.AuditSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * An {@link AuditSink} that keeps every event in memory, in order, for tests and examples. Thread-safe. It never
 * fails, so it cannot be used to test fail-closed behaviour on its own (wrap it).
 */
public final class InMemoryAuditSink implements AuditSink {
  private final List<AuditEvent> events = new CopyOnWriteArrayList<>();

  /** Creates an empty sink. */
  public InMemoryAuditSink() {}

  @Override
  public void record(AuditEvent event) {
    events.add(event);
  }

  /** @return a snapshot of every event recorded so far, in order */
  public List<AuditEvent> events() {
    return List.copyOf(events);
  }

  /**
   * The events of one type.
   *
   * @param type the type
   * @return a snapshot, in order
   */
  public List<AuditEvent> events(AuditEventType type) {
    return events.stream().filter(e -> e.type() == type).collect(Collectors.toUnmodifiableList());
  }

  /** @return the types of every event so far, in order */
  public List<AuditEventType> types() {
    return events.stream().map(AuditEvent::type).collect(Collectors.toUnmodifiableList());
  }

  /** Forgets every event. */
  public void clear() {
    events.clear();
  }
}
