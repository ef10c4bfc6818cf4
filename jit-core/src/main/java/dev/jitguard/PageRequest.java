package dev.jitguard;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Which page of a listing to return: at most {@link #limit()} items, after the position a {@link #cursor()} from the
 * previous page marks (none: the first page). Pages follow a stable order (listed with each listing), so following
 * {@link Page#nextCursor()} returns every item once, even while new items arrive. A cursor is opaque: pass it back
 * unchanged to the same listing for the same subject; any other value is rejected. Immutable and thread-safe.
 */
public final class PageRequest {
  /** The largest page. */
  public static final int MAX_LIMIT = 500;
  /** The longest cursor accepted (those the guard makes are far shorter). */
  static final int MAX_CURSOR_LENGTH = 200;

  private final int limit;
  private final Optional<String> cursor;

  private PageRequest(int limit, Optional<String> cursor) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidInputException("limit", String.format(Locale.ROOT, "limit must be between 1 and %d, but was "
          + "%d; ask for at most %d items and follow nextCursor for more", MAX_LIMIT, limit, MAX_LIMIT));
    }
    this.limit = limit;
    this.cursor = cursor;
  }

  /**
   * The first page.
   *
   * @param limit at most this many items, 1 to {@value #MAX_LIMIT}
   * @return the page request
   * @throws InvalidInputException if the limit is out of range
   */
  public static PageRequest first(int limit) {
    return new PageRequest(limit, Optional.empty());
  }

  /**
   * The page after the one that gave the cursor.
   *
   * @param cursor {@link Page#nextCursor()} of the previous page, unchanged
   * @param limit at most this many items, 1 to {@value #MAX_LIMIT}
   * @return the page request
   * @throws InvalidInputException if the limit is out of range or the cursor is not one the guard makes (it is
   *     checked against its listing when used)
   */
  public static PageRequest after(String cursor, int limit) {
    Objects.requireNonNull(cursor, "cursor cannot be null");
    if (cursor.isEmpty() || cursor.length() > MAX_CURSOR_LENGTH
        || !cursor.chars().allMatch(c -> c < 0x80 && (Character.isLetterOrDigit(c) || c == '-' || c == '_'))) {
      throw invalidCursor();
    }
    return new PageRequest(limit, Optional.of(cursor));
  }

  /**
   * A cursor that is not one of the guard's, or not for this listing.
   *
   * @return the exception to throw
   */
  private static InvalidInputException invalidCursor() {
    return new InvalidInputException("cursor", "cursor is not a cursor of this listing; pass the nextCursor of the "
        + "previous page of the same listing, for the same subject, unchanged (or no cursor for the first page)");
  }

  /** @return the most items to return, 1 to {@value #MAX_LIMIT} */
  public int limit() {
    return limit;
  }

  /** @return the previous page's next cursor, or empty for the first page */
  public Optional<String> cursor() {
    return cursor;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PageRequest p && p.limit == limit && p.cursor.equals(cursor);
  }

  @Override
  public int hashCode() {
    return 31 * limit + cursor.hashCode();
  }

  @Override
  public String toString() {
    return "PageRequest[limit=" + limit + cursor.map(c -> ", cursor=" + c).orElse("") + "]";
  }
}
