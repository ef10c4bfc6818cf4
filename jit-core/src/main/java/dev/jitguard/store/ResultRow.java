package dev.jitguard.store;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** Typed, validated access to one result row; every problem names the column. */
final class ResultRow {
  private final ResultSet rs;
  private final String table;
  private final Map<String, Integer> columns;

  ResultRow(ResultSet rs, String table, Map<String, Integer> columns) {
    this.rs = rs;
    this.table = table;
    this.columns = columns;
  }

  private int column(String name) {
    Integer i = columns.get(name);
    if (i == null) {
      throw new IllegalStateException("no column " + name + " is selected from " + table);
    }
    return i;
  }

  String string(String name) throws SQLException {
    String v = rs.getString(column(name));
    if (v == null) {
      throw new IllegalArgumentException("column " + name + " is NULL");
    }
    return v;
  }

  @Nullable String optionalString(String name) throws SQLException {
    return rs.getString(column(name));
  }

  long longValue(String name) throws SQLException {
    Long v = optionalLong(name);
    if (v == null) {
      throw new IllegalArgumentException("column " + name + " is NULL");
    }
    return v;
  }

  @Nullable Long optionalLong(String name) throws SQLException {
    long v = rs.getLong(column(name));
    return rs.wasNull() ? null : v;
  }

  int integer(String name) throws SQLException {
    Integer v = optionalInt(name);
    if (v == null) {
      throw new IllegalArgumentException("column " + name + " is NULL");
    }
    return v;
  }

  @Nullable Integer optionalInt(String name) throws SQLException {
    int v = rs.getInt(column(name));
    return rs.wasNull() ? null : v;
  }

  boolean bool(String name) throws SQLException {
    boolean v = rs.getBoolean(column(name));
    if (rs.wasNull()) {
      throw new IllegalArgumentException("column " + name + " is NULL");
    }
    return v;
  }

  Instant instant(String name) throws SQLException {
    return Instant.ofEpochMilli(longValue(name));
  }

  @Nullable Instant optionalInstant(String name) throws SQLException {
    Long v = optionalLong(name);
    return v == null ? null : Instant.ofEpochMilli(v);
  }

  /** An amount, exactly as written (same scale); its range is checked by the domain type it goes into. */
  @Nullable BigDecimal optionalAmount(String name) throws SQLException {
    String v = optionalString(name);
    if (v == null) {
      return null;
    }
    try {
      return new BigDecimal(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("column " + name + " has " + quoteShort(v)
          + ", which is not a decimal number");
    }
  }

  Duration duration(String value, String name) {
    try {
      return Duration.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("column " + name + " has " + quoteShort(value)
          + ", which is not an ISO-8601 duration");
    }
  }

  <E extends Enum<E>> E enumValue(Class<E> type, String name) throws SQLException {
    String v = string(name);
    try {
      return Enum.valueOf(type, v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("column " + name + " has an unknown value " + quoteShort(v)
          + " (expected one of " + Arrays.stream(type.getEnumConstants()).map(Enum::name)
          .collect(Collectors.joining(", ")) + ")");
    }
  }

  /**
   * The row as corrupt, because reading a column failed.
   *
   * @param e what was wrong, naming the column
   * @return the exception that carries the table, the row's primary key (the first column of every select) and e
   */
  CorruptRowException corrupt(RuntimeException e) {
    String id;
    try {
      id = rs.getString(1);
    } catch (SQLException x) {
      id = "?";
    }
    return new CorruptRowException(table, id, e);
  }

  private static String quoteShort(String v) {
    return CorruptRowException.quoteShort(v);
  }
}
