package dev.jitguard;

import dev.jitguard.audit.InMemoryAuditSink;
import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.policy.Policy;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.test.ForwardingGrantStore;
import dev.jitguard.test.TestClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two guards (two "instances", separate indexes) on one shared store: what one approves the other sees, what one
 * revokes the other enforces within the staleness bound (cached), at once when notified, or at the next check
 * (strict). The database-backed version of these tests runs against PostgreSQL in the JDBC store tests.
 */
class SharedStoreTest {
  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").approverGroups("dba")
          .maxDuration(Duration.ofHours(1)))
      .build();

  private final TestClock clock = TestClock.create();
  private final SharedStore store = new SharedStore(GrantStore.inMemory());
  private final List<PrivilegeGuard> guards = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeGuards() {
    guards.forEach(PrivilegeGuard::close);
  }

  private PrivilegeGuard instance(Consistency consistency) {
    PrivilegeGuard g = PrivilegeGuard.builder().withPolicy(POLICY).withGrantStore(store)
        .withAuditSink(new InMemoryAuditSink()).withClock(clock).withoutBackgroundMaintenance()
        .withConsistency(consistency).build();
    guards.add(g);
    return g;
  }

  private Grant approvedOn(PrivilegeGuard g) {
    RequestId id = pendingId(g.request(ask(ALICE, DB_WRITE).build()));
    return granted(g.approve(id, BOB, "ok"));
  }

  @Test
  void approveOnOneInstanceThenUsableOnTheOther() {
    PrivilegeGuard a = instance(Consistency.cached(Duration.ofSeconds(1)));
    PrivilegeGuard b = instance(Consistency.cached(Duration.ofSeconds(1)));
    assertThat(b.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.NO_GRANT);

    approvedOn(a);

    // b's "no grant" answer is at most one second old; after that it asks the store again.
    clock.advance(Duration.ofSeconds(1));
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();
  }

  @Test
  void revokeOnOneInstanceWithoutNotificationThenOtherDeniesWithinTheBound() {
    store.notifications = false;
    PrivilegeGuard a = instance(Consistency.cached(Duration.ofSeconds(1)));
    PrivilegeGuard b = instance(Consistency.cached(Duration.ofSeconds(1)));
    Grant grant = approvedOn(a);
    clock.advance(Duration.ofSeconds(1));
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();

    a.revoke(grant.id(), BOB, "done");

    clock.advance(Duration.ofMillis(999));
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).as("within the bound the cache may lag").isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(b.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
  }

  @Test
  void revokeOnOneInstanceWithNotificationThenOtherDeniesAtOnce() {
    PrivilegeGuard a = instance(Consistency.cached(Duration.ofMinutes(5)));
    PrivilegeGuard b = instance(Consistency.cached(Duration.ofMinutes(5)));
    Grant grant = approvedOn(a);
    clock.advance(Duration.ofMinutes(5));
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();

    a.revoke(grant.id(), BOB, "done");

    assertThat(b.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
  }

  @Test
  void strictModeThenEveryCheckConfirmsWithTheStore() {
    store.notifications = false;
    PrivilegeGuard a = instance(Consistency.strict());
    PrivilegeGuard b = instance(Consistency.strict());
    Grant grant = approvedOn(a);
    assertThat(b.check(ALICE, DB_WRITE).isGranted()).isTrue();

    a.revoke(grant.id(), BOB, "done");

    assertThat(b.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
  }

  @Test
  void sharedStoreFailsThenCheckDeniedStoreFailure() {
    PrivilegeGuard a = instance(Consistency.strict());
    approvedOn(a);
    store.failing = true;

    assertThat(a.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
  }

  @Test
  void restartedInstanceThenSeesGrantsAndPendingRequests() {
    PrivilegeGuard a = instance(Consistency.cached(Duration.ofSeconds(1)));
    approvedOn(a);
    RequestId pending = pendingId(a.request(ask(Subject.of("carol", "developers"), DB_WRITE).build()));
    a.close();

    PrivilegeGuard restarted = instance(Consistency.cached(Duration.ofSeconds(1)));

    assertThat(restarted.check(ALICE, DB_WRITE).isGranted()).isTrue();
    assertThat(restarted.pendingApprovals(BOB)).extracting(RequestRecord::id).containsExactly(pending);
  }

  /** An in-memory store that says it is shared and notifies grant changes, like a database with LISTEN/NOTIFY. */
  static class SharedStore extends ForwardingGrantStore {
    private final List<Consumer<GrantId>> listeners = new CopyOnWriteArrayList<>();
    volatile boolean notifications = true;
    volatile boolean failing;

    SharedStore(GrantStore delegate) {
      super(delegate);
    }

    @Override
    protected void beforeCall() {
      if (failing) {
        throw new IllegalStateException("database unreachable");
      }
    }

    private void changed(GrantId id) {
      if (notifications) {
        listeners.forEach(l -> l.accept(id));
      }
    }

    @Override
    public boolean isShared() {
      return true;
    }

    @Override
    public AutoCloseable subscribe(Consumer<GrantId> listener) {
      listeners.add(listener);
      return () -> listeners.remove(listener);
    }

    @Override
    public void insert(RequestRecord request, Grant grant) {
      super.insert(request, grant);
      changed(grant.id());
    }

    @Override
    public boolean update(RequestRecord expected, RequestRecord updated, Grant issued) {
      boolean done = super.update(expected, updated, issued);
      if (done) {
        changed(issued.id());
      }
      return done;
    }

    @Override
    public boolean update(Grant expected, Grant updated) {
      boolean done = super.update(expected, updated);
      if (done) {
        changed(updated.id());
      }
      return done;
    }
  }
}
