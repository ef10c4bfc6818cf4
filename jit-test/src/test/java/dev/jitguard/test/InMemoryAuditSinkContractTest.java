package dev.jitguard.test;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.spi.AuditSink;
import java.util.List;

/** The recording sink, {@link InMemoryAuditSink}, against the whole audit sink contract. */
class InMemoryAuditSinkContractTest extends AuditSinkContract {

  @Override
  protected AuditSink createSink() {
    return new InMemoryAuditSink();
  }

  @Override
  protected List<AuditEvent> recordedEvents(AuditSink sink) {
    return ((InMemoryAuditSink) sink).events();
  }
}
