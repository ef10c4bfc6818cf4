package dev.jitguard.benchmarks;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.policy.Policy;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.jspecify.annotations.Nullable;

/**
 * {@link PrivilegeGuard#check(Subject, Privilege)} on its three hot paths, next to the floors of
 * {@code shared/research/perf.md} measured in the same run.
 *
 * <p>Scenario (as in perf.md): 100 subjects × 5 privileges = 500 live grants, each issued through the public API
 * (auto-approved requests of one hour), plus one grant that has expired. The measured subject is {@code user-42}:
 * <ul>
 *   <li>{@link #check_allow}: {@code db.prod.write}, an active time-bound grant; answers GRANTED;</li>
 *   <li>{@link #check_denyMissing}: {@code db.prod.drop}, covered by the policy but never granted; answers
 *       NO_GRANT;</li>
 *   <li>{@link #check_denyExpired}: {@code db.prod.admin}, granted for 50 ms and expired before the first
 *       measurement; answers GRANT_EXPIRED.</li>
 * </ul>
 *
 * <p>The guard runs as in production: the system UTC clock (one {@code System.currentTimeMillis()} per check), the
 * in-memory grant store, no listener. Two things differ, so that the check alone is measured: the audit sink does
 * nothing ({@code e -> {}}), and there is no maintenance thread (its periodic flush of use counters is not part of a
 * check). Because the first use of a grant and the first denial are audited as events and later ones only counted,
 * the setup performs each check once before measuring: the benchmarks measure the steady state.
 *
 * <p>The floors: {@link #floor_chmAllow} is a {@code ConcurrentHashMap<GrantKey, Long>} hit with a key built
 * beforehand, one {@code System.currentTimeMillis()} read and a comparison (the same clock read the guard does);
 * {@link #floor_chmAbsent} is the same map missing (no clock read). Two more references help read the figures:
 * {@link #ref_chmNestedAllow} is the floor on the guard's own index shape (subject → privilege → expiry), and
 * {@link #floor_clock} is the clock read alone. Since the guard measures elapsed time with the monotonic clock (a wall
 * clock set back must not revive a grant), its check reads {@code System.nanoTime()} instead:
 * {@link #floor_monotonicClock} is that read alone, and {@link #floor_chmAllowMonotonic} the map floor with it.
 *
 * <p>State is {@link Scope#Benchmark}: with {@code -t 2} both threads check the same subject and privilege, which is
 * the contended case for the guard's use and denial counters.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CheckBenchmark {
  static final int SUBJECTS = 100;
  static final String[] PRIVILEGES = {"db.prod.read", "db.prod.write", "payments.refund", "deploy.prod",
      "secrets.read"};
  static final String MISSING = "db.prod.drop";
  static final String EXPIRING = "db.prod.admin";
  static final Duration LIVE = Duration.ofHours(1);
  static final Duration SHORT = Duration.ofMillis(50);

  /** The key of the floor's map, built once in the setup (perf.md: a record key built per call costs 24 B/op). */
  record GrantKey(String subjectId, Privilege privilege) {}

  private PrivilegeGuard guard;
  private Subject subject;
  private Privilege allowed;
  private Privilege missing;
  private Privilege expired;

  private ConcurrentHashMap<GrantKey, Long> floorMap;
  private GrantKey floorAllowKey;
  private GrantKey floorAbsentKey;
  /** Epoch nanoseconds minus {@code System.nanoTime()}: the guard's offset, for the monotonic floor. */
  private long nanoOffset;
  private ConcurrentHashMap<String, ConcurrentHashMap<Privilege, Long>> floorNested;

  /**
   * Issues the grants, lets the short one expire, runs each check once (so the first-use and first-denial audit
   * events are behind us) and verifies every answer.
   *
   * @throws InterruptedException if interrupted while waiting for the short grant to expire
   */
  @Setup(Level.Trial)
  public void setUp() throws InterruptedException {
    Policy.Builder pb = Policy.builder().version("bench-1");
    for (String p : PRIVILEGES) {
      pb.privilege(p, r -> r.eligibleGroups("staff").autoApprove(AutoApproveCondition.always()));
    }
    pb.privilege(MISSING, r -> r.eligibleGroups("staff").autoApprove(AutoApproveCondition.always()));
    pb.privilege(EXPIRING, r -> r.eligibleGroups("staff").autoApprove(AutoApproveCondition.always()));
    guard = PrivilegeGuard.builder()
        .withPolicy(pb.build())
        .withClock(Clock.systemUTC())
        .withAuditSink(e -> { })
        .withoutBackgroundMaintenance()
        .build();

    floorMap = new ConcurrentHashMap<>();
    floorNested = new ConcurrentHashMap<>();
    long floorExpiry = System.currentTimeMillis() + LIVE.toMillis();
    Subject[] subjects = new Subject[SUBJECTS];
    Privilege[] privileges = new Privilege[PRIVILEGES.length];
    for (int j = 0; j < PRIVILEGES.length; j++) {
      privileges[j] = Privilege.of(PRIVILEGES[j]);
    }
    for (int i = 0; i < SUBJECTS; i++) {
      subjects[i] = Subject.of("user-" + i, "staff");
      for (Privilege p : privileges) {
        expect(guard.request(ElevationRequest.builder(subjects[i], p).justification("benchmark").duration(LIVE)
            .build()), ReasonCode.AUTO_APPROVED, "request " + subjects[i].id() + "/" + p);
        floorMap.put(new GrantKey(subjects[i].id(), p), floorExpiry);
        floorNested.computeIfAbsent(subjects[i].id(), k -> new ConcurrentHashMap<>()).put(p, floorExpiry);
      }
    }

    subject = subjects[42];
    allowed = privileges[1];
    missing = Privilege.of(MISSING);
    expired = Privilege.of(EXPIRING);
    expect(guard.request(ElevationRequest.builder(subject, expired).justification("benchmark").duration(SHORT)
        .build()), ReasonCode.AUTO_APPROVED, "request of the short grant");
    floorMap.put(new GrantKey(subject.id(), expired), System.currentTimeMillis() + SHORT.toMillis());
    Thread.sleep(SHORT.toMillis() * 4);

    floorAllowKey = new GrantKey(subject.id(), allowed);
    floorAbsentKey = new GrantKey(subject.id(), missing);
    if (guard.activeGrants(subject).size() != PRIVILEGES.length) {
      throw new IllegalStateException("expected " + PRIVILEGES.length + " active grants for " + subject.id()
          + ", found " + guard.activeGrants(subject));
    }
    // Twice each: the first call records the first use / first denial; the second is the measured steady state.
    for (int round = 0; round < 2; round++) {
      expect(check_allow(), ReasonCode.GRANTED, "check_allow");
      expect(check_denyMissing(), ReasonCode.NO_GRANT, "check_denyMissing");
      expect(check_denyExpired(), ReasonCode.GRANT_EXPIRED, "check_denyExpired");
    }
    if (check_allow() != check_allow() || check_denyMissing() != check_denyMissing()
        || check_denyExpired() != check_denyExpired()) {
      throw new IllegalStateException("check must return prebuilt decisions on the steady state");
    }
    nanoOffset = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    if (!floor_chmAllow() || !ref_chmNestedAllow() || !floor_chmAllowMonotonic()) {
      throw new IllegalStateException("floor_chmAllow, ref_chmNestedAllow and floor_chmAllowMonotonic must allow");
    }
    if (floor_chmAbsent() != null) {
      throw new IllegalStateException("floor_chmAbsent must miss");
    }
  }

  private static void expect(Decision d, ReasonCode reason, String what) {
    if (d.reason() != reason) {
      throw new IllegalStateException(what + ": expected " + reason + " but was " + d.outcome() + "/" + d.reason()
          + ": " + d.message());
    }
    boolean granted = reason == ReasonCode.GRANTED || reason == ReasonCode.AUTO_APPROVED;
    if (d.isGranted() != granted || (!granted && !(d instanceof Decision.Denied))) {
      throw new IllegalStateException(what + ": expected " + (granted ? "granted" : "denied") + " but was " + d);
    }
  }

  /** Closes the guard. */
  @TearDown(Level.Trial)
  public void tearDown() {
    guard.close();
  }

  // ------------------------------------------------------------------------------------------------- the guard

  /**
   * An active time-bound grant.
   *
   * @return GRANTED
   */
  @Benchmark
  public Decision check_allow() {
    return guard.check(subject, allowed);
  }

  /**
   * No grant at all for this privilege.
   *
   * @return DENIED, NO_GRANT
   */
  @Benchmark
  public Decision check_denyMissing() {
    return guard.check(subject, missing);
  }

  /**
   * A grant that has expired (still in the guard's index, as after any expiry until maintenance trims it).
   *
   * @return DENIED, GRANT_EXPIRED
   */
  @Benchmark
  public Decision check_denyExpired() {
    return guard.check(subject, expired);
  }

  // ------------------------------------------------------------------------------------------------- the floors

  /**
   * The floor: a map hit with a prebuilt key, one clock read and a comparison.
   *
   * @return true (not expired)
   */
  @Benchmark
  public boolean floor_chmAllow() {
    Long expiresAt = floorMap.get(floorAllowKey);
    return expiresAt != null && System.currentTimeMillis() < expiresAt;
  }

  /**
   * For reference: the same map missing, no clock read.
   *
   * @return null
   */
  @Benchmark
  public @Nullable Long floor_chmAbsent() {
    return floorMap.get(floorAbsentKey);
  }

  /**
   * For reference: the floor on the guard's index shape, subject id → privilege → expiry (two lookups, no key
   * object), one clock read and a comparison. The difference to {@link #floor_chmAllow} is the cost of the second
   * level; the difference to {@link #check_allow} is the guard's own work.
   *
   * @return true (not expired)
   */
  @Benchmark
  public boolean ref_chmNestedAllow() {
    ConcurrentHashMap<Privilege, Long> bySubject = floorNested.get(subject.id());
    Long expiresAt = bySubject == null ? null : bySubject.get(allowed);
    return expiresAt != null && System.currentTimeMillis() < expiresAt;
  }

  /**
   * For reference: the clock read alone.
   *
   * @return the time
   */
  @Benchmark
  public long floor_clock() {
    return System.currentTimeMillis();
  }

  /**
   * For reference: the monotonic clock read alone, which the guard's check does instead of the wall clock.
   *
   * @return the time
   */
  @Benchmark
  public long floor_monotonicClock() {
    return System.nanoTime();
  }

  /**
   * The floor of {@link #floor_chmAllow} with the clock read the guard does: a map hit, one
   * {@code System.nanoTime()} turned into milliseconds with an offset, and a comparison.
   *
   * @return whether the grant is live
   */
  @Benchmark
  public boolean floor_chmAllowMonotonic() {
    Long expiry = floorMap.get(floorAllowKey);
    return expiry != null && Math.floorDiv(nanoOffset + System.nanoTime(), 1_000_000L) < expiry;
  }
}
