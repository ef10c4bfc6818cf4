package dev.jitguard.store;

/**
 * A JDBC grant store or JDBC audit sink could not do what was asked: the database is down or unreachable, the pool
 * had no connection within its timeout, a statement ran past the query timeout, or the one row a read or an update
 * needs is corrupt (an unknown status, an unparsable JSON column, a value the domain types reject; lists leave such
 * rows out instead, see {@link JdbcGrantStore#corruptRowReads()}). The message says which operation on which record
 * failed and why; the cause is the driver's {@link java.sql.SQLException} or the validation error.
 *
 * <p>The guard treats it like any other store or sink failure: it denies ({@code STORE_FAILURE} or
 * {@code AUDIT_FAILURE}) and never assumes the write happened or did not. A partial record is never returned.
 */
public final class JdbcStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and why
   * @param cause the driver's exception or the validation error
   */
  public JdbcStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates the exception without a cause.
   *
   * @param message what failed and why
   */
  public JdbcStoreException(String message) {
    super(message);
  }
}
