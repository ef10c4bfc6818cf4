package dev.jitguard.store;

/**
 * The databases the JDBC grant store and audit sink speak. Detected from
 * {@link java.sql.DatabaseMetaData#getDatabaseProductName()} when not set on the builder; any other database is
 * rejected at build time.
 */
public enum JdbcDialect {
  /** H2 2.x (embedded, in memory or in a file; any compatibility mode). */
  H2,
  /** PostgreSQL 11 or later. */
  POSTGRESQL
}
