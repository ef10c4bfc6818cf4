package dev.jitguard;

/**
 * Elapsed time that only goes forward, whatever the wall clock does: the guard's defence against a clock set back
 * (sudo's answer to CVE-2013-1775). The guard reads the wall clock ({@link java.time.Clock}) to date what it issues and
 * this clock to measure how much time really passed, so a wall clock set back never revives an expired grant and never
 * makes a grant last longer than it was issued for; a wall clock set forward may only end grants early.
 *
 * <p>With the default system clock the guard uses {@link #system()}. A test clock that implements this interface
 * (the test kit's {@code TestClock} does) is used as both; see
 * {@link PrivilegeGuard.Builder#withMonotonicClock(MonotonicClock)}.
 *
 * <p>Implementations must be thread-safe, cheap (the check reads it on every call) and never go backwards.
 */
@FunctionalInterface
public interface MonotonicClock {

  /**
   * The current value of a monotonic counter, in nanoseconds from an arbitrary origin; only differences matter.
   *
   * @return nanoseconds, never less than a value returned before
   */
  long nanoTime();

  /**
   * The JVM's monotonic clock, {@link System#nanoTime()}.
   *
   * @return the system monotonic clock
   */
  static MonotonicClock system() {
    return System::nanoTime;
  }
}
