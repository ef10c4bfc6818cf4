package dev.jitguard.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.store.JdbcDialect;
import dev.jitguard.store.JdbcGrantStore;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class JdbcSupportTest {

  @Test
  void statementsWhenScriptHasCommentsQuotesAndDollarQuotesThenSplitOnlyAtStatementEnds() {
    String script = "-- a comment; not a statement\n"
        + "CREATE TABLE t (a VARCHAR(5) DEFAULT 'x;y'); -- trailing; comment\n"
        + "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1; RETURN NULL;\nEND\n$$;\n"
        + "DO $body$ BEGIN NULL; END $body$;\n"
        + "SELECT 'it''s; fine', \"odd;name\" FROM t\n";

    List<String> statements = JdbcSupport.statements(script);

    assertThat(statements).containsExactly(
        "CREATE TABLE t (a VARCHAR(5) DEFAULT 'x;y')",
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1; RETURN NULL;\nEND\n$$",
        "DO $body$ BEGIN NULL; END $body$",
        "SELECT 'it''s; fine', \"odd;name\" FROM t");
  }

  @Test
  void shippedScriptsWhenSplitThenEveryStatementIsIdempotentDdl() {
    for (String name : List.of("schema-h2.sql", "schema-postgresql.sql")) {
      List<String> statements = JdbcSupport.statements(JdbcSupport.loadScript(JdbcGrantStore.class, name));
      assertThat(statements).as(name).isNotEmpty().allSatisfy(s -> assertThat(s)
          .matches("(?s)(CREATE (TABLE|UNIQUE INDEX|INDEX|SEQUENCE) IF NOT EXISTS|CREATE OR REPLACE FUNCTION|DO \\$\\$"
              + ".*IF NOT EXISTS|ALTER TABLE \\w+ ADD (COLUMN|CONSTRAINT) IF NOT EXISTS ).*"));
    }
    for (String name : List.of("schema-h2.sql", "schema-postgresql.sql")) {
      List<String> statements = JdbcSupport.statements(JdbcSupport.loadScript(
          dev.jitguard.audit.JdbcAuditSink.class, name));
      assertThat(statements).as("audit " + name).isNotEmpty()
          .allSatisfy(s -> assertThat(s).contains("IF NOT EXISTS"));
    }
  }

  @Test
  void dialectOfWhenH2OrPostgresThenMappedElseRejectedNamingTheDatabase() {
    assertThat(JdbcSupport.dialectOf("H2", "2.4.240", "c")).isEqualTo(JdbcDialect.H2);
    assertThat(JdbcSupport.dialectOf("PostgreSQL", "16.2", "c")).isEqualTo(JdbcDialect.POSTGRESQL);

    assertThatThrownBy(() -> JdbcSupport.dialectOf("MySQL", "8.0.36", "JDBC grant store"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("JDBC grant store supports H2 and PostgreSQL")
        .hasMessageContaining("\"MySQL 8.0.36\"")
        .hasMessageContaining(".dialect(JdbcDialect.POSTGRESQL)");
  }

  @Test
  void timeoutSecondsWhenFractionalThenRoundedUpAndWhenOutOfRangeThenRejected() {
    assertThat(JdbcSupport.timeoutSeconds(Duration.ofMillis(1))).isEqualTo(1);
    assertThat(JdbcSupport.timeoutSeconds(Duration.ofMillis(2001))).isEqualTo(3);
    assertThat(JdbcSupport.timeoutSeconds(Duration.ofSeconds(5))).isEqualTo(5);
    assertThatThrownBy(() -> JdbcSupport.timeoutSeconds(Duration.ZERO))
        .hasMessage("queryTimeout must be positive and at most PT1H, but was PT0S");
    assertThatThrownBy(() -> JdbcSupport.timeoutSeconds(Duration.ofHours(2)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void describeWhenTimeoutConnectionOrOtherThenSaysWhichAndEscapesTheMessage() {
    assertThat(JdbcSupport.describe(new SQLTimeoutException("slow", "HYT00"))).startsWith("the statement timed out");
    assertThat(JdbcSupport.describe(new SQLException("canceling statement", "57014")))
        .startsWith("the statement timed out");
    assertThat(JdbcSupport.describe(new SQLTransientConnectionException("pool", "08001")))
        .startsWith("no usable connection");
    assertThat(JdbcSupport.describe(new SQLException("bad\nline", "22001")))
        .startsWith("a database error").contains("SQLState 22001").doesNotContain("\n");
  }
}
