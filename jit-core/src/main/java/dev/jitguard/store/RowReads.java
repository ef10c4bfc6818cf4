package dev.jitguard.store;

import dev.jitguard.internal.jdbc.JdbcSupport;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The JDBC grant store's reads of its two tables, each deciding what a corrupt row means for it ({@link CorruptRows}):
 * a list leaves the row out, a single read throws, and the read that precedes a compare-and-set throws too, so the
 * update never writes over a corrupt row. A driver failure is always a {@link JdbcStoreException} for the whole read.
 */
final class RowReads {
  private final JdbcSupport jdbc;
  private final CorruptRows corruptRows = new CorruptRows();

  RowReads(JdbcSupport jdbc) {
    this.jdbc = jdbc;
  }

  /** @return where corrupt rows are counted */
  CorruptRows corruptRows() {
    return corruptRows;
  }

  /**
   * Every readable row a query selects, in its order; corrupt rows are left out, counted and logged.
   *
   * @param operation what this is, for the message of a driver failure
   * @param sql the select, with string, long and int parameters
   * @param reader reads one row
   * @param params the parameters
   * @param <T> the record type
   * @return the records
   * @throws JdbcStoreException if the database fails
   */
  <T> List<T> list(String operation, String sql, CorruptRows.RowReader<T> reader, Object... params) {
    return select(operation, sql, rs -> corruptRows.readable(rs, reader), params);
  }

  /**
   * The record a query by primary key selects, if any.
   *
   * @param operation what this is, for the message of a driver failure
   * @param sql the select, with the id as its one parameter
   * @param reader reads the row
   * @param id the id
   * @param <T> the record type
   * @return the record, or empty if there is no row
   * @throws JdbcStoreException if the database fails or the row is corrupt (then for this id only)
   */
  <T> Optional<T> find(String operation, String sql, CorruptRows.RowReader<T> reader, String id) {
    return select(operation, sql, rs -> corruptRows.single(rs, reader), id);
  }

  /**
   * Before a compare-and-set, in its transaction: reads and locks the record's row at the expected version. A copy
   * read before the row went bad must not be written over it: that would bring back a grant an operator ended by
   * hand (with a status the store cannot read), or hide the problem.
   *
   * @param c the update's connection, in a transaction
   * @param lockSql {@link GrantTables#LOCK_GRANT} or {@link GrantTables#LOCK_REQUEST}
   * @param reader reads the row
   * @param id the record's id
   * @param version the expected version
   * @param <T> the record type
   * @return false if no row has that id and version (the update fails as stale)
   * @throws SQLException if the driver fails
   * @throws JdbcStoreException if the row is corrupt (the transaction rolls back: nothing is written)
   */
  <T> boolean readableAt(Connection c, String lockSql, CorruptRows.RowReader<T> reader, String id, long version)
      throws SQLException {
    try (PreparedStatement ps = jdbc.prepare(c, lockSql)) {
      ps.setString(1, id);
      ps.setLong(2, version);
      try (ResultSet rs = ps.executeQuery()) {
        return corruptRows.single(rs, reader).isPresent();
      }
    }
  }

  private <T> T select(String operation, String sql, Handler<T> handler, Object... params) {
    try {
      return jdbc.read(c -> {
        try (PreparedStatement ps = jdbc.prepare(c, sql)) {
          for (int i = 0; i < params.length; i++) {
            if (params[i] instanceof Long l) {
              ps.setLong(i + 1, l);
            } else if (params[i] instanceof Integer n) {
              ps.setInt(i + 1, n);
            } else {
              ps.setString(i + 1, (String) params[i]);
            }
          }
          try (ResultSet rs = ps.executeQuery()) {
            return handler.handle(rs);
          }
        }
      });
    } catch (SQLException e) {
      throw jdbc.failure(operation, e);
    }
  }

  /** Turns a result into what a read returns. */
  @FunctionalInterface
  private interface Handler<T> {
    T handle(ResultSet rs) throws SQLException;
  }
}
