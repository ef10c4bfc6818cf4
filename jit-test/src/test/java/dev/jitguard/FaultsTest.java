package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.ERIN;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.policy.Policy;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.test.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Under faults, access never comes back and evidence is not lost: a store that went back to an older version, a sink
 * that fails or hangs while uses, denials, revocations and extensions are recorded, a policy that fails for rules but
 * not for administrators, and a policy that changes while a request is being decided.
 */
class FaultsTest {
  private static final Policy POLICY = Policy.builder().version("v1")
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").approverGroups("dba")
          .maxDuration(Duration.ofHours(2)).defaultDuration(Duration.ofMinutes(30)))
      .administratorGroups("admins")
      .build();
  /** {@link #POLICY} with alice denied, under a new version. */
  private static final Policy DENY_ALICE = Policy.builder().version("v2")
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").denySubjects("alice").approverGroups("dba")
          .maxDuration(Duration.ofHours(2)).defaultDuration(Duration.ofMinutes(30)))
      .build();

  private final TestClock clock = TestClock.create();
  private final List<PrivilegeGuard> guards = new ArrayList<>();

  @AfterEach
  void tearDown() {
    guards.forEach(PrivilegeGuard::close);
  }

  private PrivilegeGuard guard(ElevationPolicy policy, GrantStore store, AuditSink sink) {
    PrivilegeGuard g = PrivilegeGuard.builder().withPolicy(policy).withGrantStore(store).withAuditSink(sink)
        .withClock(clock).withSpiTimeout(Duration.ofMillis(300)).withoutBackgroundMaintenance().build();
    guards.add(g);
    return g;
  }

  // ------------------------------------------------------------------------------------------- a store that went back

  /** A store whose state can be replaced by an older copy, as a database restored from a backup. */
  static final class RestorableStore extends dev.jitguard.test.ForwardingGrantStore {
    volatile GrantStore current;

    RestorableStore(GrantStore first) {
      super(first);
      current = first;
    }

    @Override
    protected GrantStore delegate() {
      return current;
    }
  }

  @Test
  void revocationAfterTheStoreWentBackToAnOlderVersionThenTheGrantEndsEverywhereAndTheAnomalyIsRecorded() {
    InMemoryAuditSink audit = new InMemoryAuditSink();
    GrantStore before = GrantStore.inMemory();
    RestorableStore store = new RestorableStore(before);
    PrivilegeGuard guard = guard(POLICY, store, audit);
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    Grant issued = granted(guard.approve(id, BOB, "ok"));
    RequestRecord approved = before.findRequest(id).orElseThrow();
    guard.extend(issued.id(), BOB, Duration.ofMinutes(10), "more");   // the guard has seen version 1
    GrantStore restored = GrantStore.inMemory();                        // the backup: version 0
    restored.insert(approved, issued);
    store.current = restored;

    Grant revoked = guard.revoke(issued.id(), ALICE, "done");          // version 1 again, in the restored store

    assertThat(revoked.version()).isEqualTo(issued.version() + 1);
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(audit.events(AuditEventType.STORE_ANOMALY)).singleElement()
        .satisfies(e -> assertThat(e.details()).containsEntry("arrived_status", "REVOKED")
            .containsEntry("cached_status", "ACTIVE"));
  }

  // ------------------------------------------------------------------------------------------- a failing sink

  /** A sink that fails the event types in {@link #failing}, and can hold the first USED record until released. */
  static final class FaultySink implements AuditSink {
    final InMemoryAuditSink recorded = new InMemoryAuditSink();
    volatile Set<AuditEventType> failing = EnumSet.noneOf(AuditEventType.class);
    volatile CountDownLatch holdUse;
    final CountDownLatch held = new CountDownLatch(1);

    @Override
    public void record(AuditEvent event) {
      CountDownLatch hold = holdUse;
      if (hold != null && event.type() == AuditEventType.USED) {
        holdUse = null;
        held.countDown();
        try {
          hold.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("disk full");
      }
      if (failing.contains(event.type())) {
        throw new IllegalStateException("disk full");
      }
      recorded.record(event);
    }
  }

  @Test
  void usesWhileTheFirstUseRecordIsFailingThenNoneIsGrantedAndNoneIsOnlyCounted() throws Exception {
    FaultySink sink = new FaultySink();
    PrivilegeGuard guard = guard(POLICY, GrantStore.inMemory(), sink);
    granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).build())), BOB, "ok"));
    CountDownLatch release = new CountDownLatch(1);
    sink.holdUse = release;
    sink.failing = EnumSet.of(AuditEventType.USED);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      Future<Decision> first = threads.submit(() -> guard.check(ALICE, DB_WRITE));
      assertThat(sink.held.await(10, TimeUnit.SECONDS)).as("the first use is being recorded").isTrue();
      List<Future<Decision>> during = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        during.add(threads.submit(() -> guard.check(ALICE, DB_WRITE)));
      }
      for (Future<Decision> d : during) {
        assertThat(d.get(10, TimeUnit.SECONDS).reason()).isEqualTo(ReasonCode.AUDIT_FAILURE);
      }
      release.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS).reason()).isEqualTo(ReasonCode.AUDIT_FAILURE);
    } finally {
      threads.shutdownNow();
    }
    sink.failing = EnumSet.noneOf(AuditEventType.class);
    guard.runMaintenance();
    assertThat(sink.recorded.events(AuditEventType.USES)).as("no use was only counted").isEmpty();
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).as("once the sink works again").isTrue();
    assertThat(sink.recorded.events(AuditEventType.USED)).hasSize(1);
  }

  @Test
  void denyWhileTheSinkFailsThenNotMadeAndTheRequestIsStillPending() {
    FaultySink sink = new FaultySink();
    GrantStore store = GrantStore.inMemory();
    PrivilegeGuard guard = guard(POLICY, store, sink);
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    sink.failing = EnumSet.of(AuditEventType.DENIED);

    assertThat(refusal(() -> guard.deny(id, BOB, "no")).reason()).isEqualTo(ReasonCode.AUDIT_FAILURE);
    assertThat(store.findRequest(id).orElseThrow().status()).isEqualTo(RequestStatus.PENDING);
    sink.failing = EnumSet.noneOf(AuditEventType.class);
    assertThat(guard.deny(id, BOB, "no").status()).isEqualTo(RequestStatus.DENIED);
  }

  @Test
  void extendWhileTheSinkFailsThenTakenBackAndTheGrantEndsWhenIssued() {
    FaultySink sink = new FaultySink();
    GrantStore store = GrantStore.inMemory();
    PrivilegeGuard guard = guard(POLICY, store, sink);
    Grant g = granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).build())), BOB, "ok"));
    sink.failing = EnumSet.of(AuditEventType.EXTENDED);

    assertThat(refusal(() -> guard.extend(g.id(), BOB, Duration.ofMinutes(30), "more")).reason())
        .isEqualTo(ReasonCode.AUDIT_FAILURE);
    assertThat(store.findGrant(g.id()).orElseThrow().expiresAt()).isEqualTo(g.expiresAt());
    clock.advance(Duration.ofMinutes(31));
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
  }

  @Test
  void revokeWhileTheSinkFailsThenTheGrantEndsAndItsRecordIsWrittenOnceTheSinkAnswers() {
    FaultySink sink = new FaultySink();
    PrivilegeGuard guard = guard(POLICY, GrantStore.inMemory(), sink);
    Grant g = granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).build())), BOB, "ok"));
    sink.failing = EnumSet.of(AuditEventType.REVOKED);

    guard.revoke(g.id(), BOB, "compromised laptop");

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(sink.recorded.events(AuditEventType.REVOKED)).isEmpty();
    guard.runMaintenance();
    assertThat(sink.recorded.events(AuditEventType.REVOKED)).isEmpty();   // still failing: it waits
    sink.failing = EnumSet.noneOf(AuditEventType.class);
    guard.runMaintenance();
    assertThat(sink.recorded.events(AuditEventType.REVOKED)).singleElement()
        .satisfies(e -> assertThat(e.text()).contains("compromised laptop"));
  }

  // ------------------------------------------------------------------------------------------- a hanging sink

  /** A sink that never answers until released. */
  static final class HangingSink implements AuditSink {
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean hanging;

    @Override
    public void record(AuditEvent event) {
      if (hanging) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted");
        }
      }
    }
  }

  @Test
  void sinkThatHangsThenEveryCallIsAnsweredWithinTheBoundAndDenied() {
    HangingSink sink = new HangingSink();
    PrivilegeGuard guard = guard(POLICY, GrantStore.inMemory(), sink);
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    sink.hanging = true;
    try {
      long start = System.nanoTime();
      assertThat(guard.check(ALICE, DB_WRITE).reason()).as("a plain check").isIn(ReasonCode.NO_GRANT,
          ReasonCode.AUDIT_FAILURE);
      assertThat(guard.request(ask(Subject.of("carol", "developers"), DB_WRITE).build()).reason())
          .isEqualTo(ReasonCode.AUDIT_FAILURE);
      assertThat(refusal(() -> guard.approve(id, BOB, "ok")).reason()).isEqualTo(ReasonCode.AUDIT_FAILURE);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("three calls, each bounded by 300 ms")
          .isLessThan(Duration.ofSeconds(5));
      assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
    } finally {
      sink.release.countDown();
    }
  }

  @Test
  void deniedChecksWhileTheSinkHangsThenAtMostOneWaitsPerPeriod() {
    HangingSink sink = new HangingSink();
    PrivilegeGuard guard = guard(POLICY, GrantStore.inMemory(), sink);
    sink.hanging = true;
    try {
      guard.check(ALICE, DB_WRITE);                      // waits for the bound, then counts the denial
      long start = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.NO_GRANT);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("twenty more denials, none waiting")
          .isLessThan(Duration.ofMillis(250));
    } finally {
      sink.release.countDown();
    }
  }

  @Test
  void approvalChannelThatHangsThenTheRequestFailsClosedWithinTheBound() {
    CountDownLatch release = new CountDownLatch(1);
    PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(POLICY).withAuditSink(new InMemoryAuditSink())
        .withApprovalChannel((request, rule) -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        })
        .withClock(clock).withSpiTimeout(Duration.ofMillis(300)).withoutBackgroundMaintenance().build();
    guards.add(guard);
    try {
      long start = System.nanoTime();
      Decision d = guard.request(ask(ALICE, DB_WRITE).build());

      assertThat(d.reason()).isEqualTo(ReasonCode.APPROVAL_FAILURE);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(guard.pendingRequests(ALICE)).as("the request ended denied").isEmpty();
    } finally {
      release.countDown();
    }
  }

  @Test
  void grantStoreOfTheApplicationsOwnThatHangsThenCallsFailClosedWithinTheBound() {
    CountDownLatch release = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean hanging = new java.util.concurrent.atomic.AtomicBoolean();
    GrantStore store = new dev.jitguard.test.ForwardingGrantStore(GrantStore.inMemory()) {
      @Override
      protected void beforeCall() {
        if (hanging.get()) {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
    PrivilegeGuard guard = guard(POLICY, store, new InMemoryAuditSink());
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    hanging.set(true);
    try {
      long start = System.nanoTime();
      assertThat(refusal(() -> guard.approve(id, BOB, "ok")).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
      assertThat(guard.request(ask(Subject.of("carol", "developers"), DB_WRITE).build()).reason())
          .isEqualTo(ReasonCode.STORE_FAILURE);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    } finally {
      release.countDown();
    }
  }

  @Test
  void policyOfTheApplicationsOwnThatHangsThenRequestsFailClosedWithinTheBound() {
    CountDownLatch release = new CountDownLatch(1);
    ElevationPolicy hangingPolicy = new ElevationPolicy() {
      @Override
      public Optional<PrivilegeRule> ruleFor(Privilege privilege) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return POLICY.ruleFor(privilege);
      }

      @Override
      public boolean isAdministrator(Subject subject) {
        return false;
      }

      @Override
      public String version() {
        return "v1";
      }
    };
    PrivilegeGuard guard = guard(hangingPolicy, GrantStore.inMemory(), new InMemoryAuditSink());
    try {
      long start = System.nanoTime();
      assertThat(guard.request(ask(ALICE, DB_WRITE).build()).reason()).isEqualTo(ReasonCode.POLICY_FAILURE);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    } finally {
      release.countDown();
    }
  }

  // ------------------------------------------------------------------------------------------- policy faults

  @Test
  void administratorRevokesWhileThePolicyCannotReadRulesThenTheGrantEnds() {
    BrokenRulesPolicy policy = new BrokenRulesPolicy();
    PrivilegeGuard guard = guard(policy, GrantStore.inMemory(), new InMemoryAuditSink());
    Grant g = granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).build())), BOB, "ok"));
    policy.rulesBroken = true;

    guard.revoke(g.id(), ERIN, "incident response");

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    // An approver cannot be recognised while the rules cannot be read: the same answer as for an unknown id.
    assertThat(refusal(() -> guard.extend(g.id(), BOB, Duration.ofMinutes(5), "x")).reason())
        .isEqualTo(ReasonCode.NOT_PERMITTED);
  }

  /** A policy whose rules cannot be read (a remote source down) while administrators still can. */
  static final class BrokenRulesPolicy implements ElevationPolicy {
    volatile boolean rulesBroken;

    @Override
    public Optional<PrivilegeRule> ruleFor(Privilege privilege) {
      if (rulesBroken) {
        throw new IllegalStateException("rule source unreachable");
      }
      return POLICY.ruleFor(privilege);
    }

    @Override
    public boolean isAdministrator(Subject subject) {
      return POLICY.isAdministrator(subject);
    }

    @Override
    public String version() {
      return "v1";
    }
  }

  @Test
  void policyChangingWhileAnApprovalIsWrittenThenTheNewGrantIsEndedAtOnce() {
    SwitchingPolicy policy = new SwitchingPolicy(POLICY);
    GrantStore store = new dev.jitguard.test.ForwardingGrantStore(GrantStore.inMemory()) {
      @Override
      public boolean update(RequestRecord expected, RequestRecord updated, Grant issued) {
        policy.switchTo(DENY_ALICE);        // a reload lands while the approval is being written
        return super.update(expected, updated, issued);
      }
    };
    PrivilegeGuard guard = guard(policy, store, new InMemoryAuditSink());
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));

    Decision d = guard.approve(id, BOB, "ok");

    assertThat(d.reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
  }

}
