package dev.jitguard.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns, once per store built, when the grant store sits on an H2 file database whose {@code WRITE_DELAY} is not 0.
 * H2 then writes a commit to its file up to that many milliseconds (500 by default) after the commit returned, so a
 * process killed in between loses commits the guard already acknowledged: a revocation comes back after a restart.
 * {@code ;WRITE_DELAY=0} in the URL makes H2 write each commit to the file before the commit returns.
 */
final class H2Durability {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcGrantStore.class);

  /** The delay, and whether the database is kept in a file; {@code info.FILE_SIZE} exists only for file databases. */
  static final String QUERY = "SELECT SETTING_NAME, SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS "
      + "WHERE SETTING_NAME IN ('WRITE_DELAY', 'info.FILE_SIZE')";

  private H2Durability() {}

  /**
   * The write delay of an H2 file database, when it is not 0.
   *
   * @param dataSource the store's data source
   * @return the delay in milliseconds; null for an in-memory database, a delay of 0, or when it cannot be read
   */
  static @Nullable Long delayedWrites(DataSource dataSource) {
    String delay = null;
    boolean file = false;
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(QUERY);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        if ("WRITE_DELAY".equals(rs.getString(1))) {
          delay = rs.getString(2);
        } else {
          file = true;
        }
      }
    } catch (SQLException e) {
      LOG.debug("could not read H2's WRITE_DELAY setting; not checked", e);
      return null;
    }
    if (!file || delay == null) {
      return null;
    }
    try {
      long ms = Long.parseLong(delay.trim());
      return ms == 0 ? null : ms;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Logs a warning if the database is an H2 file database with a write delay.
   *
   * @param dataSource the store's data source
   */
  static void warnIfDelayed(DataSource dataSource) {
    Long delay = delayedWrites(dataSource);
    if (delay != null) {
      LOG.warn("JDBC grant store: the H2 file database has WRITE_DELAY={} (ms): H2 writes a commit to its file up to "
          + "{} ms after the commit returned, so a crash or kill -9 in between undoes acknowledged changes (a "
          + "revoked grant works again after the restart). Add ;WRITE_DELAY=0 to the JDBC URL, for example "
          + "jdbc:h2:file:./data/app;WRITE_DELAY=0 (see docs/jdbc.md, \"H2 file databases\")", delay, delay);
    }
  }
}
