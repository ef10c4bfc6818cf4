package dev.jitguard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.audit.JdbcAuditSink;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.GrantStore;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** Building the JDBC store and sink: options, dialect detection, schema creation. The behaviour is in jit-test. */
class JdbcGrantStoreBuilderTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private static JdbcDataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:builder" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  @Test
  void optionWhenSetTwiceThenIllegalStateNamingTheFirstValue() {
    JdbcGrantStore.Builder b = JdbcGrantStore.builder(h2()).queryTimeout(Duration.ofSeconds(2));

    assertThatThrownBy(() -> b.queryTimeout(Duration.ofSeconds(3))).isInstanceOf(IllegalStateException.class)
        .hasMessage("queryTimeout was already set to PT2S");
    b.dialect(JdbcDialect.H2);
    assertThatThrownBy(() -> b.dialect(JdbcDialect.POSTGRESQL)).hasMessage("dialect was already set to H2");
    b.createSchema(false);
    assertThatThrownBy(() -> b.createSchema(true)).hasMessage("createSchema was already set to false");
  }

  @Test
  void optionWhenOutOfRangeThenRejectedAtOnce() {
    JdbcGrantStore.Builder b = JdbcGrantStore.builder(h2());

    assertThatThrownBy(() -> b.queryTimeout(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queryTimeout must be positive");
    assertThatThrownBy(() -> b.pollInterval(Duration.ofMillis(1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pollInterval must be between PT0.01S and PT1H, but was PT0.001S");
    assertThatThrownBy(() -> JdbcGrantStore.builder(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("dataSource cannot be null");
  }

  @Test
  void buildWhenDatabaseIsNeitherH2NorPostgresThenRejectedNamingIt() {
    DataSource mysql = fakeDatabase("MySQL", "8.0.36");

    assertThatThrownBy(() -> JdbcGrantStore.builder(mysql).build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("\"MySQL 8.0.36\"");
    assertThatThrownBy(() -> JdbcAuditSink.builder(mysql).build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("JDBC audit sink supports H2 and PostgreSQL");
    assertThat(JdbcGrantStore.builder(mysql).dialect(JdbcDialect.POSTGRESQL).build().dialect())
        .isEqualTo(JdbcDialect.POSTGRESQL);
  }

  @Test
  void buildWhenDialectSetThenNoConnectionNeeded() {
    DataSource down = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
          throw new SQLException("connection refused", "08001");
        });

    assertThat(JdbcGrantStore.builder(down).dialect(JdbcDialect.H2).build()).isNotNull();
    assertThatThrownBy(() -> JdbcGrantStore.builder(down).build()).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("could not connect to detect the database")
        .hasMessageContaining("set the dialect on the builder");
  }

  @Test
  void createSchemaWhenRunThreeTimesThenIdempotentAndFactoriesWorkOnTheResult() throws SQLException {
    JdbcDataSource ds = h2();
    for (int i = 0; i < 3; i++) {
      assertThat(JdbcGrantStore.builder(ds).createSchema(true).build().dialect()).isEqualTo(JdbcDialect.H2);
      JdbcAuditSink.builder(ds).createSchema(true).build();
    }

    GrantStore store = JdbcGrantStore.builder(ds).build();
    AuditSink sink = JdbcAuditSink.builder(ds).build();

    assertThat(store.isShared()).isTrue();
    assertThat(store.liveGrants()).isEmpty();
    sink.record(AuditEvent.builder(AuditEventType.GRANT_EXPIRED, Instant.EPOCH).build());
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM jitguard_audit_events")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }

  @Test
  void operationWhenSchemaMissingThenJdbcStoreExceptionSaysToCreateIt() {
    GrantStore store = JdbcGrantStore.builder(h2()).build();

    assertThatThrownBy(store::liveGrants).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("JDBC grant store could not list live grants")
        .hasMessageContaining("run the schema script or set createSchema");
  }

  private static DataSource fakeDatabase(String product, String version) {
    DatabaseMetaData meta = (DatabaseMetaData) Proxy.newProxyInstance(JdbcGrantStoreBuilderTest.class
        .getClassLoader(), new Class<?>[] {DatabaseMetaData.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getDatabaseProductName" -> product;
          case "getDatabaseProductVersion" -> version;
          default -> throw new UnsupportedOperationException(method.getName());
        });
    Connection connection = (Connection) Proxy.newProxyInstance(JdbcGrantStoreBuilderTest.class.getClassLoader(),
        new Class<?>[] {Connection.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getMetaData" -> meta;
          case "close" -> null;
          default -> throw new UnsupportedOperationException(method.getName());
        });
    return (DataSource) Proxy.newProxyInstance(JdbcGrantStoreBuilderTest.class.getClassLoader(),
        new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
          if (method.getName().equals("getConnection")) {
            return connection;
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }
}
