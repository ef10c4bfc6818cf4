package dev.jitguard.internal;

import dev.jitguard.InvalidInputException;
import dev.jitguard.Page;
import dev.jitguard.PageRequest;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Pages of the listings: keyset paging by a position (an instant and an id), and the opaque cursors that carry a
 * position from one page to the next. A cursor names its listing and the subject it was made for, and is parsed
 * strictly (a fixed grammar, never deserialised): one that does not parse, or was made for another listing or
 * subject, is an {@link InvalidInputException} naming {@code cursor}.
 *
 * <p>Thread-safe (stateless).
 */
final class Paging {
  /** The listings, as named in their cursors. */
  enum Listing {
    PENDING_APPROVALS("pa"), PENDING_REQUESTS("pr"), ACTIVE_GRANTS("ag"), OPEN_REVIEWS("or");

    private final String tag;

    Listing(String tag) {
      this.tag = tag;
    }
  }

  /**
   * Where an item stands in a listing's order: an instant, then an id (32 hex characters).
   *
   * @param at the instant (creation for requests, expiry for grants)
   * @param id the item's id
   */
  record Position(Instant at, String id) implements Comparable<Position> {
    private static final Comparator<Position> ORDER = Comparator.comparing(Position::at)
        .thenComparing(Position::id);

    @Override
    public int compareTo(Position o) {
      return ORDER.compare(this, o);
    }
  }

  private static final Pattern CURSOR = Pattern.compile(
      "1\\.([a-z]{2})\\.([0-9a-f]{8})\\.(-?[0-9]{1,19})\\.([0-9]{1,9})\\.([0-9a-f]{32})");

  private Paging() {}

  /** The cursor of the page after the item at this position, for this listing and subject. */
  static String cursor(Listing listing, String subjectId, Position after) {
    String text = "1." + listing.tag + "." + owner(subjectId) + "." + after.at().getEpochSecond() + "."
        + after.at().getNano() + "." + after.id();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * The position a page request starts after, or null for the first page.
   *
   * @throws InvalidInputException if the cursor does not parse or is not for this listing and subject
   */
  static @Nullable Position start(PageRequest page, Listing listing, String subjectId) {
    if (page.cursor().isEmpty()) {
      return null;
    }
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(page.cursor().get()), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      throw invalid(listing);
    }
    Matcher m = CURSOR.matcher(text);
    if (!m.matches() || !m.group(1).equals(listing.tag) || !m.group(2).equals(owner(subjectId))) {
      throw invalid(listing);
    }
    try {
      Instant at = Instant.ofEpochSecond(Long.parseLong(m.group(3)), Long.parseLong(m.group(4)));
      at.toEpochMilli(); // a store keeps milliseconds: a time past them is no position of any record
      return new Position(at, m.group(5));
    } catch (NumberFormatException | DateTimeException | ArithmeticException e) {
      throw invalid(listing);
    }
  }

  private static InvalidInputException invalid(Listing listing) {
    return new InvalidInputException("cursor", "cursor is not a cursor of this listing ("
        + listing.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + "); pass the nextCursor of the "
        + "previous page of the same listing, for the same subject, unchanged (or no cursor for the first page)");
  }

  /** Who a cursor was made for: not a secret, only a check that it is used by the same subject. */
  private static String owner(String subjectId) {
    return String.format(java.util.Locale.ROOT, "%08x", subjectId.hashCode());
  }

  /**
   * A page of a listing read in batches from an ordered source, keeping the items that pass a filter: reads batches
   * after the start until the page is full and one more item passes (then there is a next page), or the source ends.
   *
   * @param limit the most items to return ({@code Integer.MAX_VALUE}: all)
   * @param start the position to start after, or null
   * @param fetch reads at most n items after a position (or null), in order
   * @param keep the filter
   * @param position an item's position
   * @return the items and the position the next page starts after, if there is one
   */
  static <T> Result<T> read(int limit, @Nullable Position start, BiFunction<@Nullable Position, Integer, List<T>> fetch,
      Predicate<T> keep, Function<T, Position> position) {
    List<T> out = new ArrayList<>();
    Position at = start;
    while (true) {
      int want = (int) Math.min(Integer.MAX_VALUE, (long) limit - out.size() + 1);
      Position from = at;
      List<T> batch = fetch.apply(at, want);
      for (T item : batch) {
        if (keep.test(item)) {
          if (out.size() == limit) {
            return new Result<>(out, Optional.of(position.apply(out.get(out.size() - 1))));
          }
          out.add(item);
        }
        at = position.apply(item);
      }
      if (batch.size() < want) {
        return new Result<>(out, Optional.empty());
      }
      if (from != null && at.compareTo(from) <= 0) { // a broken store would have this loop for ever
        throw new IllegalStateException("the grant store answered a page that does not move past its start "
            + "position; a narrow query must return records strictly after it, in order");
      }
    }
  }

  /**
   * A page of a listing whose whole answer is small and read at once (one subject's own records): sorted, after the
   * start, at most the limit.
   */
  static <T> Result<T> slice(List<T> all, int limit, @Nullable Position start, Function<T, Position> position) {
    List<T> sorted = all.stream().filter(t -> start == null || position.apply(t).compareTo(start) > 0)
        .sorted(Comparator.comparing(position)).toList();
    if (sorted.size() <= limit) {
      return new Result<>(sorted, Optional.empty());
    }
    List<T> items = sorted.subList(0, limit);
    return new Result<>(items, Optional.of(position.apply(items.get(limit - 1))));
  }

  /**
   * Items read and where the next page starts.
   *
   * @param items the items
   * @param next the position the next page starts after, if there is one
   */
  record Result<T>(List<T> items, Optional<Position> next) {
    Page<T> page(Listing listing, String subjectId) {
      return Page.of(items, next.map(p -> cursor(listing, subjectId, p)));
    }
  }
}
