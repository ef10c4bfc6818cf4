package dev.jitguard;

import java.time.Duration;
import java.util.Objects;

/**
 * How fresh a check must be when the grant store is shared by several application instances (a database). With an
 * unshared store (in memory) every check is exact and this setting has no effect.
 *
 * <ul>
 *   <li>{@link #cached(Duration)} (the default, one second): checks answer from the guard's in-memory index; what the
 *       index knows about a subject and privilege is re-read from the store at most this old, and changes made by
 *       other instances are pushed where the store can (PostgreSQL {@code LISTEN/NOTIFY}), so a revocation on one
 *       instance is enforced by the others well inside the bound.</li>
 *   <li>{@link #strict()}: every check confirms with the store: a revocation anywhere is enforced at the next check,
 *       at the cost of a database round trip per check.</li>
 * </ul>
 *
 * <p><b>One clock.</b> With a shared store that has a clock ({@link dev.jitguard.spi.GrantStore#clockOffsetMillis()},
 * the database's), every instance decides time by that clock: the guard measures how far the database's clock is from
 * its host's at start and on every maintenance run, and when they differ by more than
 * {@value #CLOCK_TOLERANCE_MILLIS} ms it reads its own clock corrected by the difference. So a host whose clock is
 * slow never stretches a grant (nor does a fast host that issues one), by more than the tolerance plus half a round
 * trip to the database.
 */
public final class Consistency {
  /** Clock differences between a host and a shared store up to this many milliseconds are not corrected. */
  public static final long CLOCK_TOLERANCE_MILLIS = 50;

  private static final Consistency STRICT = new Consistency(Duration.ZERO, true);

  private final Duration maxStaleness;
  private final boolean strict;

  private Consistency(Duration maxStaleness, boolean strict) {
    this.maxStaleness = maxStaleness;
    this.strict = strict;
  }

  /**
   * Answers from the index, re-reading from the store what is older than the bound.
   *
   * @param maxStaleness between 1 ms and 1 hour
   * @return the setting
   * @throws InvalidInputException if out of range
   */
  public static Consistency cached(Duration maxStaleness) {
    Objects.requireNonNull(maxStaleness, "maxStaleness cannot be null");
    if (maxStaleness.compareTo(Duration.ofMillis(1)) < 0 || maxStaleness.compareTo(Duration.ofHours(1)) > 0) {
      throw new InvalidInputException("maxStaleness", "maxStaleness must be between PT0.001S and PT1H, but was "
          + maxStaleness + "; use Consistency.strict() for no staleness at all");
    }
    return new Consistency(maxStaleness, false);
  }

  /**
   * Confirms every check with the store.
   *
   * @return the setting
   */
  public static Consistency strict() {
    return STRICT;
  }

  /** @return true if every check confirms with the store */
  public boolean isStrict() {
    return strict;
  }

  /** @return the staleness bound of cached mode (zero when strict) */
  public Duration maxStaleness() {
    return maxStaleness;
  }

  @Override
  public String toString() {
    return strict ? "Consistency.strict()" : "Consistency.cached(" + maxStaleness + ")";
  }
}
