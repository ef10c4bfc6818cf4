package dev.jitguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.Consistency;
import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.MonotonicClock;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.policy.Policy;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.spi.GrantStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The check index holds what is live, not what was (issue 12): ended grants leave the live array for a small record
 * that still explains denials, counted uses are flushed when a grant leaves, checkAction spends the right one of many
 * grants, and denied checks of unknown subjects leave nothing behind after maintenance.
 */
class CheckIndexTest {
  private static final Privilege NOTES = Privilege.of("notes.write");
  private static final Privilege ERASE = Privilege.of("customers.erase");
  private static final Subject ALICE = Subject.of("alice", "staff");
  private static final Policy POLICY = Policy.builder().version("v1")
      .privilege("notes.write", r -> r.eligibleGroups("staff").autoApprove(AutoApproveCondition.always()))
      .privilege("customers.erase", r -> r.eligibleGroups("staff").autoApprove(AutoApproveCondition.always()))
      .build();

  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T09:00:00Z"));
  private final InMemoryAuditSink audit = new InMemoryAuditSink();
  private Engine engine;
  private GrantIndex index;

  @BeforeEach
  void start() {
    engine = new Engine(POLICY, ApprovalChannel.inProcess(), GrantStore.inMemory(), audit, Duration.ofSeconds(5),
        clock, clock, null, List.of(), null, Consistency.strict());
    index = engine.checks().index();
  }

  @AfterEach
  void stop() {
    engine.close();
  }

  private Grant grant(Privilege p, ActionBinding call) {
    ElevationRequest.Builder b = ElevationRequest.builder(ALICE, p).justification("issue 12")
        .duration(Duration.ofMinutes(30));
    if (call != null) {
      b.action(call);
    }
    Decision d = engine.intake().request(b.build());
    assertThat(d.isGranted()).as("%s", d).isTrue();
    return ((Decision.Granted) d).grant();
  }

  private long count(AuditEventType type) {
    return audit.events(type).stream().mapToLong(AuditEvent::count).sum();
  }

  @Test
  void hundredRevokedGrantsThenSlotHoldsOnlyLiveOnesAndCheckStillAnswersRevoked() {
    for (int i = 0; i < 100; i++) {
      engine.lifecycle().revoke(grant(NOTES, null).id(), ALICE, "done");
    }
    GrantIndex.Slot slot = index.find("alice", NOTES);
    assertThat(slot.live).isEmpty();
    assertThat(slot.ended).hasSize(100);
    assertThat(engine.checks().check(ALICE, NOTES).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);

    Grant live = grant(NOTES, null);
    assertThat(slot.live).extracting(e -> e.grant.id()).containsExactly(live.id());
    assertThat(engine.checks().check(ALICE, NOTES).isGranted()).isTrue();
  }

