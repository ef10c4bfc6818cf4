package dev.jitguard.benchmarks;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.RequestId;
import dev.jitguard.Subject;
import dev.jitguard.spi.GrantStore;
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
 * Issue 12, the request → approve sweep on the in-memory store (the default store): throughput with 0 / 10,000 /
 * 100,000 requests already stored. {@code stored = 0} is the empty-guard baseline of the same run.
 *
 * <p>What is stored beforehand (through the {@link GrantStore} SPI, before the guard is built): half pending requests
 * of other subjects, half approved requests with their live grants ({@link ScaleFixtures}). One operation: a request
 * by a new subject for {@code scale.flow} (pending), then its approval by {@code lena} (group {@code leads}),
 * granted; it throws if a step gives anything else, so a failure never counts as a fast operation. Every operation
 * adds a request and a grant: a run of N operations ends with N more records than it started with (printed at the
 * tear-down).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class RequestApproveScalingBenchmark {

  /** The guard on a store holding {@code stored} requests. */
  @State(Scope.Benchmark)
  public static class Flow {
    /** Requests stored before the first operation. */
    @Param({"0", "10000", "100000"})
    public int stored;

    PrivilegeGuard guard;
    long seq;

    /** Fills the store, builds the guard and verifies one request → approve. */
    @Setup(Level.Trial)
    public void setUp() {
      long t0 = System.nanoTime();
      GrantStore store = GrantStore.inMemory();
      int pending = stored / 2;
      ScaleFixtures.loadPending(store, pending, 1);
      ScaleFixtures.loadLiveGrants(store, stored - pending, 1);
      guard = ScaleFixtures.guard(store);
      Subject first = next();
      RequestId id = request(this, first);
      RequestId again = request(this, first);
      ScaleFixtures.expect(id.equals(again), "a second request by the same subject must return the first");
      Grant g = approve(this, id);
      ScaleFixtures.expectGranted(guard.check(first, ScaleFixtures.FLOW), "check after approval");
      ScaleFixtures.expect(g.subjectId().equals(first.id()), "the grant must be the requester's");
      ScaleFixtures.expect(!guard.check(next(), ScaleFixtures.FLOW).isGranted(), "another subject must be denied");
      requestApprove(this);
      System.out.println("[RequestApproveScalingBenchmark] " + stored + " requests stored, set-up took "
          + ScaleFixtures.seconds(t0));
    }

    Subject next() {
      return Subject.of("flow-" + (++seq), "staff");
    }

    /** Closes the guard. */
    @TearDown(Level.Trial)
    public void tearDown() {
      System.out.println("[RequestApproveScalingBenchmark] " + stored + " stored beforehand, " + seq
          + " subjects asked during the run");
      guard.close();
    }
  }

  static RequestId request(Flow s, Subject subject) {
    Decision d = s.guard.request(ElevationRequest.builder(subject, ScaleFixtures.FLOW)
        .justification(ScaleFixtures.JUSTIFICATION).build());
    if (!(d instanceof Decision.Pending p)) {
      throw new IllegalStateException("request: expected Pending, got " + d);
    }
    return p.request().id();
  }

  static Grant approve(Flow s, RequestId id) {
    Decision d = s.guard.approve(id, ScaleFixtures.LEAD, "ok");
    if (!(d instanceof Decision.Granted g)) {
      throw new IllegalStateException("approve: expected Granted, got " + d);
    }
    return g.grant();
  }

  static Grant requestApprove(Flow s) {
    return approve(s, request(s, s.next()));
  }

  /**
   * A request by a new subject, then its approval.
   *
   * @param s the state
   * @return the grant
   */
  @Benchmark
  public Grant requestApprove_inMemory(Flow s) {
    return requestApprove(s);
  }
}
