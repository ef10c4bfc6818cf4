package dev.jitguard.test;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.audit.JdbcAuditSink;
import dev.jitguard.spi.AuditSink;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/**
 * The JDBC audit sink on a real PostgreSQL (embedded, started once per test run), a fresh schema per test, against
 * the whole audit sink contract.
 */
class PostgresJdbcAuditSinkContractTest extends AuditSinkContract {
  private HikariDataSource dataSource;

  @Override
  protected AuditSink createSink() {
    dataSource = Databases.postgresPool(THREADS + 1);
    return JdbcAuditSink.builder(dataSource).createSchema(true).build();
  }

  @Override
  protected List<AuditEvent> recordedEvents(AuditSink sink) {
    return AuditRows.read(dataSource);
  }

  @AfterEach
  void closePool() {
    dataSource.close();
  }
}
