package dev.jitguard.spi;

import dev.jitguard.event.AuditEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AuditSink} writing one line per event to the SLF4J logger {@code dev.jitguard.audit} at INFO, as escaped
 * {@code key=value} pairs (see {@link AuditEvent#toString()}); user text cannot break or forge a line. Thread-safe as
 * far as the SLF4J backend is. If INFO is disabled for that logger the event would be lost, so recording fails
 * (closed) instead of dropping it silently.
 */
final class Slf4jAuditSink implements AuditSink {
  static final String LOGGER_NAME = SLF4J_LOGGER_NAME;

  private final Logger log;

  /** Creates the sink; see {@link AuditSink#slf4j()}. */
  Slf4jAuditSink() {
    this(LoggerFactory.getLogger(LOGGER_NAME));
  }

  Slf4jAuditSink(Logger log) {
    this.log = log;
  }

  @Override
  public void record(AuditEvent event) {
    if (!log.isInfoEnabled()) {
      throw new IllegalStateException("audit logger '" + LOGGER_NAME + "' has INFO disabled; enable it or "
          + "configure another audit sink");
    }
    log.info("{}", event.toString());
  }
}
