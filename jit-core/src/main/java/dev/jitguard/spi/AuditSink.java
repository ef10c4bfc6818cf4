package dev.jitguard.spi;

import dev.jitguard.audit.AsyncAuditSink;
import dev.jitguard.audit.AuditEvent;
import dev.jitguard.audit.CompositeAuditSink;
import dev.jitguard.audit.FileAuditSink;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.audit.JdbcAuditSink;
import dev.jitguard.audit.Slf4jAuditSink;
import java.nio.file.Path;
import java.util.List;
import javax.sql.DataSource;

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
   * A sink that keeps events in memory, for tests and examples.
   *
   * @return a new, empty sink
   */
  static InMemoryAuditSink inMemory() {
    return new InMemoryAuditSink();
  }

  /**
   * A sink that writes one row per event to table {@code jitguard_audit_events} in an H2 or PostgreSQL database
   * (detected from the connection); the table must exist (run {@code dev/jitguard/audit/schema-postgresql.sql} or
   * {@code schema-h2.sql} from the jar). For more options, such as joining the grant store's transaction, use
   * {@link JdbcAuditSink#builder(DataSource)}.
   *
   * @param dataSource where the table is
   * @return the sink
   */
  static JdbcAuditSink jdbc(DataSource dataSource) {
    return JdbcAuditSink.builder(dataSource).build();
  }

  /**
   * A tamper-evident JSON Lines file with default settings: hash-chained records, each record forced to storage before
   * the call returns, no signing, no rotation. For checkpoints, rotation and the other options use
   * {@link FileAuditSink#builder(Path)}.
   *
   * @param file the log file (created if missing; an existing log is continued)
   * @return the sink; close it when done
   */
  static FileAuditSink jsonLines(Path file) {
    return FileAuditSink.builder(file).build();
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

  /**
   * Group commit in front of {@code delegate}: a bounded queue and one writer thread that hands everything queued to
   * the delegate as one batch. Each {@code record} call still returns only once its own event was recorded. Defaults:
   * 8192 queued events, 1 second of waiting when full (then the call throws and the guard denies), batches of up to
   * 1024. See {@link AsyncAuditSink#builder(AuditSink)} to change them.
   *
   * @param delegate the sink that writes
   * @return the sink; close it to drain the queue
   */
  static AsyncAuditSink async(AuditSink delegate) {
    return AsyncAuditSink.builder(delegate).build();
  }
}
