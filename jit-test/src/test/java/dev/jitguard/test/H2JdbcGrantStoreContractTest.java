package dev.jitguard.test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.store.JdbcDialect;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The JDBC store on a fresh in-memory H2 database per test (through HikariCP), against the whole grant store
 * contract and the JDBC-specific tests.
 */
class H2JdbcGrantStoreContractTest extends JdbcGrantStoreContract {

  @Override
  HikariDataSource newDatabase(int poolSize) {
    return Databases.h2Pool(poolSize);
  }

  @Override
  HikariDataSource samePlace(HikariDataSource first, Consumer<HikariConfig> config) {
    HikariConfig c = new HikariConfig();
    c.setDataSource(first.getDataSource());
    c.setMinimumIdle(1);
    config.accept(c);
    return new HikariDataSource(c);
  }

  @Override
  void dropDatabase(HikariDataSource ds) {
    Databases.dropH2(ds);
  }

  @Override
  DataSource unreachable() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:tcp://127.0.0.1:" + closedPort() + "/mem:nothing");
    ds.setUser("sa");
    return ds;
  }

  @Override
  JdbcDialect dialect() {
    return JdbcDialect.H2;
  }
}
