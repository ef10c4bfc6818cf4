package dev.jitguard.internal;

import dev.jitguard.Consistency;
import dev.jitguard.MonotonicClock;
import dev.jitguard.spi.GrantStore;
import java.time.Clock;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard's time: the one place that decides what "now" is. Elapsed time comes from a monotonic clock, so the guard's
 * time never goes backwards and never runs slower than elapsed time, whatever the wall clock does:
 * <ul>
 *   <li>guard time = max(wall clock, guard time last seen + monotonic time elapsed since), kept as one offset against
 *       the monotonic clock that only ever grows;</li>
 *   <li>a wall clock set back is not followed: the guard keeps counting elapsed time, so no expired grant is valid
 *       again and no grant lasts longer in real time than it was issued for;</li>
 *   <li>a wall clock set forward is followed: grants may end early, never late;</li>
 *   <li>a jump of more than {@value #JUMP_TOLERANCE_MILLIS} ms either way is reported once to the listener (which
 *       audits it); a set-back is reported again only after the wall clock caught up;</li>
 *   <li>with a store shared by several instances, the wall clock is corrected to the store's clock when they differ
 *       by more than the tolerance of {@link Consistency}.</li>
 * </ul>
 *
 * <p>The check reads {@link #nowMillis()}: with the system clock that is one monotonic read and one volatile read,
 * and once a second of running time a comparison with the wall clock too (so a host that was suspended, during which
 * the monotonic clock stops, is noticed within a second of running again); every other operation and each maintenance
 * run compare with the wall clock ({@link #now()}). With any other clock (a test clock) the check reads the wall clock
 * every time, so tests that move their clock see every move at once. A clock that has no monotonic companion is
 * clamped instead: it never goes backwards, but a set-back cannot be told from a stall.
 *
 * <p>Thread-safe.
 */
public final class GuardClock {
  private static final Logger LOG = LoggerFactory.getLogger(GuardClock.class);
  /** Jumps up to this size are drift, followed (forward) or absorbed (back) without a record. */
  public static final long JUMP_TOLERANCE_MILLIS = 1000;
  private static final long JUMP_TOLERANCE_NANOS = JUMP_TOLERANCE_MILLIS * 1_000_000L;
  private static final AtomicLongFieldUpdater<GuardClock> OFFSET =
      AtomicLongFieldUpdater.newUpdater(GuardClock.class, "offset");

  /** Told once per jump of the wall clock beyond the tolerance. */
  @FunctionalInterface
  public interface JumpListener {
    /**
     * The wall clock jumped.
     *
     * @param wallMillis what the (corrected) wall clock says
     * @param guardMillis the guard's time
     * @param forward true if the wall clock went forward (followed), false if it went back (not followed)
     */
    void jumped(long wallMillis, long guardMillis, boolean forward);
  }

  private final Clock wall;
  private final MonotonicClock monotonic;
  private final boolean wallOnEveryRead;
  /** Whether the monotonic clock is the JVM's: the check then reads {@link System#nanoTime()} directly. */
  private final boolean systemMonotonic;
  /** With the system clocks: the monotonic reading after which the check compares with the wall clock again. */
  private volatile long nextWallRead;
  private static final long WALL_READ_PERIOD_NANOS = 1_000_000_000L;
  /** Guard time (epoch nanoseconds) minus the monotonic clock's reading; only grows. */
  private volatile long offset;
  /** Added to the wall clock: how far a shared store's clock is ahead of this host's, beyond the tolerance; else 0. */
  private volatile long correctionMillis;
  /** Whether the wall clock is behind the guard's time by more than the tolerance (a set-back already reported). */
  private final AtomicBoolean behind = new AtomicBoolean();
  private volatile JumpListener listener = (w, g, f) -> { };

  /**
   * Creates the guard's clock.
   *
   * @param wall the wall clock (dates, expiry instants)
   * @param monotonic elapsed time; null when the wall clock has none, which then clamps the wall clock instead
   * @param store the grant store: a shared one's clock corrects the wall clock from the start
   */
  public GuardClock(Clock wall, MonotonicClock monotonic, GrantStore store) {
    this.wall = wall;
    boolean system = wall.getClass() == Clock.systemUTC().getClass();
    this.systemMonotonic = monotonic == null && system;
    if (monotonic == null) {
      if (system) {
        monotonic = MonotonicClock.system();
      } else if (wall instanceof MonotonicClock m) {
        monotonic = m;
      } else {
        LOG.warn("the guard's clock {} is not the system clock and has no monotonic companion: a clock set back is "
            + "clamped but elapsed time cannot be measured. Give the builder withMonotonicClock(..), or use a clock "
            + "that implements MonotonicClock (the test kit's TestClock does).", wall);
        monotonic = new ClampedWallClock(wall);
      }
    }
    this.monotonic = monotonic;
    this.wallOnEveryRead = !system || monotonic instanceof ClampedWallClock;
    measure(store);
    this.offset = wallNanos() - monotonicNanos();
  }

  /**
   * Who is told of jumps (the guard audits them). Set once, at wiring.
   *
   * @param listener the listener
   */
  public void onJump(JumpListener listener) {
    this.listener = listener;
  }

  /**
   * The guard's time for the check hot path, in epoch milliseconds. Never decreases.
   *
   * @return the time
   */
  public long nowMillis() {
    if (systemMonotonic) {
      long m = System.nanoTime();
      if (m - nextWallRead < 0) {
        return Math.floorDiv(offset + m, 1_000_000L); // the system clocks: one monotonic read
      }
      // At most once a second of running time the check compares with the wall clock too, so a host that was
      // suspended (the monotonic clock stops meanwhile) is noticed within a second of running again.
      nextWallRead = m + WALL_READ_PERIOD_NANOS;
      return Math.floorDiv(follow(offset + m, m), 1_000_000L);
    }
    long m = monotonic.nanoTime();
    long t = offset + m;
    return Math.floorDiv(wallOnEveryRead ? follow(t, m) : t, 1_000_000L);
  }

  /**
   * The guard's time after comparing it with the wall clock: what every operation other than the check uses.
   *
   * @return the time, to the millisecond (like every instant the guard stores)
   */
  public Instant now() {
    long m = monotonicNanos();
    return Instant.ofEpochMilli(Math.floorDiv(follow(offset + m, m), 1_000_000L));
  }

  private long monotonicNanos() {
    return systemMonotonic ? System.nanoTime() : monotonic.nanoTime();
  }

  /** The wall clock, corrected, in epoch nanoseconds (as precise as the clock's instant). */
  private long wallNanos() {
    Instant w = wall.instant();
    return w.getEpochSecond() * 1_000_000_000L + w.getNano() + correctionMillis * 1_000_000L;
  }

  /**
   * Follows the wall clock forward and reports jumps. The offset is raised from a monotonic reading taken after the
   * wall clock's, so a wall clock and a monotonic clock that move together (a test clock, or the system's two clocks)
   * are never counted twice when they move between the two readings.
   */
  private long follow(long guard, long m) {
    long w = wallNanos();
    if (w > guard) {
      long after = monotonicNanos();
      long want = w - after;
      long raisedBy = 0;
      long cur;
      while ((cur = offset) < want) {
        if (OFFSET.compareAndSet(this, cur, want)) {
          raisedBy = want - cur;
          break;
        }
      }
      behind.set(false);
      // Reported by the one caller whose raise was the jump, however many read the clock meanwhile.
      if (raisedBy > JUMP_TOLERANCE_NANOS) {
        report(w, w - raisedBy, true);
      }
      return Math.max(guard, offset + after);
    }
    if (guard - w > JUMP_TOLERANCE_NANOS) {
      if (behind.compareAndSet(false, true)) {
        report(w, guard, false);
      }
    } else if (behind.get()) {
      behind.set(false);
    }
    return guard;
  }

  private void report(long w, long guard, boolean forward) {
    try {
      listener.jumped(Math.floorDiv(w, 1_000_000L), Math.floorDiv(guard, 1_000_000L), forward);
    } catch (RuntimeException e) {
      LOG.error("could not record a jump of the wall clock", e);
    }
  }

  /**
   * Measures how far a shared store's clock is from this host's and corrects the wall clock by it beyond the
   * tolerance (see {@link Consistency}). A failed measurement keeps the last correction.
   *
   * @param store the store; nothing happens unless it is shared
   */
  public void measure(GrantStore store) {
    if (!store.isShared()) {
      return;
    }
    OptionalLong measured;
    try {
      measured = store.clockOffsetMillis();
    } catch (RuntimeException e) {
      LOG.warn("could not measure the grant store's clock; keeping the correction of {} ms", correctionMillis, e);
      return;
    }
    if (measured.isEmpty()) {
      return;
    }
    long off = measured.getAsLong();
    long correction = Math.abs(off) > Consistency.CLOCK_TOLERANCE_MILLIS ? off : 0;
    if (correction != correctionMillis) {
      if (correction == 0) {
        LOG.info("this host's clock is within {} ms of the grant store's again; no correction",
            Consistency.CLOCK_TOLERANCE_MILLIS);
      } else {
        LOG.warn("this host's clock is {} ms {} the grant store's; the guard decides time by the store's clock "
            + "(correction {} ms). Run NTP on every host.", Math.abs(off), off > 0 ? "behind" : "ahead of",
            correction);
      }
      long raise = (correction - correctionMillis) * 1_000_000L;
      correctionMillis = correction;
      if (raise > 0) {
        // Follow the store's clock forward now, so that the change is not taken for a jump of the wall clock.
        OFFSET.getAndAdd(this, raise);
      } else if (raise < -JUMP_TOLERANCE_NANOS) {
        // A correction back is not followed (the guard's time never goes back), and is not a set-back of the wall
        // clock either: the guard counts elapsed time until the corrected wall clock has caught up.
        behind.set(true);
      }
    }
  }

  /** A wall clock without a monotonic companion: its own highest reading, so at least it never goes back. */
  private static final class ClampedWallClock implements MonotonicClock {
    private final Clock wall;
    private final java.util.concurrent.atomic.AtomicLong highest = new java.util.concurrent.atomic.AtomicLong(
        Long.MIN_VALUE);

    ClampedWallClock(Clock wall) {
      this.wall = wall;
    }

    @Override
    public long nanoTime() {
      long now = wall.millis();
      long seen = highest.accumulateAndGet(now, Math::max);
      return seen * 1_000_000L;
    }
  }
}
