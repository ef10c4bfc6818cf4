package dev.jitguard.spi;

import dev.jitguard.event.AuditEvent;
import java.util.List;

/**
 * Where the audit trail goes. The guard records every decision here before it returns it.
 *
 * <p><b>Contract.</b> {@link #record} must be thread-safe; it is called from any thread that uses the guard, may be
 * called concurrently and must not call back into the guard. When it returns normally the event counts as recorded;
 * when it throws, the guard treats the event as lost and fails closed: a grant that was about to be issued is revoked
 * and the caller gets {@link dev.jitguard.ReasonCode#AUDIT_FAILURE}. Unlike listeners, the sink is part of the
 * security contract. Implementations must escape user text on output (justifications and comments are verbatim in
 * the event).
 */
public interface AuditSink {
  /** The SLF4J logger that {@link #slf4j()} writes to, at INFO. */
  String SLF4J_LOGGER_NAME = "dev.jitguard.audit";

  /**
   * Records one event durably (per the sink's own definition of durable).
   *
   * @param event the event
   * @throws RuntimeException if the event could not be recorded
   */
  void record(AuditEvent event);

  /**
   * A sink that writes one escaped, structured line per event to the SLF4J logger {@code dev.jitguard.audit} at INFO.
   * This is the default sink.
   *
   * @return the sink
   */
  static AuditSink slf4j() {
    return new Slf4jAuditSink();
  }

  /**
   * A sink that records into every one of {@code sinks}; the call fails (and the guard denies) if any of them fails.
   *
   * @param sinks at least one sink
   * @return the sink
   */
  static AuditSink allOf(AuditSink... sinks) {
    return new CompositeAuditSink(CompositeAuditSink.Mode.ALL, List.of(sinks));
  }

  /**
   * A sink that records into every one of {@code sinks} and succeeds if at least one of them did (the failures of the
   * others are logged); the call fails only if all fail.
   *
   * @param sinks at least one sink
   * @return the sink
   */
  static AuditSink anyOf(AuditSink... sinks) {
    return new CompositeAuditSink(CompositeAuditSink.Mode.ANY, List.of(sinks));
  }

}
