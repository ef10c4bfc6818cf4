package dev.jitguard.test;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.audit.JdbcAuditSink;
import dev.jitguard.spi.AuditSink;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The JDBC audit sink on a fresh in-memory H2 database per test, against the whole audit sink contract. */
class H2JdbcAuditSinkContractTest extends AuditSinkContract {
  private HikariDataSource dataSource;

  @Override
  protected AuditSink createSink() {
    dataSource = Databases.h2Pool(THREADS + 1);
    return JdbcAuditSink.builder(dataSource).createSchema(true).build();
  }

  @Override
  protected List<AuditEvent> recordedEvents(AuditSink sink) {
    return AuditRows.read(dataSource);
  }

  @AfterEach
  void dropDatabase() {
    Databases.dropH2(dataSource);
  }
}
