package dev.jitguard.benchmarks;

import static dev.jitguard.benchmarks.ScaleFixtures.CHECKED;

import dev.jitguard.Decision;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.Subject;
import dev.jitguard.spi.GrantStore;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Issue 12, the check sweep: {@link PrivilegeGuard#check} with 1,000 / 100,000 / 1,000,000 live grants in the guard,
 * next to a nested-map floor of the same size measured in the same run.
 *
 * <p>The guard holds {@code grants} live grants ({@code grants / 5} subjects × 5 privileges, see
 * {@link ScaleFixtures}), stored through the in-memory store before the guard is built and loaded by it at start;
 * no-op audit sink, no maintenance thread, the system UTC clock.
 * <ul>
 *   <li>{@link #check_fixedKey}: always the same subject and privilege (the index's path stays in cache);</li>
 *   <li>{@link #check_spreadKeys}: a different subject per call, visiting every subject in a shuffled order from a
 *       precomputed array (the index's path is a cache miss at large sizes);</li>
 *   <li>{@link #floor_fixedKey} and {@link #floor_spreadKeys}: the same two on a
 *       {@code ConcurrentHashMap<String, ConcurrentHashMap<Privilege, Long>>} of the same subjects and privileges
 *       (subject id → privilege → expiry), one {@code System.nanoTime()} and a comparison, as the guard's check
 *       reads the monotonic clock.</li>
 * </ul>
 * The setup checks every subject once (so every first use, which is audited as an event, is behind us) and verifies
 * that each check allows. Run with {@code -t 1}: the spread cursor is a plain field.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class ScalingCheckBenchmark {
  private static final long SEED = 12;

  /** The guard with {@code grants} live grants. */
  @State(Scope.Benchmark)
  public static class GuardState {
    /** Live grants in the guard. */
    @Param({"1000", "100000", "1000000"})
    public int grants;

    PrivilegeGuard guard;
    Subject fixed;
    Subject[] keys;
    int cursor;

    /** Stores the grants, builds the guard (which loads them), checks every subject once and verifies it. */
    @Setup(Level.Trial)
    public void setUp() {
      long t0 = System.nanoTime();
      GrantStore store = GrantStore.inMemory();
      Subject[] subjects = ScaleFixtures.loadLiveGrants(store, grants, 1);
      long t1 = System.nanoTime();
      guard = ScaleFixtures.guard(store);
      System.out.println("[ScalingCheckBenchmark] " + grants + " grants stored in " + ScaleFixtures.seconds(t0)
          + ", guard started in " + ScaleFixtures.seconds(t1));
      fixed = subjects[subjects.length / 2];
      int[] order = ScaleFixtures.shuffled(subjects.length, SEED);
      keys = new Subject[order.length];
      for (int i = 0; i < order.length; i++) {
        keys[i] = subjects[order[i]];
        ScaleFixtures.expectGranted(guard.check(keys[i], CHECKED), "first check of " + keys[i].id());
      }
      for (int i = 0; i < keys.length; i++) {
        ScaleFixtures.expectGranted(spreadKeys(this), "spread check");
      }
      ScaleFixtures.expectGranted(fixedKey(this), "fixed check");
      ScaleFixtures.expect(guard.activeGrants(fixed).size() == ScaleFixtures.PRIVILEGES_PER_SUBJECT,
          "expected " + ScaleFixtures.PRIVILEGES_PER_SUBJECT + " active grants of " + fixed.id());
      System.out.println("[ScalingCheckBenchmark] set-up of " + grants + " grants took " + ScaleFixtures.seconds(t0));
    }

    /** Closes the guard. */
    @TearDown(Level.Trial)
    public void tearDown() {
      guard.close();
    }
  }

  /** The floor: the same subjects and privileges in a nested map. */
  @State(Scope.Benchmark)
  public static class FloorState {
    /** Entries in the map. */
    @Param({"1000", "100000", "1000000"})
    public int grants;

    ConcurrentHashMap<String, ConcurrentHashMap<Privilege, Long>> map;
    String fixed;
    String[] keys;
    int cursor;
    long nanoOffset;

    /** Builds the map and the keys (strings of their own, as the guard's subjects are) and verifies a hit. */
    @Setup(Level.Trial)
    public void setUp() {
      map = ScaleFixtures.nestedFloor(grants);
      int subjects = grants / ScaleFixtures.PRIVILEGES_PER_SUBJECT;
      int[] order = ScaleFixtures.shuffled(subjects, SEED);
      keys = new String[subjects];
      for (int i = 0; i < subjects; i++) {
        keys[i] = ScaleFixtures.subjectId(order[i]);
      }
      fixed = ScaleFixtures.subjectId(subjects / 2);
      nanoOffset = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
      for (int i = 0; i < subjects; i++) {
        ScaleFixtures.expect(spreadKeys(this), "the floor must hit every key");
      }
      ScaleFixtures.expect(live(this, fixed), "the floor must hit");
    }
  }

  /**
   * One subject, one privilege, always.
   *
   * @param s the guard
   * @return GRANTED
   */
  @Benchmark
  public Decision check_fixedKey(GuardState s) {
    return fixedKey(s);
  }

  /**
   * A different subject each call.
   *
   * @param s the guard
   * @return GRANTED
   */
  @Benchmark
  public Decision check_spreadKeys(GuardState s) {
    return spreadKeys(s);
  }

  /**
   * The floor with one key.
   *
   * @param f the map
   * @return true (live)
   */
  @Benchmark
  public boolean floor_fixedKey(FloorState f) {
    return live(f, f.fixed);
  }

  /**
   * The floor with a different key each call.
   *
   * @param f the map
   * @return true (live)
   */
  @Benchmark
  public boolean floor_spreadKeys(FloorState f) {
    return spreadKeys(f);
  }

  static Decision fixedKey(GuardState s) {
    return s.guard.check(s.fixed, CHECKED);
  }

  static Decision spreadKeys(GuardState s) {
    int i = s.cursor;
    s.cursor = i + 1 == s.keys.length ? 0 : i + 1;
    return s.guard.check(s.keys[i], CHECKED);
  }

  static boolean spreadKeys(FloorState f) {
    int i = f.cursor;
    f.cursor = i + 1 == f.keys.length ? 0 : i + 1;
    return live(f, f.keys[i]);
  }

  private static boolean live(FloorState f, String subjectId) {
    ConcurrentHashMap<Privilege, Long> bySubject = f.map.get(subjectId);
    Long expiry = bySubject == null ? null : bySubject.get(CHECKED);
    return expiry != null && Math.floorDiv(f.nanoOffset + System.nanoTime(), 1_000_000L) < expiry;
  }
}
