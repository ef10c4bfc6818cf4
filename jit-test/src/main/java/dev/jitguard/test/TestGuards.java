package dev.jitguard.test;

import dev.jitguard.PrivilegeGuard;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import java.util.Objects;

/**
 * Ready in-memory guard setups for tests: an in-memory store, a recording audit sink, a {@link TestClock} and no
 * background thread (call {@link PrivilegeGuard#runMaintenance()} after moving the clock).
 *
 * <pre>{@code
 * TestGuards.Setup t = TestGuards.inMemory(policy);
 * Decision d = t.guard().request(...);
 * t.clock().advance(Duration.ofHours(2));
 * t.guard().runMaintenance();
 * assertThat(t.audit().types()).contains(AuditEventType.GRANT_EXPIRED);
 * }</pre>
 */
public final class TestGuards {
  private TestGuards() {}

  /**
   * A guard on in-memory defaults with a test clock at {@link TestClock#DEFAULT_START}.
   *
   * @param policy the policy
   * @return the setup
   */
  public static Setup inMemory(ElevationPolicy policy) {
    return inMemory(policy, TestClock.create());
  }

  /**
   * A guard on in-memory defaults with the given test clock.
   *
   * @param policy the policy
   * @param clock the clock
   * @return the setup
   */
  public static Setup inMemory(ElevationPolicy policy, TestClock clock) {
    return inMemory(policy, clock, new InMemoryAuditSink());
  }

  /**
   * A guard on in-memory defaults with the given test clock, recording into the given sink (so that a test can
   * hold the sink before the guard exists, as {@link JitGuardExtension} does).
   *
   * @param policy the policy
   * @param clock the clock
   * @param audit the sink every event goes to
   * @return the setup
   */
  public static Setup inMemory(ElevationPolicy policy, TestClock clock, InMemoryAuditSink audit) {
    Objects.requireNonNull(policy, "policy cannot be null");
    Objects.requireNonNull(clock, "clock cannot be null");
    Objects.requireNonNull(audit, "audit cannot be null");
    GrantStore store = GrantStore.inMemory();
    PrivilegeGuard guard = PrivilegeGuard.builder()
        .withPolicy(policy)
        .withGrantStore(store)
        .withAuditSink(audit)
        .withClock(clock)
        .withoutBackgroundMaintenance()
        .build();
    return new Setup(guard, clock, audit, store);
  }

  /**
   * A guard and the parts a test looks at. Close it (or let the JUnit extension close it) to flush counters.
   *
   * @param guard the guard
   * @param clock its clock
   * @param audit its audit sink, recording every event
   * @param store its grant store
   */
  public record Setup(PrivilegeGuard guard, TestClock clock, InMemoryAuditSink audit, GrantStore store)
      implements AutoCloseable {
    /** Closes the guard. */
    @Override
    public void close() {
      guard.close();
    }
  }
}
