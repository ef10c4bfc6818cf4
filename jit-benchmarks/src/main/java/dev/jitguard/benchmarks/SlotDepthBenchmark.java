package dev.jitguard.benchmarks;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.policy.Policy;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.spi.AuditSink;
import java.time.Clock;
import java.time.Duration;
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
 * Issue 12, the slot sweep: one subject with 1 / 10 / 100 grants, all issued through the public API (auto-approved
 * requests of one hour), no-op audit sink, no maintenance thread, the system UTC clock. What the check costs as the
 * subject's grants grow:
 * <ul>
 *   <li>{@link #check_distinct}: {@code grants} live grants of as many privileges; the check is of the last one.
 *       The floor is {@link #floor_nested}, a nested map of the same subject and privileges.</li>
 *   <li>{@link #check_ended}: {@code grants - 1} revoked grants of one privilege, then one live grant of it; the
 *       check allows by the live one. {@code grants = 1} is the baseline (no ended grant).</li>
 *   <li>{@link #checkAction_last}: {@code grants} action grants of one privilege, each for one call of the same
 *       action with other arguments ({@code uses = 1,000,000} each); {@code checkAction} of the last one's call,
 *       which spends one use in the store. Run with {@code -prof gc} to see what it allocates. Its state is rebuilt
 *       before every iteration, so that the uses never run out and every iteration starts from the same slot.</li>
 *   <li>{@link #checkAction_otherArguments}: the same slot, {@code checkAction} of a call no grant was approved
 *       for (denied ACTION_MISMATCH after looking at every grant; nothing is spent).</li>
 * </ul>
 * Each {@code @Setup} verifies every answer and performs each check once, so first uses and first denials (audited
 * as events) are behind us.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class SlotDepthBenchmark {
  static final Subject HOLDER = Subject.of("holder", "staff");
  static final Privilege ONE = Privilege.of("depth.one");
  static final Privilege ACTION = Privilege.of("depth.action");
  static final String ACTION_NAME = "depth.run";
  static final int MAX_GRANTS = 100;

  static Privilege distinct(int i) {
    return Privilege.of("depth.p" + i);
  }

  static PrivilegeGuard newGuard() {
    Policy.Builder b = Policy.builder().version("depth-1");
    for (int i = 0; i < MAX_GRANTS; i++) {
      b.privilege(distinct(i).toString(), r -> r.eligibleGroups("staff").autoApprove(AutoApproveCondition.always()));
    }
    b.privilege(ONE.toString(), r -> r.eligibleGroups("staff").autoApprove(AutoApproveCondition.always()));
    b.privilege(ACTION.toString(), r -> r.eligibleGroups("staff").autoApprove(AutoApproveCondition.always())
        .maxUses(ElevationRequest.MAX_USES));
    AuditSink noop = e -> { };
    return PrivilegeGuard.builder().withPolicy(b.build()).withAuditSink(noop).withClock(Clock.systemUTC())
        .withoutBackgroundMaintenance().build();
  }

  static Grant issue(PrivilegeGuard guard, ElevationRequest.Builder request) {
    Decision d = guard.request(request.justification(ScaleFixtures.JUSTIFICATION).duration(Duration.ofHours(1))
        .build());
    if (!(d instanceof Decision.Granted g)) {
      throw new IllegalStateException("expected an auto-approved grant, got " + d);
    }
    return g.grant();
  }

  static void expect(Decision d, ReasonCode reason, String what) {
    if (d.reason() != reason) {
      throw new IllegalStateException(what + ": expected " + reason + ", got " + d.outcome() + "/" + d.reason()
          + ": " + d.message());
    }
  }

  /** {@code grants} live grants of distinct privileges, and the nested-map floor of the same. */
  @State(Scope.Benchmark)
  public static class Distinct {
    /** Grants the subject holds. */
    @Param({"1", "10", "100"})
    public int grants;

    PrivilegeGuard guard;
    Privilege checked;
    ConcurrentHashMap<String, ConcurrentHashMap<Privilege, Long>> floor;
    String floorKey;
    long nanoOffset;

    /** Issues and verifies. */
    @Setup(Level.Trial)
    public void setUp() {
      guard = newGuard();
      floor = new ConcurrentHashMap<>();
      ConcurrentHashMap<Privilege, Long> inner = new ConcurrentHashMap<>();
      for (int i = 0; i < grants; i++) {
        Grant g = issue(guard, ElevationRequest.builder(HOLDER, distinct(i)));
        inner.put(g.privilege(), g.expiresAt().toEpochMilli());
      }
      floor.put(new String(HOLDER.id()), inner);
      floorKey = HOLDER.id();
      checked = distinct(grants - 1);
      nanoOffset = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
      for (int round = 0; round < 2; round++) {
        expect(guard.check(HOLDER, checked), ReasonCode.GRANTED, "check of the last privilege");
      }
      ScaleFixtures.expect(guard.activeGrants(HOLDER).size() == grants, "expected " + grants + " active grants");
      ScaleFixtures.expect(floorLive(this), "the floor must hit");
    }

    /** Closes the guard. */
    @TearDown(Level.Trial)
    public void tearDown() {
      guard.close();
    }
  }

  /** {@code grants - 1} revoked grants of one privilege, then a live one. */
  @State(Scope.Benchmark)
  public static class Ended {
    /** Grants of the privilege the subject ever held (all but the last revoked). */
    @Param({"1", "10", "100"})
    public int grants;

    PrivilegeGuard guard;

    /** Issues, revokes and verifies. */
    @Setup(Level.Trial)
    public void setUp() {
      guard = newGuard();
      for (int i = 0; i < grants - 1; i++) {
        Grant g = issue(guard, ElevationRequest.builder(HOLDER, ONE));
        guard.revoke(g.id(), HOLDER, "done");
        expect(guard.check(HOLDER, ONE), ReasonCode.GRANT_REVOKED, "check after revocation " + i);
      }
      issue(guard, ElevationRequest.builder(HOLDER, ONE));
      for (int round = 0; round < 2; round++) {
        expect(guard.check(HOLDER, ONE), ReasonCode.GRANTED, "check with the live grant last");
      }
      ScaleFixtures.expect(guard.activeGrants(HOLDER).size() == 1, "expected one active grant");
    }

    /** Closes the guard. */
    @TearDown(Level.Trial)
    public void tearDown() {
      guard.close();
    }
  }

  /** {@code grants} action grants of one privilege; rebuilt before every iteration. */
  @State(Scope.Benchmark)
  public static class Actions {
    /** Action grants the subject holds. */
    @Param({"1", "10", "100"})
    public int grants;

    PrivilegeGuard guard;
    ActionBinding last;
    ActionBinding unapproved;

    /** A new guard, the action grants, each answer verified and each check run once. */
    @Setup(Level.Iteration)
    public void setUp() {
      guard = newGuard();
      for (int i = 0; i < grants; i++) {
        issue(guard, ElevationRequest.builder(HOLDER, ACTION).action(ActionBinding.of(ACTION_NAME, i))
            .uses(ElevationRequest.MAX_USES));
      }
      last = ActionBinding.of(ACTION_NAME, grants - 1);
      unapproved = ActionBinding.of(ACTION_NAME, -1);
      for (int round = 0; round < 2; round++) {
        expect(guard.checkAction(HOLDER, ACTION, last), ReasonCode.GRANTED, "checkAction of the last call");
        expect(guard.checkAction(HOLDER, ACTION, unapproved), ReasonCode.ACTION_MISMATCH,
            "checkAction of another call");
      }
      ScaleFixtures.expect(guard.activeGrants(HOLDER).size() == grants, "expected " + grants + " action grants");
    }

    /** Closes the guard. */
    @TearDown(Level.Iteration)
    public void tearDown() {
      guard.close();
    }
  }

  /**
   * The last of {@code grants} distinct privileges.
   *
   * @param s the state
   * @return GRANTED
   */
  @Benchmark
  public Decision check_distinct(Distinct s) {
    return s.guard.check(HOLDER, s.checked);
  }

  /**
   * The floor of {@link #check_distinct}: subject → privilege → expiry, one clock read.
   *
   * @param s the state
   * @return true (live)
   */
  @Benchmark
  public boolean floor_nested(Distinct s) {
    return floorLive(s);
  }

  static boolean floorLive(Distinct s) {
    ConcurrentHashMap<Privilege, Long> bySubject = s.floor.get(s.floorKey);
    Long expiry = bySubject == null ? null : bySubject.get(s.checked);
    return expiry != null && Math.floorDiv(s.nanoOffset + System.nanoTime(), 1_000_000L) < expiry;
  }

  /**
   * A live grant after {@code grants - 1} revoked ones of the same privilege.
   *
   * @param s the state
   * @return GRANTED
   */
  @Benchmark
  public Decision check_ended(Ended s) {
    return s.guard.check(HOLDER, ONE);
  }

  /**
   * The call of the last action grant: one use spent.
   *
   * @param s the state
   * @return GRANTED (throws if the uses ran out, so that a denial is never measured as a use)
   */
  @Benchmark
  public Decision checkAction_last(Actions s) {
    Decision d = s.guard.checkAction(HOLDER, ACTION, s.last);
    if (!d.isGranted()) {
      throw new IllegalStateException("checkAction_last must allow, got " + d.reason());
    }
    return d;
  }

  /**
   * A call no grant was approved for.
   *
   * @param s the state
   * @return DENIED, ACTION_MISMATCH
   */
  @Benchmark
  public Decision checkAction_otherArguments(Actions s) {
    return s.guard.checkAction(HOLDER, ACTION, s.unapproved);
  }
}
