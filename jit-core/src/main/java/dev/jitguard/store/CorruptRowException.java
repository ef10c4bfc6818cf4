package dev.jitguard.store;

import dev.jitguard.internal.util.Text;
import org.jspecify.annotations.Nullable;

/**
 * A row that {@link GrantRows} could not turn into a record: checked, so that every read of the store decides what a
 * corrupt row means for it (a list leaves it out, a single read or an update refuses; see {@link CorruptRows}).
 * Carries the table, the primary key as read and the problem; nothing of it is printed unquoted.
 */
final class CorruptRowException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String table;
  private final String quotedId;
  private final String problem;

  CorruptRowException(String table, @Nullable String id, RuntimeException cause) {
    super(null, cause, false, false); // an expected outcome of a read, not a bug: no stack trace to fill
    this.table = table;
    this.quotedId = quoteShort(String.valueOf(id));
    this.problem = String.valueOf(cause.getMessage());
  }

  /** @return the table the row is in */
  String table() {
    return table;
  }

  /** @return the row's primary key as read, quoted ({@link Text#quote}) and cut at 64 characters */
  String quotedId() {
    return quotedId;
  }

  /** @return what is wrong with the row, naming the column; user values in it are quoted by whoever wrote it */
  String problem() {
    return problem;
  }

  @Override
  public String getMessage() {
    return JdbcGrantStore.COMPONENT + " found a corrupt row in table " + table + " (id " + quotedId + "): " + problem
        + "; fix or remove the row (the guard denies what depends on it, fail closed)";
  }

  /** @return the exception a single read or an update of this row throws */
  JdbcStoreException toStoreException() {
    return new JdbcStoreException(getMessage(), getCause());
  }

  /**
   * Quotes a value for a message, cut at 64 characters.
   *
   * @param v the value, possibly hostile
   * @return the quoted form
   */
  static String quoteShort(String v) {
    return Text.quote(v.length() > 64 ? v.substring(0, 64) + "..." : v);
  }
}
