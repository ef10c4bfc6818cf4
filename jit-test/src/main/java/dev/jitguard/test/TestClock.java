package dev.jitguard.test;

import dev.jitguard.MonotonicClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that stands still until a test moves it, with the {@link MonotonicClock} of the time that passes:
 * the guard reads both, the wall clock for dates and the monotonic one for elapsed time. Thread-safe: readers on other
 * threads see each move at once. Use it instead of sleeping.
 *
 * <ul>
 *   <li>{@link #advance(Duration)} and {@link #set(Instant)} forward: time passes, both clocks move;</li>
 *   <li>{@link #advance(Duration)} with a negative duration, and {@link #set(Instant)} back: the wall clock is set
 *       back and no time passes;</li>
 *   <li>{@link #setWallClock(Instant)} and {@link #moveWallClock(Duration)}: only the wall clock moves, either way, as
 *       when an operator or NTP steps it; {@link #elapse(Duration)}: only time passes, as when the wall clock was
 *       stopped.</li>
 * </ul>
 *
 * <pre>{@code
 * TestClock clock = TestClock.at("2026-01-01T09:00:00Z");
 * PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withClock(clock).build();
 * clock.advance(Duration.ofMinutes(31));   // the 30-minute grant has expired
 * }</pre>
 */
public final class TestClock extends Clock implements MonotonicClock {
  /** The instant a clock made with {@link #create()} starts at: 2026-01-01T09:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T09:00:00Z");

  private final AtomicReference<Instant> now;
  private final AtomicLong elapsedNanos;
  private final ZoneId zone;

  private TestClock(AtomicReference<Instant> now, AtomicLong elapsedNanos, ZoneId zone) {
    this.now = now;
    this.elapsedNanos = elapsedNanos;
    this.zone = zone;
  }

  /**
   * A clock at {@link #DEFAULT_START}, in UTC.
   *
   * @return the clock
   */
  public static TestClock create() {
    return at(DEFAULT_START);
  }

  /**
   * A clock at an instant, in UTC.
   *
   * @param start the start
   * @return the clock
   */
  public static TestClock at(Instant start) {
    return new TestClock(new AtomicReference<>(Objects.requireNonNull(start, "start cannot be null")),
        new AtomicLong(), ZoneOffset.UTC);
  }

  /**
   * A clock at an instant given in ISO-8601, in UTC.
   *
   * @param isoInstant for example {@code 2026-01-01T09:00:00Z}
   * @return the clock
   */
  public static TestClock at(String isoInstant) {
    return at(Instant.parse(isoInstant));
  }

  /**
   * Lets time pass (a positive duration: both clocks move), or sets the wall clock back (a negative duration: no time
   * passes; useful to test that a clock set back never revives a grant).
   *
   * @param duration how far
   * @return the new wall-clock instant
   */
  public Instant advance(Duration duration) {
    Objects.requireNonNull(duration, "duration cannot be null");
    if (!duration.isNegative()) {
      elapse(duration); // elapsed time first: a reader never sees the wall clock ahead of the time that passed
    }
    return now.updateAndGet(t -> t.plus(duration));
  }

  /**
   * Sets the wall clock: forward, time passes as with {@link #advance}; back, it is a set-back and no time passes.
   *
   * @param instant the new instant
   */
  public void set(Instant instant) {
    Objects.requireNonNull(instant, "instant cannot be null");
    Duration d = Duration.between(now.get(), instant);
    if (d.isNegative()) {
      now.set(instant);
    } else {
      advance(d);
    }
  }

  /**
   * Steps the wall clock to an instant, either way, while no time passes (an operator or NTP setting the clock).
   *
   * @param instant the new wall-clock instant
   */
  public void setWallClock(Instant instant) {
    now.set(Objects.requireNonNull(instant, "instant cannot be null"));
  }

  /**
   * Steps the wall clock by a duration, either way, while no time passes.
   *
   * @param duration how far
   * @return the new wall-clock instant
   */
  public Instant moveWallClock(Duration duration) {
    Objects.requireNonNull(duration, "duration cannot be null");
    return now.updateAndGet(t -> t.plus(duration));
  }

  /**
   * Lets time pass without moving the wall clock (a wall clock that was stopped or set back meanwhile).
   *
   * @param duration how long, zero or positive
   */
  public void elapse(Duration duration) {
    Objects.requireNonNull(duration, "duration cannot be null");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("elapsed time only goes forward, but the duration was " + duration
          + "; to set the wall clock back use moveWallClock(..) or advance(..) with a negative duration");
    }
    elapsedNanos.addAndGet(duration.toNanos());
  }

  @Override
  public long nanoTime() {
    return elapsedNanos.get();
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public long millis() {
    return now.get().toEpochMilli();
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new TestClock(now, elapsedNanos, Objects.requireNonNull(zone, "zone cannot be null"));
  }

  @Override
  public String toString() {
    return "TestClock[" + now.get() + "]";
  }
}
