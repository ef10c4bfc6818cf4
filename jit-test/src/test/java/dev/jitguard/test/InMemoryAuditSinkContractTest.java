package dev.jitguard.test;

import dev.jitguard.audit.AuditEvent;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.spi.AuditSink;
import java.util.List;

/** The recording sink, {@link AuditSink#inMemory()}, against the whole audit sink contract. */
class InMemoryAuditSinkContractTest extends AuditSinkContract {

  @Override
  protected AuditSink createSink() {
    return AuditSink.inMemory();
  }

  @Override
  protected List<AuditEvent> recordedEvents(AuditSink sink) {
    return ((InMemoryAuditSink) sink).events();
  }
}
