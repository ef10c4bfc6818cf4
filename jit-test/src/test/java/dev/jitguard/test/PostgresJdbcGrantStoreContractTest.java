package dev.jitguard.test;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.GrantId;
import dev.jitguard.store.JdbcDialect;
import dev.jitguard.store.JdbcGrantStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The JDBC store on a real PostgreSQL (embedded, started once per test run), a fresh schema per test (through
 * HikariCP), against the whole grant store contract, the JDBC-specific tests and the LISTEN/NOTIFY ones.
 */
class PostgresJdbcGrantStoreContractTest extends JdbcGrantStoreContract {

  @Override
  HikariDataSource newDatabase(int poolSize) {
    return Databases.postgresPool(poolSize);
  }

  @Override
  HikariDataSource samePlace(HikariDataSource first, Consumer<HikariConfig> config) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(first.getJdbcUrl());
    c.setMinimumIdle(1);
    config.accept(c);
    return new HikariDataSource(c);
  }

  @Override
  void dropDatabase(HikariDataSource ds) {
    ds.close();
  }

  @Override
  DataSource unreachable() {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"127.0.0.1"});
    ds.setPortNumbers(new int[] {closedPort()});
    ds.setDatabaseName("postgres");
    ds.setUser("postgres");
    return ds;
  }

  @Override
  JdbcDialect dialect() {
    return JdbcDialect.POSTGRESQL;
  }

  /**
   * The listening connection is killed on the server (as a failover or an idle-connection reaper would): the store
   * reconnects with backoff and later changes are delivered again.
   *
   * @throws Exception if interrupted
   */
  @Test
  @Timeout(60)
  void subscribeWhenListeningConnectionIsKilledThenReconnectsAndDeliversLaterChanges() throws Exception {
    JdbcGrantStore listening = shared();
    JdbcGrantStore writing = shared();
    LinkedBlockingQueue<GrantId> seen = new LinkedBlockingQueue<>();
    closeLater(listening.subscribe(seen::add));
    Issued before = autoApproved("alice");
    writing.insert(before.request(), before.grant());
    assertThat(awaitId(seen, before.grant().id(), Duration.ofSeconds(20))).isTrue();

    assertThat(terminateListeners()).as("listening backends terminated").isEqualTo(1);

    boolean delivered = false;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!delivered && System.nanoTime() < deadline) {
      Issued after = autoApproved("alice");
      writing.insert(after.request(), after.grant());
      delivered = awaitId(seen, after.grant().id(), Duration.ofMillis(500));
    }
    assertThat(delivered).as("a change delivered after the reconnect").isTrue();
  }

  private int terminateListeners() throws SQLException {
    try (Connection c = Databases.postgres().getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            + "WHERE query = 'LISTEN jitguard_grants' AND pid <> pg_backend_pid()")) {
      int n = 0;
      while (rs.next()) {
        n++;
      }
      return n;
    }
  }
}
