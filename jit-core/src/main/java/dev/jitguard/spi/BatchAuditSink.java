package dev.jitguard.spi;

import dev.jitguard.event.AuditEvent;
import java.util.List;

/**
 * An {@link AuditSink} that can record several events with one write and one flush to storage (group commit). The
 * {@linkplain dev.jitguard.audit.AsyncAuditSink asynchronous wrapper} hands it everything queued at once, so many callers
 * share one fsync.
 *
 * <p><b>Contract.</b> Same as {@link AuditSink#record}, for a list: thread-safe; the events are recorded in list order
 * and without other events in between; when the call returns every event is durable per the sink's definition; when
 * it throws, none of them counts as recorded (some may have reached storage: a record that was written but reported
 * as failed only makes the guard deny, which is the safe direction).
 */
public interface BatchAuditSink extends AuditSink {

  /**
   * Records the events in order, durably, as one batch.
   *
   * @param events the events, oldest first; may be empty
   * @throws RuntimeException if they could not all be recorded
   */
  void recordAll(List<AuditEvent> events);

  @Override
  default void record(AuditEvent event) {
    recordAll(List.of(event));
  }
}
