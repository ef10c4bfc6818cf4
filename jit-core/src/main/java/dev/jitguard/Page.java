package dev.jitguard;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a listing: its items, in the listing's order, and the cursor of the next page if there may be one
 * (pass it to {@link PageRequest#after}). A last page has no next cursor; a next page may turn out empty when the
 * items after this one ended meanwhile. Immutable and thread-safe.
 *
 * @param <T> the item type
 */
public final class Page<T> {
  private final List<T> items;
  private final Optional<String> nextCursor;

  private Page(List<T> items, Optional<String> nextCursor) {
    this.items = List.copyOf(Objects.requireNonNull(items, "items cannot be null"));
    this.nextCursor = Objects.requireNonNull(nextCursor, "nextCursor cannot be null");
  }

  /**
   * A page.
   *
   * @param items the items, in order
   * @param nextCursor the next page's cursor, or empty for the last page
   * @param <T> the item type
   * @return the page
   */
  public static <T> Page<T> of(List<T> items, Optional<String> nextCursor) {
    return new Page<>(items, nextCursor);
  }

  /** @return the items, in the listing's order; unmodifiable */
  public List<T> items() {
    return items;
  }

  /** @return the cursor of the next page, or empty if this is the last */
  public Optional<String> nextCursor() {
    return nextCursor;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Page<?> p && p.items.equals(items) && p.nextCursor.equals(nextCursor);
  }

  @Override
  public int hashCode() {
    return 31 * items.hashCode() + nextCursor.hashCode();
  }

  @Override
  public String toString() {
    return "Page[items=" + items.size() + nextCursor.map(c -> ", nextCursor=" + c).orElse("") + "]";
  }
}
