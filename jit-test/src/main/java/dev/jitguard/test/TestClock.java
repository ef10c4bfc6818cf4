package dev.jitguard.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that stands still until a test moves it: {@link #advance(Duration)} and {@link #set(Instant)}.
 * Thread-safe: readers on other threads see each move at once. Use it instead of sleeping.
 *
 * <pre>{@code
 * TestClock clock = TestClock.at("2026-01-01T09:00:00Z");
 * PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withClock(clock).build();
 * clock.advance(Duration.ofMinutes(31));   // the 30-minute grant has expired
 * }</pre>
 */
public final class TestClock extends Clock {
  /** The instant a clock made with {@link #create()} starts at: 2026-01-01T09:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T09:00:00Z");

  private final AtomicReference<Instant> now;
  private final ZoneId zone;

  private TestClock(AtomicReference<Instant> now, ZoneId zone) {
    this.now = now;
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
        ZoneOffset.UTC);
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
   * Moves the clock forward (or back, with a negative duration: useful to test that a clock set back never revives
   * a grant).
   *
   * @param duration how far
   * @return the new instant
   */
  public Instant advance(Duration duration) {
    Objects.requireNonNull(duration, "duration cannot be null");
    return now.updateAndGet(t -> t.plus(duration));
  }

  /**
   * Sets the clock.
   *
   * @param instant the new instant
   */
  public void set(Instant instant) {
    now.set(Objects.requireNonNull(instant, "instant cannot be null"));
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

  /** Returns a clock in another zone that shares this clock's time (moving one moves both). */
  @Override
  public Clock withZone(ZoneId zone) {
    return new TestClock(now, Objects.requireNonNull(zone, "zone cannot be null"));
  }

  @Override
  public String toString() {
    return "TestClock[" + now.get() + "]";
  }
}
