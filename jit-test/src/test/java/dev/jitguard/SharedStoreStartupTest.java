package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.test.TestClock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Start-up on a shared store does not pay twice (issue 12): the live grants a guard loads at start answer its first
 * checks without the store for as long as the staleness bound allows, counted from before the load; after the bound,
 * and for a subject and privilege with nothing loaded, the check asks the store as before; what another instance
 * revokes is still enforced within the bound (at once when notified). Proved with a store that counts the check
 * path's reads, and a test clock: no timing.
 */
class SharedStoreStartupTest {
  private static final Duration BOUND = Duration.ofSeconds(1);
  private static final Subject CAROL = Subject.of("carol", "developers");
  private static final Policy POLICY = Policy.builder().version("v1")
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").approverGroups("dba")
          .maxDuration(Duration.ofHours(1)))
      .build();
  /** The next version: alice may no longer hold the privilege. */
  private static final Policy DENY_ALICE = Policy.builder().version("v2-deny-alice")
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").denySubjects("alice").approverGroups("dba")
          .maxDuration(Duration.ofHours(1)))
      .build();

  private final TestClock clock = TestClock.create();
  private final CountingSharedStore store = new CountingSharedStore(GrantStore.inMemory());
  private final List<PrivilegeGuard> guards = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeGuards() {
    guards.forEach(PrivilegeGuard::close);
  }

  private PrivilegeGuard instance(Consistency consistency) {
    return instance(POLICY, consistency);
  }

  private PrivilegeGuard instance(ElevationPolicy policy, Consistency consistency) {
    PrivilegeGuard g = PrivilegeGuard.builder().withPolicy(policy).withGrantStore(store)
        .withAuditSink(new InMemoryAuditSink()).withClock(clock).withoutBackgroundMaintenance()
        .withConsistency(consistency).build();
    guards.add(g);
    return g;
  }

  private Grant approvedOn(PrivilegeGuard g, Subject subject) {
    RequestId id = pendingId(g.request(ask(subject, DB_WRITE).build()));
    return granted(g.approve(id, BOB, "ok"));
  }

  @Test
  void startedOnLiveGrantThenChecksWithinTheBoundReadNoStore() {
    PrivilegeGuard a = instance(Consistency.cached(BOUND));
    Grant grant = approvedOn(a, ALICE);

    PrivilegeGuard b = instance(Consistency.cached(BOUND));
    store.checkReads.set(0);

    Decision first = b.check(ALICE, DB_WRITE);
    clock.advance(BOUND.minusMillis(1));
    Decision last = b.check(ALICE, DB_WRITE);

    assertThat(first.isGranted()).isTrue();
    assertThat(((Decision.Granted) first).grant().id()).isEqualTo(grant.id());
    assertThat(last.isGranted()).isTrue();
    assertThat(store.checkReads).as("the grant loaded at start answers within the bound").hasValue(0);
  }

  @Test
  void startedOnLiveGrantThenCheckAfterTheBoundReadsTheStoreOnce() {
    PrivilegeGuard a = instance(Consistency.cached(BOUND));
    approvedOn(a, ALICE);
    PrivilegeGuard b = instance(Consistency.cached(BOUND));
    store.checkReads.set(0);

    clock.advance(BOUND);
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();

    assertThat(store.checkReads).as("re-read once at the bound, then fresh again").hasValue(1);
  }

  @Test
  void loadTakesLongThenFreshnessCountsFromBeforeTheLoad() {
    PrivilegeGuard a = instance(Consistency.cached(BOUND));
    approvedOn(a, ALICE);
    store.duringLoad = () -> clock.advance(Duration.ofMillis(600)); // a slow load: 600 ms pass during the query
    PrivilegeGuard b = instance(Consistency.cached(BOUND));
    store.duringLoad = null;
    store.checkReads.set(0);

    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();
    assertThat(store.checkReads).as("600 ms after the load began: within the bound").hasValue(0);
    clock.advance(Duration.ofMillis(400));
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();
    assertThat(store.checkReads).as("1 s after the load began, not after it ended: read again").hasValue(1);
  }

  @Test
  void revokedByAnotherInstanceAfterStartWithoutNotificationThenDeniedWithinTheBound() {
    store.notifications = false;
    PrivilegeGuard a = instance(Consistency.cached(BOUND));
    Grant grant = approvedOn(a, ALICE);
    PrivilegeGuard b = instance(Consistency.cached(BOUND));
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();

    a.revoke(grant.id(), BOB, "done");

    clock.advance(BOUND.minusMillis(1));
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).as("within the bound the cache may lag").isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(b.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
  }

  @Test
  void revokedByAnotherInstanceAfterStartWithNotificationThenDeniedAtOnce() {
    PrivilegeGuard a = instance(Consistency.cached(Duration.ofMinutes(5)));
    Grant grant = approvedOn(a, ALICE);
    PrivilegeGuard b = instance(Consistency.cached(Duration.ofMinutes(5)));
    store.checkReads.set(0);
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();
    assertThat(store.checkReads).hasValue(0);

    a.revoke(grant.id(), BOB, "done");

    assertThat(b.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
  }

  @Test
  void grantIssuedElsewhereAfterStartThenFirstCheckAsksTheStoreAndSeesIt() {
    store.notifications = false;
    PrivilegeGuard a = instance(Consistency.cached(BOUND));
    approvedOn(a, ALICE);
    PrivilegeGuard b = instance(Consistency.cached(BOUND));
    approvedOn(a, CAROL);
    store.checkReads.set(0);

    assertThat(b.check(CAROL, DB_WRITE).isGranted())
        .as("nothing was loaded for carol, so nothing stands in for the store").isTrue();
    assertThat(store.checkReads).hasValue(1);
  }

  @Test
  void strictModeThenFirstCheckAfterStartConfirmsWithTheStore() {
    PrivilegeGuard a = instance(Consistency.cached(BOUND));
    approvedOn(a, ALICE);
    PrivilegeGuard b = instance(Consistency.strict());
    store.checkReads.set(0);

    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();

    assertThat(store.checkReads).hasValue(2);
  }

  @Test
  void startedUnderAPolicyThatNoLongerAllowsALoadedGrantThenItEndsAtStart() {
    PrivilegeGuard a = instance(Consistency.cached(BOUND));
    approvedOn(a, ALICE);
    approvedOn(a, CAROL);
    a.close();

    PrivilegeGuard b = instance(DENY_ALICE, Consistency.cached(BOUND));

    assertThat(b.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(b.check(CAROL, DB_WRITE).isGranted()).isTrue();
    assertThat(store.grantsOf(ALICE.id())).singleElement()
        .satisfies(g -> assertThat(g.storedStatus()).isEqualTo(GrantStatus.REVOKED));
  }

  /**
   * An in-memory store that says it is shared, notifies grant changes (like PostgreSQL's LISTEN/NOTIFY) and counts
   * the reads the check path makes: the slot's re-read and the re-read of one grant.
   */
  static final class CountingSharedStore extends SharedStoreTest.SharedStore {
    final AtomicInteger checkReads = new AtomicInteger();
    /** Runs inside {@link #liveGrants()}, the start-up load. */
    volatile Runnable duringLoad;

    CountingSharedStore(GrantStore delegate) {
      super(delegate);
    }

    @Override
    public List<Grant> liveGrants() {
      Runnable r = duringLoad;
      if (r != null) {
        r.run();
      }
      return super.liveGrants();
    }

    @Override
    public List<Grant> liveGrants(String subjectId, Privilege privilege) {
      checkReads.incrementAndGet();
      return super.liveGrants(subjectId, privilege);
    }

    @Override
    public Optional<Grant> findGrant(GrantId id) {
      checkReads.incrementAndGet();
      return super.findGrant(id);
    }
  }
}
