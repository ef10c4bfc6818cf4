package dev.jitguard.store;

import dev.jitguard.internal.util.Text;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the JDBC grant store does with a row it cannot read, so that one corrupt row fails closed for its own record
 * and nothing else: a list leaves it out and returns the readable rows; a single read, or the compare-and-set update
 * of that record, throws {@link JdbcStoreException}. Either way the row is counted ({@link #count()}) and logged at
 * ERROR, once per row and problem, with its table and primary key and the problem quoted ({@link Text#quote}), so
 * hostile text in a column cannot forge a log line.
 *
 * <p>Why leaving a row out is safe: every list of the store is a list of things that give access or wait for a
 * decision. A grant that is not listed is not live for the guard (a check that needs it is denied); a request that is
 * not listed cannot be found to be approved. Thread-safe.
 */
final class CorruptRows {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcGrantStore.class);
  /** How many distinct corrupt rows are remembered as logged; past it the memory is cleared and they log again. */
  static final int REMEMBERED = 1024;

  private final LongAdder reads = new LongAdder();
  private final Set<String> logged = ConcurrentHashMap.newKeySet();

  /** Reads the record of the current row. */
  @FunctionalInterface
  interface RowReader<T> {
    /**
     * Reads.
     *
     * @param rs positioned on the row
     * @return the record
     * @throws SQLException if the driver fails
     * @throws CorruptRowException if the row cannot be read
     */
    T read(ResultSet rs) throws SQLException, CorruptRowException;
  }

  /**
   * Every readable row of a result, in order; a corrupt row is left out, counted and logged.
   *
   * @param rs the result
   * @param reader reads one row
   * @param <T> the record type
   * @return the records of the readable rows
   * @throws SQLException if the driver fails
   */
  <T> List<T> readable(ResultSet rs, RowReader<T> reader) throws SQLException {
    List<T> out = new ArrayList<>();
    while (rs.next()) {
      try {
        out.add(reader.read(rs));
      } catch (CorruptRowException e) {
        report(e);
      }
    }
    return out;
  }

  /**
   * The record of the first row of a result, if any; a corrupt row is counted, logged and thrown.
   *
   * @param rs the result
   * @param reader reads the row
   * @param <T> the record type
   * @return the record, or empty if there is no row
   * @throws SQLException if the driver fails
   * @throws JdbcStoreException if the row is corrupt
   */
  <T> Optional<T> single(ResultSet rs, RowReader<T> reader) throws SQLException {
    if (!rs.next()) {
      return Optional.empty();
    }
    try {
      return Optional.of(reader.read(rs));
    } catch (CorruptRowException e) {
      report(e);
      throw e.toStoreException();
    }
  }

  /** @return how many times a read met a corrupt row since the store was built */
  long count() {
    return reads.sum();
  }

  private void report(CorruptRowException e) {
    reads.increment();
    if (logged.size() >= REMEMBERED) {
      logged.clear();
    }
    if (logged.add(e.table() + ' ' + e.quotedId() + ' ' + e.problem())) {
      LOG.error("{} found a corrupt row in table {}, id {}: {}. {} Fix or remove the row (docs/jdbc.md, \"Corrupt "
          + "rows\"). Logged once per row and problem; JdbcGrantStore.corruptRowReads() counts every read of one "
          + "({} so far).", JdbcGrantStore.COMPONENT, e.table(), e.quotedId(), Text.quote(e.problem()),
          consequence(e.table()), reads.sum());
    }
  }

  private static String consequence(String table) {
    return table.equals("jitguard_grants")
        ? "The grant counts as not live: checks that need it are denied, and it cannot be used, revoked or extended "
            + "until the row is fixed."
        : "The request is left out of every list and cannot be approved, denied or withdrawn until the row is fixed.";
  }
}
