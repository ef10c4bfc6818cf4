package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.policy.Policy;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.test.ForwardingGrantStore;
import dev.jitguard.test.TestClock;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Expiry is decided by one clock, the shared store's: an instance whose host clock is behind the database's (or ahead
 * of it) corrects its time by the measured offset, so it never stretches a grant. The store's clock offset is a fault
 * that cannot be produced for real on one machine, so a store reports it here; the JDBC store measures it for real
 * (see the PostgreSQL tests).
 */
class SharedStoreClockTest {
  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").approverGroups("dba")
          .maxDuration(Duration.ofHours(1)))
      .build();

  /** One store shared by two "instances", each seeing the database's clock at its own offset. */
  private static class SharedView extends ForwardingGrantStore {
    private volatile long offset;

    SharedView(GrantStore shared, long offset) {
      super(shared);
      this.offset = offset;
    }

    @Override
    public boolean isShared() {
      return true;
    }

    @Override
    public OptionalLong clockOffsetMillis() {
      return OptionalLong.of(offset);
    }
  }

  private static PrivilegeGuard guard(GrantStore store, TestClock clock) {
    return PrivilegeGuard.builder().withPolicy(POLICY).withGrantStore(store).withClock(clock)
        .withConsistency(Consistency.strict()).withoutBackgroundMaintenance().build();
  }

  @Test
  void instanceWithASlowClockDeniesAtTheDatabasesExpiryNotTwoSecondsLater() {
    GrantStore database = GrantStore.inMemory();
    TestClock hostA = TestClock.create();                                  // in step with the database
    TestClock hostB = TestClock.at(hostA.instant().minusSeconds(2));       // two seconds slow
    try (PrivilegeGuard a = guard(new SharedView(database, 0), hostA);
        PrivilegeGuard b = guard(new SharedView(database, 2_000), hostB)) {
      Grant g = granted(a.approve(pendingId(a.request(ask(ALICE, DB_WRITE).duration(Duration.ofMinutes(30))
          .build())), BOB, "ok"));

      hostA.set(g.expiresAt().minusMillis(1));
      hostB.set(g.expiresAt().minusMillis(1).minusSeconds(2));
      assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();

      hostA.set(g.expiresAt());
      hostB.set(g.expiresAt().minusSeconds(2));                            // B's own clock says 2 s left
      assertThat(b.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
      assertThat(a.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    }
  }

  @Test
  void instanceWithAFastClockIssuesGrantsOnTheDatabasesClock() {
    GrantStore database = GrantStore.inMemory();
    TestClock hostA = TestClock.create();
    TestClock fastHost = TestClock.at(hostA.instant().plusSeconds(5));     // five seconds fast
    try (PrivilegeGuard fast = guard(new SharedView(database, -5_000), fastHost)) {
      Grant g = granted(fast.approve(pendingId(fast.request(ask(ALICE, DB_WRITE).duration(Duration.ofMinutes(30))
          .build())), BOB, "ok"));

      // Issued at the database's time (hostA's), not five seconds in the database's future.
      assertThat(g.notBefore()).isEqualTo(hostA.instant());
      assertThat(g.expiresAt()).isEqualTo(hostA.instant().plus(Duration.ofMinutes(30)));
    }
  }

  @Test
  void differenceWithinTheToleranceIsNotCorrected() {
    GrantStore database = GrantStore.inMemory();
    TestClock host = TestClock.create();
    try (PrivilegeGuard guard = guard(new SharedView(database, Consistency.CLOCK_TOLERANCE_MILLIS), host)) {
      Grant g = granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).build())), BOB, "ok"));

      assertThat(g.notBefore()).isEqualTo(host.instant());
    }
  }

  /** A view whose clock measurement fails once the database is "down". */
  private static final class FlakyView extends SharedView {
    private volatile boolean down;

    FlakyView(GrantStore shared, long offset) {
      super(shared, offset);
    }

    @Override
    public OptionalLong clockOffsetMillis() {
      if (down) {
        throw new IllegalStateException("database down");
      }
      return super.clockOffsetMillis();
    }
  }

  @Test
  void failedMeasurementKeepsTheLastCorrection() {
    GrantStore database = GrantStore.inMemory();
    TestClock host = TestClock.create();
    FlakyView view = new FlakyView(database, 3_000);
    try (PrivilegeGuard guard = guard(view, host)) {
      view.down = true;
      guard.runMaintenance();

      Grant g = granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).build())), BOB, "ok"));

      assertThat(g.notBefore()).isEqualTo(host.instant().plusSeconds(3));
    }
  }

  @Test
  void offsetMeasuredLaterIsAppliedByTheNextMaintenanceRun() {
    GrantStore database = GrantStore.inMemory();
    TestClock hostA = TestClock.create();
    SharedView view = new SharedView(database, 0);
    try (PrivilegeGuard a = guard(view, hostA)) {
      Grant g = granted(a.approve(pendingId(a.request(ask(ALICE, DB_WRITE).duration(Duration.ofMinutes(30))
          .build())), BOB, "ok"));
      hostA.set(g.expiresAt().minusSeconds(1));
      assertThat(a.check(ALICE, DB_WRITE).isGranted()).isTrue();

      view.offset = 1_000;            // this host's clock drifted one second behind the database's
      a.runMaintenance();

      assertThat(a.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    }
  }
}
