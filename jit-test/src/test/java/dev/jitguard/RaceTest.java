package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DAVE;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.REFUND;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEventType;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real concurrency: threads released together by a barrier, each race repeated on a fresh guard. Every transition must
 * end in exactly one consistent outcome.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaceTest {
  private static final int ROUNDS = 100;
  private static final Subject CARL = Subject.of("carl", "dba");

  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .maxUses(1000))
      .privilege("payments.refund", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .approvals(2))
      .build();

  private ExecutorService pool;

  @BeforeEach
  void startPool() {
    pool = Executors.newFixedThreadPool(17);
  }

  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  /** Runs the tasks released together; returns each result, or the OperationRefusedException it threw. */
  private List<Object> race(List<Callable<?>> tasks) throws Exception {
    CyclicBarrier start = new CyclicBarrier(tasks.size());
    List<Future<Object>> futures = new ArrayList<>();
    for (Callable<?> task : tasks) {
      futures.add(pool.submit(() -> {
        start.await(10, TimeUnit.SECONDS);
        try {
          return task.call();
        } catch (OperationRefusedException e) {
          return e;
        }
      }));
    }
    List<Object> results = new ArrayList<>();
    for (Future<Object> f : futures) {
      results.add(f.get(10, TimeUnit.SECONDS));
    }
    return results;
  }

  private static long count(List<Object> results, Class<?> type) {
    return results.stream().filter(type::isInstance).count();
  }

  private static List<ReasonCode> refusals(List<Object> results) {
    return results.stream().filter(OperationRefusedException.class::isInstance)
        .map(r -> ((OperationRefusedException) r).reason()).collect(Collectors.toList());
  }

  @Test
  void twoApproversRacingOnTwoApprovalRequestThenOneGrantCarryingBothApprovals() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
        PrivilegeGuard guard = t.guard();
        RequestId id = pendingId(guard.request(ask(ALICE, REFUND).build()));

        List<Object> results = race(List.of(() -> guard.approve(id, BOB, ""), () -> guard.approve(id, DAVE, "")));

        assertThat(refusals(results)).as("round %d", round).isEmpty();
        assertThat(count(results, Decision.Granted.class)).as("round %d", round).isEqualTo(1);
        assertThat(count(results, Decision.Pending.class)).as("round %d", round).isEqualTo(1);
        RequestRecord r = t.store().findRequest(id).orElseThrow();
        assertThat(r.status()).isEqualTo(RequestStatus.APPROVED);
        assertThat(r.approvals()).extracting(Approval::approver).containsExactlyInAnyOrder("bob", "dave");
        List<Grant> grants = t.store().grantsFrom(id);
        assertThat(grants).hasSize(1);
        assertThat(grants.get(0).approvers()).containsExactlyInAnyOrder("bob", "dave");
        assertThat(r.grantId()).contains(grants.get(0).id());
        assertThat(t.audit().events(AuditEventType.APPROVAL_RECORDED)).hasSize(1);
        assertThat(t.audit().events(AuditEventType.APPROVED)).hasSize(1);
        assertThat(t.audit().events(AuditEventType.GRANTED)).hasSize(1);
        assertThat(guard.check(ALICE, REFUND).isGranted()).isTrue();
      }
    }
  }

  @Test
  void threeApproversRacingOnTwoApprovalRequestThenExactlyTwoCountedAndOneRefused() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
        PrivilegeGuard guard = t.guard();
        RequestId id = pendingId(guard.request(ask(ALICE, REFUND).build()));

        List<Object> results = race(List.of(() -> guard.approve(id, BOB, ""), () -> guard.approve(id, DAVE, ""),
            () -> guard.approve(id, CARL, "")));

        assertThat(count(results, Decision.Granted.class)).as("round %d", round).isEqualTo(1);
        assertThat(count(results, Decision.Pending.class)).as("round %d", round).isEqualTo(1);
        assertThat(refusals(results)).as("round %d", round).containsExactly(ReasonCode.REQUEST_NOT_PENDING);
        assertThat(t.store().findRequest(id).orElseThrow().approvals()).hasSize(2);
        assertThat(t.store().grantsFrom(id)).hasSize(1);
      }
    }
  }

  @Test
  void twoApproversRacingOnOneApprovalRequestThenOneGrantAndOtherRefusedNotPending() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
        PrivilegeGuard guard = t.guard();
        RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));

        List<Object> results = race(List.of(() -> guard.approve(id, BOB, ""), () -> guard.approve(id, DAVE, "")));

        assertThat(count(results, Decision.Granted.class)).as("round %d", round).isEqualTo(1);
        assertThat(refusals(results)).as("round %d", round).containsExactly(ReasonCode.REQUEST_NOT_PENDING);
        assertThat(t.store().grantsFrom(id)).hasSize(1);
        assertThat(t.store().findRequest(id).orElseThrow().approvals()).hasSize(1);
        assertThat(t.audit().events(AuditEventType.GRANTED)).hasSize(1);
        assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
      }
    }
  }

  @Test
  void approveRacingDenyThenExactlyOneTerminalOutcomeConsistentWithStoreAndCheck() throws Exception {
    int approvals = 0;
    for (int round = 0; round < ROUNDS; round++) {
      try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
        PrivilegeGuard guard = t.guard();
        RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));

        List<Object> results = race(List.of(() -> guard.approve(id, BOB, ""), () -> guard.deny(id, DAVE, "")));

        assertThat(refusals(results)).as("round %d", round).containsExactly(ReasonCode.REQUEST_NOT_PENDING);
        RequestRecord r = t.store().findRequest(id).orElseThrow();
        if (results.get(0) instanceof Decision.Granted) {
          approvals++;
          assertThat(r.status()).isEqualTo(RequestStatus.APPROVED);
          assertThat(t.store().grantsFrom(id)).hasSize(1);
          assertThat(t.audit().events(AuditEventType.DENIED)).isEmpty();
          assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
        } else {
          assertThat(results.get(1)).isInstanceOf(RequestRecord.class);
          assertThat(r.status()).isEqualTo(RequestStatus.DENIED);
          assertThat(t.store().grantsFrom(id)).isEmpty();
          assertThat(t.audit().events(AuditEventType.GRANTED)).isEmpty();
          assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.NO_GRANT);
        }
      }
    }
    assertThat(approvals).isBetween(0, ROUNDS);
  }

  @Test
  void revokeRacingChecksOnBudgetedGrantThenUsesNeverExceedBudgetAndNoneGrantedAfterRevoke() throws Exception {
    int budget = 40;
    for (int round = 0; round < 50; round++) {
      try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
        PrivilegeGuard guard = t.guard();
        Grant g = granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).uses(budget).build())),
            BOB, ""));
        AtomicBoolean revokeReturned = new AtomicBoolean();
        AtomicInteger grantedChecks = new AtomicInteger();
        AtomicInteger grantedAfterRevoke = new AtomicInteger();
        List<Callable<?>> tasks = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          tasks.add(() -> {
            for (int i = 0; i < 15; i++) {
              boolean after = revokeReturned.get();
              if (guard.check(ALICE, DB_WRITE).isGranted()) {
                grantedChecks.incrementAndGet();
                if (after) {
                  grantedAfterRevoke.incrementAndGet();
                }
              }
            }
            return null;
          });
        }
        tasks.add(() -> {
          try {
            return guard.revoke(g.id(), BOB, "race");
          } finally {
            revokeReturned.set(true);
          }
        });

        List<Object> results = race(tasks);

        Grant stored = t.store().findGrant(g.id()).orElseThrow();
        int consumed = budget - stored.usesLeft().orElseThrow();
        assertThat(grantedChecks.get()).as("round %d", round).isLessThanOrEqualTo(budget).isEqualTo(consumed);
        assertThat(grantedAfterRevoke.get()).as("round %d", round).isZero();
        if (results.get(4) instanceof OperationRefusedException e) {
          assertThat(e.reason()).isEqualTo(ReasonCode.GRANT_NOT_ACTIVE);
          assertThat(stored.storedStatus()).isEqualTo(GrantStatus.CONSUMED);
        } else {
          assertThat(stored.storedStatus()).isEqualTo(GrantStatus.REVOKED);
        }
        assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
        assertThat(t.audit().events(AuditEventType.USED)).hasSize(consumed);
      }
    }
  }

  @Test
  void revokeRacingChecksOnTimeBoundGrantThenNoCheckGrantedAfterRevokeReturns() throws Exception {
    for (int round = 0; round < 50; round++) {
      try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
        PrivilegeGuard guard = t.guard();
        Grant g = granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).build())), BOB, ""));
        AtomicBoolean revokeReturned = new AtomicBoolean();
        AtomicInteger grantedAfterRevoke = new AtomicInteger();
        List<Callable<?>> tasks = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          tasks.add(() -> {
            for (int i = 0; i < 200; i++) {
              boolean after = revokeReturned.get();
              if (guard.check(ALICE, DB_WRITE).isGranted() && after) {
                grantedAfterRevoke.incrementAndGet();
              }
            }
            return null;
          });
        }
        tasks.add(() -> {
          guard.revoke(g.id(), ALICE, "race");
          revokeReturned.set(true);
          return null;
        });

        race(tasks);

        assertThat(grantedAfterRevoke.get()).as("round %d", round).isZero();
        assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
      }
    }
  }

  @Test
  void sameRequesterRequestingConcurrentlyThenOnePendingRequestReturnedToAll() throws Exception {
    // the window between "look for a pending request" and "insert" is narrow: many cheap rounds to hit it
    for (int round = 0; round < 2000; round++) {
      try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
        PrivilegeGuard guard = t.guard();
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          tasks.add(() -> guard.request(ask(ALICE, DB_WRITE).build()));
        }

        List<Object> results = race(tasks);

        assertThat(results.stream().map(d -> pendingId((Decision) d)).distinct()).as("round %d", round).hasSize(1);
        assertThat(t.store().requestsBy("alice")).as("round %d", round).hasSize(1);
        assertThat(t.audit().events(AuditEventType.REQUESTED)).hasSize(1);
      }
    }
  }

  @Test
  void sixteenThreadsConsumingSingleUseGrantThenExactlyOneGranted() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
        PrivilegeGuard guard = t.guard();
        Grant g = granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).uses(1).build())), BOB, ""));
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          tasks.add(() -> guard.check(ALICE, DB_WRITE));
        }

        List<Object> results = race(tasks);

        assertThat(results).filteredOn(d -> ((Decision) d).isGranted()).as("round %d", round).hasSize(1);
        assertThat(results).filteredOn(d -> !((Decision) d).isGranted())
            .allSatisfy(d -> assertThat(((Decision) d).reason()).isEqualTo(ReasonCode.GRANT_CONSUMED));
        assertThat(t.store().findGrant(g.id()).orElseThrow().storedStatus()).isEqualTo(GrantStatus.CONSUMED);
        assertThat(t.audit().events(AuditEventType.USED)).hasSize(1);
        assertThat(t.audit().events(AuditEventType.CONSUMED)).hasSize(1);
      }
    }
  }

  @Test
  void sixteenThreadsConsumingBudgetOfTenThenExactlyTenGranted() throws Exception {
    for (int round = 0; round < 50; round++) {
      try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
        PrivilegeGuard guard = t.guard();
        granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).uses(10).build())), BOB, ""));
        AtomicInteger grantedChecks = new AtomicInteger();
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          tasks.add(() -> {
            for (int k = 0; k < 3; k++) {
              if (guard.check(ALICE, DB_WRITE).isGranted()) {
                grantedChecks.incrementAndGet();
              }
            }
            return null;
          });
        }

        race(tasks);

        assertThat(grantedChecks.get()).as("round %d", round).isEqualTo(10);
      }
    }
  }

  @Test
  void checksRacingExpiryThenNoneGrantedOnceTheClockPassedExpiry() throws Exception {
    for (int round = 0; round < 50; round++) {
      try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
        PrivilegeGuard guard = t.guard();
        Grant g = granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).build())), BOB, ""));
        AtomicBoolean expired = new AtomicBoolean();
        AtomicInteger grantedAfterExpiry = new AtomicInteger();
        List<Callable<?>> tasks = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          tasks.add(() -> {
            for (int i = 0; i < 200; i++) {
              boolean after = expired.get();
              if (guard.check(ALICE, DB_WRITE).isGranted() && after) {
                grantedAfterExpiry.incrementAndGet();
              }
            }
            return null;
          });
        }
        tasks.add(() -> {
          t.clock().set(g.expiresAt());
          expired.set(true);
          guard.runMaintenance();
          return null;
        });

        race(tasks);

        assertThat(grantedAfterExpiry.get()).as("round %d", round).isZero();
        t.clock().advance(Duration.ofMinutes(-30));
        assertThat(guard.check(ALICE, DB_WRITE).isGranted()).as("clock set back").isFalse();
      }
    }
  }
}
