package dev.jitguard.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.Consistency;
import dev.jitguard.Decision;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.benchmarks.JdbcBenchDatabases.JdbcDurability;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.store.JdbcGrantStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 12, start-up that does not pay twice: a plain harness (not JMH) that measures, on PostgreSQL (embedded, zonky,
 * PostgreSQL 14), how long a guard takes to start on a store of {@code n} live grants, and what the first check of a
 * grant costs after it, printing both.
 *
 * <p>For each size given (default 10,000 and 100,000): a fresh server, {@code n} live grants stored through the
 * {@link JdbcGrantStore} ({@code n / 5} subjects × 5 privileges, {@link ScaleFixtures}, 4 threads), then
 * {@value #ROUNDS} rounds, each a new guard on a new store on the same database ({@code Consistency.cached(1 s)}, the
 * default, or the bound given as {@code -Djitguard.bench.bound=PT5S}; no-op audit sink; no maintenance thread; the
 * system clock). The first round pays for class loading and
 * compilation; the others show the warm figures. Each round prints:
 * <ul>
 *   <li><b>start-up</b>: {@code PrivilegeGuard.builder()...build()}, which loads every live grant; next to it, the
 *       store's {@code liveGrants()} alone, called just before (the query and reading its rows);</li>
 *   <li><b>first check, loaded and fresh</b> ("after"): the first check of {@value #SAMPLES} preloaded grants of as
 *       many subjects, right after start-up, within the bound counted from before the load;</li>
 *   <li><b>first check, loaded but stale</b> ("before", from the same run): after waiting out the bound, the first
 *       check of {@value #SAMPLES} other preloaded grants. Their slots are stale, so each check reads the database:
 *       what every first check of a preloaded grant cost before the preloaded slots were marked fresh;</li>
 *   <li><b>first check, nothing loaded</b>: subjects with no grant (denied NO_GRANT), which always ask the database
 *       (once per bound).</li>
 * </ul>
 * The first check of a grant records its first use (a {@code USED} event, here to a no-op sink through the
 * guard's bounded call to the sink), fresh or stale alike. The loaded slots are fresh until the load began plus the
 * bound: a start-up that takes longer than the bound leaves them stale, and the first checks then read the database.
 * Each figure is the median, 90th percentile and maximum in microseconds, with the number of checks slower than
 * {@value #DATABASE_MICROS} µs (a database round trip here takes 100 µs or more; a check from the index a few).
 *
 * <p>Run from the repository root:
 * {@code java -cp jit-benchmarks/target/benchmarks.jar dev.jitguard.benchmarks.StartupHarness 10000 100000}
 */
public final class StartupHarness {
  static final int ROUNDS = 3;
  static final int SAMPLES = 200;
  static final int DATABASE_MICROS = 50;
  /** The staleness bound: {@code -Djitguard.bench.bound=PT5S} to try another; the guard's default is one second. */
  static final Duration BOUND = Duration.parse(System.getProperty("jitguard.bench.bound", "PT1S"));

  private StartupHarness() {}

  /**
   * Measures each size given, or 10,000 and 100,000.
   *
   * @param args the sizes (live grants), each a multiple of 5 and at least {@code 5 * 3 * SAMPLES}
   * @throws Exception if the database fails
   */
  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int[] sizes = args.length == 0 ? new int[] {10_000, 100_000} : new int[args.length];
    for (int i = 0; i < args.length; i++) {
      sizes[i] = Integer.parseInt(args[i].replace("_", "").replace(",", ""));
    }
    for (int n : sizes) {
      measure(n);
    }
  }

  private static void measure(int n) throws IOException {
    int subjects = n / ScaleFixtures.PRIVILEGES_PER_SUBJECT;
    if (subjects < 3 * SAMPLES) {
      throw new IllegalArgumentException("at least " + 5 * 3 * SAMPLES + " grants, but was " + n);
    }
    long t0 = System.nanoTime();
    try (EmbeddedPostgres pg = JdbcBenchDatabases.startPostgres(JdbcDurability.zonky_default);
        HikariDataSource pool = JdbcBenchDatabases.postgresPool(pg, "startup", 4)) {
      JdbcBenchDatabases.describe(pool, true);
      long t1 = System.nanoTime();
      try (JdbcGrantStore loader = JdbcBenchDatabases.store(pool, null)) {
        ScaleFixtures.loadLiveGrants(loader, n, 4);
      }
      System.out.printf(Locale.ROOT, "[StartupHarness] %,d live grants: database started in %.1f s, rows stored in "
          + "%.1f s; bound %s%n", n, (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9, BOUND);
      int step = subjects / (3 * SAMPLES);
      for (int round = 1; round <= ROUNDS; round++) {
        try (JdbcGrantStore store = JdbcBenchDatabases.store(pool, JdbcBenchDatabases.postgresListener(pg))) {
          AuditSink noop = e -> { };
          long q0 = System.nanoTime();
          int rows = store.liveGrants().size(); // the start-up query alone, for reference
          long queryNanos = System.nanoTime() - q0;
          ScaleFixtures.expect(rows == n, "expected " + n + " live grants, the store has " + rows);
          long s0 = System.nanoTime();
          PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(ScaleFixtures.policy()).withGrantStore(store)
              .withAuditSink(noop).withClock(Clock.systemUTC()).withoutBackgroundMaintenance()
              .withConsistency(Consistency.cached(BOUND)).build();
          long s1 = System.nanoTime();
          try {
            String fresh = firstChecks(guard, 0, step, true);
            long sinceStart = System.nanoTime() - s0;
            // Wait out the bound, counted from before the load (which began after s0).
            LockSupport.parkNanos(BOUND.toNanos() + TimeUnit.MILLISECONDS.toNanos(200) - sinceStart);
            String stale = firstChecks(guard, 1, step, true);
            String none = firstChecks(guard, 2, step, false);
            System.out.printf(Locale.ROOT, "[StartupHarness] %,d live grants, round %d: start-up %.0f ms (the "
                + "store's liveGrants() alone, just before: %.0f ms); first check, loaded and fresh (after): %s; "
                + "first check, loaded but stale (before): %s; first check, nothing loaded: %s%n", n, round,
                (s1 - s0) / 1e6, queryNanos / 1e6, fresh, stale, none);
          } finally {
            guard.close();
          }
        }
      }
    }
  }

  /**
   * The first check of {@value #SAMPLES} subjects, {@code offset}, {@code offset + 3 step}, ... apart, each timed.
   *
   * @param loaded whether they hold grants (else subjects with no grant are checked)
   */
  private static String firstChecks(PrivilegeGuard guard, int offset, int step, boolean loaded) {
    long[] micros = new long[SAMPLES];
    long[] nanos = new long[SAMPLES];
    Subject[] subjects = new Subject[SAMPLES];
    for (int k = 0; k < SAMPLES; k++) {
      int i = (3 * k + offset) * step;
      subjects[k] = Subject.of(loaded ? ScaleFixtures.subjectId(i) : "nobody-" + i, "staff");
    }
    for (int k = 0; k < SAMPLES; k++) {
      long t = System.nanoTime();
      Decision d = guard.check(subjects[k], ScaleFixtures.CHECKED);
      nanos[k] = System.nanoTime() - t;
      if (loaded ? !d.isGranted() : d.reason() != ReasonCode.NO_GRANT) {
        throw new IllegalStateException("check of " + subjects[k].id() + ": expected " + (loaded ? "granted"
            : "NO_GRANT") + ", got " + d.outcome() + "/" + d.reason());
      }
    }
    int slow = 0;
    for (int k = 0; k < SAMPLES; k++) {
      micros[k] = nanos[k] / 1000;
      slow += micros[k] >= DATABASE_MICROS ? 1 : 0;
    }
    Arrays.sort(nanos);
    return String.format(Locale.ROOT, "median %.1f µs, p90 %.1f µs, max %.1f µs, %d of %d over %d µs",
        nanos[SAMPLES / 2] / 1e3, nanos[SAMPLES * 9 / 10] / 1e3, nanos[SAMPLES - 1] / 1e3, slow, SAMPLES,
        DATABASE_MICROS);
  }
}
