package dev.jitguard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 2: the store tells an H2 file database whose commits reach the file late (the default
 * {@code WRITE_DELAY} of 500 ms, lost in a crash) from one that writes every commit before it returns. The crash
 * itself is proven in jit-test ({@code H2CrashDurabilityTest}).
 */
class H2DurabilityTest {
  @TempDir
  Path dir;

  private JdbcDataSource h2(String url) {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(url);
    ds.setUser("sa");
    return ds;
  }

  @Test
  void fileDatabaseWithTheDefaultWriteDelayThenTheDelayIsReported() throws SQLException {
    JdbcDataSource ds = h2("jdbc:h2:file:" + dir.resolve("default").toAbsolutePath());
    try (Connection keepOpen = ds.getConnection()) {
      assertThat(H2Durability.delayedWrites(ds)).isEqualTo(500L);
    }
  }

  @Test
  void fileDatabaseWithWriteDelayZeroThenNothingIsReported() throws SQLException {
    JdbcDataSource ds = h2("jdbc:h2:file:" + dir.resolve("durable").toAbsolutePath() + ";WRITE_DELAY=0");
    try (Connection keepOpen = ds.getConnection()) {
      assertThat(H2Durability.delayedWrites(ds)).isNull();
    }
  }

  @Test
  void inMemoryDatabaseThenNothingIsReported() {
    JdbcDataSource ds = h2("jdbc:h2:mem:durability;DB_CLOSE_DELAY=-1");

    assertThat(H2Durability.delayedWrites(ds)).isNull();
  }

  @Test
  void fileDatabaseWithAWriteDelayThenTheStoreIsStillBuilt() throws SQLException {
    JdbcDataSource ds = h2("jdbc:h2:file:" + dir.resolve("warned").toAbsolutePath());
    try (Connection keepOpen = ds.getConnection()) {
      JdbcGrantStore store = JdbcGrantStore.builder(ds).createSchema(true).build();

      assertThat(store.dialect()).isEqualTo(JdbcDialect.H2);
      store.close();
    }
  }
}
