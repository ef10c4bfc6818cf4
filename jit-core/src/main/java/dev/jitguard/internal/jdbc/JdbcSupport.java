package dev.jitguard.internal.jdbc;

import dev.jitguard.internal.util.Text;
import dev.jitguard.store.JdbcDialect;
import dev.jitguard.store.JdbcStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Plain JDBC plumbing shared by the JDBC grant store and the JDBC audit sink: connections and transactions on a
 * {@link DataSource}, statement timeouts, the thread-bound transaction both can join, dialect detection, schema
 * scripts, and exception messages that say what failed.
 *
 * <p><b>Transactions.</b> Outside a bound transaction, a single statement runs in the connection's own mode (one
 * round trip in auto-commit; committed explicitly if the pool hands out connections with auto-commit off), and work of
 * several statements runs in one transaction that commits or rolls back as a whole. Inside
 * {@link #inTransaction(DataSource, Supplier, String)} on the same thread and the same {@code DataSource} instance, every
 * participant uses the one bound connection and nobody but the owner commits: each write of a participant runs under
 * a savepoint, so a write that fails (a duplicate id) is undone alone and leaves the outer transaction usable.
 */
public final class JdbcSupport {
  /** Transactions bound to the current thread, by DataSource identity. */
  private static final ThreadLocal<Map<DataSource, Connection>> BOUND = new ThreadLocal<>();

  private final DataSource dataSource;
  private final int queryTimeoutSeconds;
  private final String component;

  /**
   * Creates the plumbing for one store or sink.
   *
   * @param dataSource where connections come from
   * @param queryTimeout the timeout of every statement, whole seconds (rounded up)
   * @param component what this is, for messages ("JDBC grant store", "JDBC audit sink")
   */
  public JdbcSupport(DataSource dataSource, Duration queryTimeout, String component) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource cannot be null");
    this.queryTimeoutSeconds = timeoutSeconds(queryTimeout);
    this.component = Objects.requireNonNull(component, "component cannot be null");
  }

  /** Work on a connection. */
  @FunctionalInterface
  public interface Work<T> {
    /**
     * Runs.
     *
     * @param c the connection; never closed or committed by the work
     * @return the result
     * @throws SQLException to fail
     */
    T run(Connection c) throws SQLException;
  }

  /** @return the data source */
  public DataSource dataSource() {
    return dataSource;
  }

  /** @return the statement timeout in seconds */
  public int queryTimeoutSeconds() {
    return queryTimeoutSeconds;
  }

  /**
   * Prepares a statement with the query timeout set.
   *
   * @param c the connection
   * @param sql the SQL
   * @return the statement
   * @throws SQLException if the driver fails
   */
  public PreparedStatement prepare(Connection c, String sql) throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    try {
      ps.setQueryTimeout(queryTimeoutSeconds);
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
    return ps;
  }

  /**
   * Runs reads on a connection: the bound one if the current thread has one for this data source (so the reads see
   * the transaction's own writes), else a connection of its own.
   *
   * @param work the work
   * @param <T> the result type
   * @return what the work returned
   * @throws SQLException if the work or the connection failed
   */
  public <T> T read(Work<T> work) throws SQLException {
    Connection bound = bound(dataSource);
    if (bound != null) {
      return work.run(bound);
    }
    return single(work);
  }

  /**
   * Runs one write statement on a connection: the bound one if the current thread has one for this data
   * source, else a connection of its own, committed afterwards if the pool turned auto-commit off.
   *
   * @param work the work
   * @param <T> the result type
   * @return what the work returned
   * @throws SQLException if the work or the connection failed
   */
  public <T> T single(Work<T> work) throws SQLException {
    Connection bound = bound(dataSource);
    if (bound != null) {
      return underSavepoint(bound, work);
    }
    try (Connection c = dataSource.getConnection()) {
      if (c.getAutoCommit()) {
        return work.run(c);
      }
      boolean done = false;
      try {
        T result = work.run(c);
        c.commit();
        done = true;
        return result;
      } finally {
        if (!done) {
          rollbackQuietly(c);
        }
      }
    }
  }

  /**
   * Runs work of several statements in one transaction: the bound one if the current thread has one for this data
   * source (under a savepoint), else a transaction of its own that commits when the work returns and rolls back when
   * it throws.
   *
   * @param work the work
   * @param <T> the result type
   * @return what the work returned
   * @throws SQLException if the work, the commit or the connection failed
   */
  public <T> T transaction(Work<T> work) throws SQLException {
    Connection bound = bound(dataSource);
    if (bound != null) {
      return underSavepoint(bound, work);
    }
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      if (auto) {
        c.setAutoCommit(false);
      }
      boolean done = false;
      try {
        T result = work.run(c);
        c.commit();
        done = true;
        return result;
      } finally {
        if (!done) {
          rollbackQuietly(c);
        }
        if (auto) {
          try {
            c.setAutoCommit(true);
          } catch (SQLException e) {
            // a broken connection: keep the original failure; the pool discards the connection
          }
        }
      }
    }
  }

  private static <T> T underSavepoint(Connection c, Work<T> work) throws SQLException {
    Savepoint sp = c.setSavepoint();
    boolean done = false;
    try {
      T result = work.run(c);
      done = true;
      return result;
    } finally {
      if (done) {
        c.releaseSavepoint(sp);
      } else {
        try {
          c.rollback(sp);
        } catch (SQLException e) {
          // the outer transaction is broken anyway; its owner rolls it back
        }
      }
    }
  }

  /**
   * Whether the current thread has a transaction bound for this data source.
   *
   * @return true inside {@link #inTransaction} for the same data source
   */
  public boolean inBoundTransaction() {
    return bound(dataSource) != null;
  }

  /**
   * Runs a body in one transaction on one connection bound to the current thread, so that every JDBC grant store and
   * every joining JDBC audit sink on the same {@code DataSource} instance writes through it; commits when the body
   * returns, rolls back when it throws. Nested calls join the outermost transaction.
   *
   * @param dataSource the data source
   * @param body the body
   * @param component for messages
   * @param <T> the result type
   * @return what the body returned
   * @throws JdbcStoreException if the connection, the commit or the rollback failed
   */
  public static <T> T inTransaction(DataSource dataSource, Supplier<T> body, String component) {
    Objects.requireNonNull(dataSource, "dataSource cannot be null");
    Objects.requireNonNull(body, "body cannot be null");
    if (bound(dataSource) != null) {
      return body.get();
    }
    Connection c;
    boolean auto;
    try {
      c = dataSource.getConnection();
    } catch (SQLException e) {
      throw new JdbcStoreException(component + " could not begin a transaction: " + describe(e), e);
    }
    try {
      auto = c.getAutoCommit();
      if (auto) {
        c.setAutoCommit(false);
      }
    } catch (SQLException e) {
      closeQuietly(c);
      throw new JdbcStoreException(component + " could not begin a transaction: " + describe(e), e);
    }
    Map<DataSource, Connection> map = BOUND.get();
    if (map == null) {
      map = new IdentityHashMap<>();
      BOUND.set(map);
    }
    map.put(dataSource, c);
    boolean committed = false;
    try {
      T result = body.get();
      try {
        c.commit();
      } catch (SQLException e) {
        throw new JdbcStoreException(component + " could not commit the transaction (nothing of it is stored): "
            + describe(e), e);
      }
      committed = true;
      return result;
    } finally {
      map.remove(dataSource);
      if (map.isEmpty()) {
        BOUND.remove();
      }
      if (!committed) {
        rollbackQuietly(c);
      }
      try {
        if (auto) {
          c.setAutoCommit(true);
        }
      } catch (SQLException e) {
        // the pool resets or discards the connection
      }
      closeQuietly(c);
    }
  }

  /** A call that may fail with a driver exception. */
  @FunctionalInterface
  public interface SqlCall<T> {
    /**
     * Runs.
     *
     * @return the result
     * @throws SQLException to fail
     */
    T call() throws SQLException;
  }

  /**
   * Runs a call as if no transaction were bound for the data source on this thread (for a participant that must not
   * join it), then restores the binding.
   *
   * @param dataSource the data source
   * @param call the call
   * @param <T> the result type
   * @return what the call returned
   * @throws SQLException if the call failed
   */
  public static <T> T withoutBinding(DataSource dataSource, SqlCall<T> call) throws SQLException {
    Map<DataSource, Connection> map = BOUND.get();
    Connection bound = map == null ? null : map.remove(dataSource);
    try {
      return call.call();
    } finally {
      if (bound != null) {
        map.put(dataSource, bound);
      }
    }
  }

  private static @Nullable Connection bound(DataSource dataSource) {
    Map<DataSource, Connection> map = BOUND.get();
    return map == null ? null : map.get(dataSource);
  }

  // -------------------------------------------------------------------------------------------------- failures

  /**
   * Whether the exception (or one it chains) is a unique-constraint violation (SQLState 23505, on both H2 and
   * PostgreSQL).
   *
   * @param e the exception
   * @return true for a unique violation
   */
  public static boolean isUniqueViolation(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if ("23505".equals(x.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a unique violation names an index or constraint (case-insensitively, as H2 upper-cases names).
   *
   * @param e the exception
   * @param name the index name
   * @return true if the driver's message names it
   */
  public static boolean violates(SQLException e, String name) {
    String needle = name.toLowerCase(Locale.ROOT);
    for (SQLException x = e; x != null; x = x.getNextException()) {
      String m = x.getMessage();
      if (m != null && m.toLowerCase(Locale.ROOT).contains(needle)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Wraps a failure of an operation into the exception the store and sink throw.
   *
   * @param operation what was being done, for example "update grant 3f2a..."
   * @param e the driver's exception
   * @return the exception to throw
   */
  public JdbcStoreException failure(String operation, SQLException e) {
    return new JdbcStoreException(component + " could not " + operation + ": " + describe(e)
        + "; the guard denies (fail closed)", e);
  }

  /**
   * Says what kind of failure a driver exception is, with its SQLState and escaped message.
   *
   * @param e the exception
   * @return a description
   */
  public static String describe(SQLException e) {
    String state = e.getSQLState();
    String kind;
    if (e instanceof SQLTimeoutException || "57014".equals(state)) {
      kind = "the statement timed out (query timeout) or was cancelled";
    } else if (e instanceof SQLTransientConnectionException || e instanceof SQLNonTransientConnectionException
        || (state != null && state.startsWith("08"))) {
      kind = "no usable connection to the database (down, unreachable, or the pool is exhausted)";
    } else if (state != null && (state.startsWith("42") || "90079".equals(state))) {
      kind = "the SQL does not fit the schema (missing table or column? run the schema script or set createSchema)";
    } else {
      kind = "a database error";
    }
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (message.length() > 300) {
      message = message.substring(0, 300) + "...";
    }
    return kind + " [" + e.getClass().getSimpleName() + ", SQLState " + state + ": " + Text.quote(message) + "]";
  }

  // ---------------------------------------------------------------------------------------- dialect and schema

  /**
   * Detects the dialect from the database's product name.
   *
   * @param dataSource where to connect
   * @param component for messages
   * @return the dialect
   * @throws JdbcStoreException if no connection could be had
   * @throws IllegalStateException if the database is neither H2 nor PostgreSQL
   */
  public static JdbcDialect detect(DataSource dataSource, String component) {
    String product;
    String version;
    try (Connection c = dataSource.getConnection()) {
      DatabaseMetaData meta = c.getMetaData();
      product = meta.getDatabaseProductName();
      version = meta.getDatabaseProductVersion();
    } catch (SQLException e) {
      throw new JdbcStoreException(component + " could not connect to detect the database: " + describe(e)
          + "; set the dialect on the builder to build without connecting", e);
    }
    return dialectOf(product, version, component);
  }

  /**
   * Maps a product name to a dialect.
   *
   * @param product {@link DatabaseMetaData#getDatabaseProductName()}
   * @param version {@link DatabaseMetaData#getDatabaseProductVersion()}
   * @param component for messages
   * @return the dialect
   * @throws IllegalStateException for any other database
   */
  public static JdbcDialect dialectOf(@Nullable String product, @Nullable String version, String component) {
    if ("H2".equalsIgnoreCase(product)) {
      return JdbcDialect.H2;
    }
    if ("PostgreSQL".equalsIgnoreCase(product)) {
      return JdbcDialect.POSTGRESQL;
    }
    throw new IllegalStateException(component + " supports H2 and PostgreSQL, but the DataSource connects to "
        + Text.quote(product + " " + version) + "; use one of those, or set .dialect(JdbcDialect.POSTGRESQL) "
        + "explicitly if this database accepts PostgreSQL's SQL (untested)");
  }

  /**
   * Loads a schema script shipped in the jar.
   *
   * @param anchor a class in the script's package
   * @param name the file name, for example {@code schema-postgresql.sql}
   * @return the script text
   */
  public static String loadScript(Class<?> anchor, String name) {
    try (InputStream in = anchor.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("schema script " + name + " is missing from the jar next to "
            + anchor.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("could not read schema script " + name, e);
    }
  }

  /**
   * Runs a schema script in one transaction. On PostgreSQL the transaction first takes an advisory lock, so that
   * instances starting together create the schema one after the other instead of failing on each other's
   * {@code CREATE ... IF NOT EXISTS}.
   *
   * @param script the script
   * @param dialect the dialect
   * @param lockKey the advisory lock key (PostgreSQL)
   * @throws JdbcStoreException if a statement fails
   */
  public void runScript(String script, JdbcDialect dialect, long lockKey) {
    List<String> statements = statements(script);
    try {
      transaction(c -> {
        try (Statement s = c.createStatement()) {
          s.setQueryTimeout(Math.max(queryTimeoutSeconds, 30));
          if (dialect == JdbcDialect.POSTGRESQL) {
            s.execute("SELECT pg_advisory_xact_lock(" + lockKey + ")");
          }
          for (String sql : statements) {
            s.execute(sql);
          }
        }
        return null;
      });
    } catch (SQLException e) {
      throw new JdbcStoreException(component + " could not create its schema: " + describe(e), e);
    }
  }

  /**
   * Splits a script into statements at semicolons outside quotes, dollar quotes and comments; drops comments and
   * empty statements.
   *
   * @param script the script
   * @return the statements, without their semicolons
   */
  public static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int n = script.length();
    int i = 0;
    while (i < n) {
      char c = script.charAt(i);
      if (c == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
        int end = script.indexOf('\n', i);
        i = end < 0 ? n : end;
        continue;
      }
      if (c == '\'' || c == '"') {
        int end = i + 1;
        while (end < n) {
          if (script.charAt(end) == c) {
            if (end + 1 < n && script.charAt(end + 1) == c) {
              end += 2;
              continue;
            }
            break;
          }
          end++;
        }
        current.append(script, i, Math.min(end + 1, n));
        i = end + 1;
        continue;
      }
      if (c == '$') {
        int close = script.indexOf('$', i + 1);
        if (close > 0 && script.substring(i + 1, close).matches("[A-Za-z_]*")) {
          String tag = script.substring(i, close + 1);
          int end = script.indexOf(tag, close + 1);
          int stop = end < 0 ? n : end + tag.length();
          current.append(script, i, stop);
          i = stop;
          continue;
        }
      }
      if (c == ';') {
        add(out, current);
        i++;
        continue;
      }
      current.append(c);
      i++;
    }
    add(out, current);
    return out;
  }

  private static void add(List<String> out, StringBuilder current) {
    String s = current.toString().strip();
    if (!s.isEmpty()) {
      out.add(s);
    }
    current.setLength(0);
  }

  // ------------------------------------------------------------------------------------------------- helpers

  /**
   * Converts and validates a query timeout.
   *
   * @param timeout positive, at most one hour
   * @return whole seconds, rounded up
   */
  public static int timeoutSeconds(Duration timeout) {
    Objects.requireNonNull(timeout, "queryTimeout cannot be null");
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("queryTimeout must be positive and at most PT1H, but was " + timeout);
    }
    long millis = timeout.toMillis();
    return (int) Math.max(1, (millis + 999) / 1000);
  }

  /**
   * Rolls back, ignoring failures (the connection is closed or discarded next).
   *
   * @param c the connection
   */
  public static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException | RuntimeException e) {
      // the connection is broken; the pool discards it
    }
  }

  /**
   * Closes, ignoring failures.
   *
   * @param c the connection
   */
  public static void closeQuietly(@Nullable AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      // nothing more to do
    }
  }
}
