package dev.jitguard.internal;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.spi.AuditSink;

/**
 * The audit sink with a bound ({@link BoundedCalls}): a sink that hangs makes the guard deny (fail closed) instead of
 * hanging every caller, plain checks included. The caller still returns only once its own record is recorded, or
 * failed.
 *
 * <p>Thread-safe.
 */
final class BoundedAuditSink implements AuditSink {
  private final AuditSink sink;
  private final BoundedCalls calls;

  BoundedAuditSink(AuditSink sink, BoundedCalls calls) {
    this.sink = sink;
    this.calls = calls;
  }

  @Override
  public void record(AuditEvent event) {
    calls.run("the audit sink", () -> sink.record(event));
  }
}