  /**
   * A shared store that no longer has a grant the index holds (deleted by hand, or a restore from before it): the
   * grant leaves the live array, and its ended record goes after the hour like any other, taking the subject with it.
   */
  @Test
  void grantTheSharedStoreNoLongerHasThenLeavesTheSlotAndIsDroppedAfterTheHour() {
    java.util.Set<GrantId> forgotten = java.util.concurrent.ConcurrentHashMap.newKeySet();
    GrantStore memory = GrantStore.inMemory();
    GrantStore shared = (GrantStore) java.lang.reflect.Proxy.newProxyInstance(GrantStore.class.getClassLoader(),
        new Class<?>[] {GrantStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("isShared")) {
            return true;
          }
          if (method.getName().equals("findGrant") && forgotten.contains(args[0])) {
            return java.util.Optional.empty();
          }
          Object answer;
          try {
            answer = method.invoke(memory, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
          if (answer instanceof List<?> list) { // every list of grants leaves the forgotten ones out
            return list.stream().filter(x -> !(x instanceof Grant g && forgotten.contains(g.id()))).toList();
          }
          return answer;
        });
    engine.close();
    engine = new Engine(POLICY, ApprovalChannel.inProcess(), shared, audit, Duration.ofSeconds(5), clock, clock, null,
        List.of(), null, Consistency.strict());
    index = engine.checks().index();
    Grant g = grant(NOTES, null);
    assertThat(engine.checks().check(ALICE, NOTES).isGranted()).isTrue();

    forgotten.add(g.id());
    assertThat(engine.checks().check(ALICE, NOTES).isGranted()).as("gone from the store").isFalse();
    assertThat(index.find("alice", NOTES).live).isEmpty();
    engine.maintenance().run();
    clock.advance(Duration.ofMinutes(61));
    engine.maintenance().run();
    engine.maintenance().run();
    assertThat(index.subjectCount()).as("nothing kept for a subject with nothing live").isZero();
  }

  @Test
  void endedRecordsPastTheHourThenDroppedWithTheSubject() {
    engine.lifecycle().revoke(grant(NOTES, null).id(), ALICE, "done");
    engine.maintenance().run();
    assertThat(engine.checks().check(ALICE, NOTES).reason()).as("within the hour").isEqualTo(ReasonCode.GRANT_REVOKED);

    clock.advance(Duration.ofMinutes(61));
    engine.maintenance().run();
    assertThat(index.subjectCount()).isZero();
    assertThat(engine.checks().check(ALICE, NOTES).reason()).isEqualTo(ReasonCode.NO_GRANT);
  }

  @Test
  void usesCountedBeforeRevocationThenFlushedBeforeTheRevocation() {
    Grant g = grant(NOTES, null);
    for (int i = 0; i < 4; i++) {
      assertThat(engine.checks().check(ALICE, NOTES).isGranted()).isTrue(); // one USED, three counted
    }
    engine.lifecycle().revoke(g.id(), ALICE, "done");

    assertThat(count(AuditEventType.USES)).isEqualTo(3);
    assertThat(audit.types()).containsSubsequence(AuditEventType.USES, AuditEventType.REVOKED);
  }

  @Test
  void usesCountedBeforeExpirySeenByCheckThenFlushedByMaintenance() {
    grant(NOTES, null);
    for (int i = 0; i < 4; i++) {
      engine.checks().check(ALICE, NOTES);
    }
    clock.advance(Duration.ofMinutes(31));
    assertThat(engine.checks().check(ALICE, NOTES).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    assertThat(index.find("alice", NOTES).live).as("left the live array when the check saw it expired").isEmpty();

    engine.maintenance().run();
    assertThat(count(AuditEventType.USES)).isEqualTo(3);
    assertThat(engine.checks().check(ALICE, NOTES).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
  }

  @Test
  void hundredThousandDeniedChecksOfUnknownSubjectsThenNoStateAfterMaintenanceAndEveryDenialAudited() {
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      assertThat(engine.checks().check(Subject.of("stranger-" + i), NOTES).reason()).isEqualTo(ReasonCode.NO_GRANT);
    }
    assertThat(index.subjectCount()).as("bounded within the period").isLessThanOrEqualTo(GrantIndex.MAX_DENIAL_SLOTS);

    engine.maintenance().run();
    assertThat(index.subjectCount()).isZero();
    assertThat(index.slotCount()).isZero();
    assertThat(audit.events(AuditEventType.CHECK_DENIED).size() + count(AuditEventType.CHECKS_DENIED))
        .as("every denial recorded or counted").isEqualTo(n);
    assertThat(audit.events(AuditEventType.CHECKS_DENIED)).anySatisfy(e -> assertThat(e.subject()).isEmpty());
  }

  @Test
  void checkActionWithHundredGrantsThenOnlyTheCallsGrantConsumedAndOthersIntact() {
    for (int i = 0; i < 100; i++) {
      grant(ERASE, ActionBinding.of("customers.erase", (long) i));
    }
    ActionBinding call = ActionBinding.of("customers.erase", 57L);
    assertThat(engine.checks().checkAction(ALICE, ERASE, call, null).isGranted()).isTrue();

    GrantIndex.Slot slot = index.find("alice", ERASE);
    assertThat(slot.live).hasSize(99).noneMatch(e -> e.grant.isBoundTo(call));
    assertThat(slot.ended).singleElement().satisfies(t -> assertThat(t.status).isEqualTo(GrantStatus.CONSUMED));
    assertThat(engine.checks().checkAction(ALICE, ERASE, call, null).reason()).isEqualTo(ReasonCode.GRANT_CONSUMED);
    assertThat(engine.checks().checkAction(ALICE, ERASE, ActionBinding.of("customers.erase", 1000L), null).reason())
        .isEqualTo(ReasonCode.ACTION_MISMATCH);
    assertThat(engine.checks().check(ALICE, ERASE).reason()).as("an action grant never allows a plain check")
        .isEqualTo(ReasonCode.NO_GRANT);
    for (int i = 0; i < 100; i++) {
      if (i != 57) {
        assertThat(engine.checks().checkAction(ALICE, ERASE, ActionBinding.of("customers.erase", (long) i), null)
            .isGranted()).as("call %d", i).isTrue();
      }
    }
    assertThat(slot.live).isEmpty();
  }

  @Test
  void lateLiveVersionOfRevokedGrantThenKeptOutAndReported() {
    List<Grant> anomalies = new ArrayList<>();
    index.onAnomaly((arrived, cached) -> anomalies.add(arrived));
    Grant v1 = plain(1, GrantStatus.ACTIVE).toBuilder().version(3).build();
    index.upsert(v1);
    index.upsert(plain(1, GrantStatus.REVOKED).toBuilder().version(2).build()); // after a restore: not above it
    index.upsert(v1.toBuilder().version(5).build()); // a newer record says it is live again

    GrantIndex.Slot slot = index.find("alice", NOTES);
    assertThat(slot.live).isEmpty();
    assertThat(slot.ended).singleElement().satisfies(t -> assertThat(t.stored).isTrue());
    assertThat(anomalies).hasSize(2);
  }

  @Test
  void grantSeenExpiredThenNewerVersionFromStoreTakenBack() {
    Grant v1 = plain(1, GrantStatus.ACTIVE);
    index.upsert(v1);
    GrantIndex.Slot slot = index.find("alice", NOTES);
    long past = v1.expiresAtMillis();
    index.expired(slot, slot.live[0], past);
    assertThat(slot.live).isEmpty();
    index.upsert(v1.toBuilder().validity(v1.notBefore(), v1.expiresAt().plusSeconds(600), v1.capExpiresAt())
        .version(2).build()); // extended elsewhere before it expired
    assertThat(slot.live).hasSize(1);
    assertThat(slot.ended).isEmpty();
  }

  @Test
  void slotsMadeAndDroppedConcurrentlyThenNoLiveGrantLost() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<Grant>>> writers = new ArrayList<>();
      for (int w = 0; w < 3; w++) {
        int writer = w;
        writers.add(pool.submit(() -> {
          go.await();
          List<Grant> made = new ArrayList<>();
          for (int i = 0; i < 2_000; i++) {
            String subject = "s-" + (i % 50);
            engine.checks().check(Subject.of(subject), NOTES); // a denial-only slot, dropped by maintenance
            Grant g = plainFor(subject, writer * 10_000 + i);
            index.upsert(g);
            made.add(g);
          }
          return made;
        }));
      }
      Future<?> sweeper = pool.submit(() -> {
        go.await();
        for (int i = 0; i < 200; i++) {
          engine.maintenance().run();
        }
        return null;
      });
      go.countDown();
      sweeper.get(60, TimeUnit.SECONDS);
      for (Future<List<Grant>> f : writers) {
        for (Grant g : f.get(60, TimeUnit.SECONDS)) {
          GrantIndex.Slot s = index.find(g.subjectId(), NOTES);
          assertThat(s).as("slot of %s", g.subjectId()).isNotNull();
          assertThat(s.live).as("grant %s", g.id()).anyMatch(e -> e.grant.id().equals(g.id()));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private Grant plain(int n, GrantStatus status) {
    return plainFor("alice", n).toBuilder().status(status).build();
  }

  private Grant plainFor(String subject, int n) {
    Instant now = clock.instant();
    return Grant.builder(GrantId.of(String.format("%032x", n)), RequestId.of(String.format("%032x", n)))
        .subjectId(subject).privilege(NOTES).issuedAt(now)
        .validity(now, now.plus(Duration.ofMinutes(30)), now.plus(Duration.ofHours(1))).policyVersion("v1")
        .build();
  }

  /** A wall and monotonic clock moved by the test. */
  private static final class ManualClock extends Clock implements MonotonicClock {
    private final AtomicLong millis;

    ManualClock(Instant start) {
      this.millis = new AtomicLong(start.toEpochMilli());
    }

    void advance(Duration d) {
      millis.addAndGet(d.toMillis());
    }

    @Override
    public long nanoTime() {
      return millis.get() * 1_000_000L;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }
  }
}
