package dev.jitguard;

import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.jitguard.action.ActionBinding;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * JIT action approval through the public API: one exact call (action name and argument digest), approved by another
 * person, usable by the requester once (or a budget of N), and nothing else; plus park-and-resume.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ActionApprovalTest {
  private static final Privilege ERASE = Privilege.of("customers.erase");
  private static final String ERASE_ACTION = "customers.erase";
  private static final Duration PENDING_TTL = Duration.ofHours(1);

  /** A support agent: may ask to erase customers. */
  private static final Subject SAM = Subject.of("sam", "support");
  /** Another support agent. */
  private static final Subject TOM = Subject.of("tom", "support");
  /** A privacy officer: approves erasures. */
  private static final Subject PAT = Subject.of("pat", "privacy");
  /** Support agent and privacy officer at once: may ask, and may approve others' requests, never their own. */
  private static final Subject SOPHIE = Subject.of("sophie", "support", "privacy");

  private static final Policy POLICY = Policy.builder()
      .privilege("customers.erase", r -> r
          .eligibleGroups("support")
          .approverGroups("privacy")
          .pendingTtl(PENDING_TTL)
          .maxUses(10))
      .build();

  private static final long CUSTOMER_42 = 42L;

  private ExecutorService pool;

  @BeforeEach
  void startPool() {
    pool = Executors.newFixedThreadPool(32);
  }

  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  private static ActionBinding erase(Object... arguments) {
    return ActionBinding.of(ERASE_ACTION, arguments);
  }

  private static ElevationRequest.Builder askToRun(Subject subject, ActionBinding action) {
    return ElevationRequest.builder(subject, ERASE).justification("GDPR erasure request, ticket PRIV-7")
        .action(action);
  }

  /** Requests the action and has Pat approve it; returns the action grant. */
  private static Grant approvedAction(PrivilegeGuard guard, Subject subject, ActionBinding action) {
    return granted(guard.approve(pendingId(guard.request(askToRun(subject, action).build())), PAT, "checked"));
  }

  /** Spins (no sleep) until a thread parks, bounded. */
  private static void awaitParked(Thread t) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime()).as("thread %s never parked (state %s)", t.getName(), t.getState())
          .isLessThan(deadline);
      assertThat(t.isAlive()).as("thread %s ended before parking", t.getName()).isTrue();
      Thread.onSpinWait();
    }
  }

  // ------------------------------------------------------------------------------------------------ the flow

  @Test
  void actionRequestsForDifferentCallsWhilePendingThenEachGetsItsOwnRequest() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId for42 = pendingId(guard.request(askToRun(SAM, erase(42L)).build()));
      RequestId for43 = pendingId(guard.request(askToRun(SAM, erase(43L)).build()));
      RequestId again42 = pendingId(guard.request(askToRun(SAM, erase(42L)).build()));

      // Each call needs its own approval; asking twice for the same call returns the pending one.
      assertThat(for43).isNotEqualTo(for42);
      assertThat(again42).isEqualTo(for42);
      assertThat(guard.pendingRequests(SAM)).extracting(RequestRecord::id).containsExactlyInAnyOrder(for42, for43);
    }
  }

  @Test
  void actionRequestThenPendingAndApproverSeesThePreview() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      ActionBinding action = erase(CUSTOMER_42).withPreview("Erase customer 42 (Jane Doe, 3 open orders)");

      Decision d = guard.request(askToRun(SAM, action).build());

      assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
      List<RequestRecord> inbox = guard.pendingApprovals(PAT);
      assertThat(inbox).hasSize(1);
      ActionBinding seen = inbox.get(0).request().action().orElseThrow();
      assertThat(seen.preview()).isEqualTo("Erase customer 42 (Jane Doe, 3 open orders)");
      assertThat(seen.action()).isEqualTo(ERASE_ACTION);
      assertThat(seen.argumentDigest()).isEqualTo(erase(42).argumentDigest());
      assertThat(guard.checkAction(SAM, ERASE, erase(CUSTOMER_42)).reason()).as("not before approval")
          .isEqualTo(ReasonCode.NO_GRANT);
    }
  }

  @Test
  void approvedActionThenSameCallGrantedOnceThenGrantConsumed() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant g = approvedAction(guard, SAM, erase(CUSTOMER_42));

      assertThat(g.isActionBound()).isTrue();
      assertThat(g.action()).contains(ERASE_ACTION);
      assertThat(g.argumentDigest()).contains(erase(CUSTOMER_42).argumentDigest());
      assertThat(g.usesGranted()).as("an action grant is for one call by default").hasValue(1);

      Decision first = guard.checkAction(SAM, ERASE, erase(CUSTOMER_42));
      Decision second = guard.checkAction(SAM, ERASE, erase(CUSTOMER_42));

      assertThat(first.isGranted()).isTrue();
      assertThat(((Decision.Granted) first).grant().id()).isEqualTo(g.id());
      assertThat(second.reason()).isEqualTo(ReasonCode.GRANT_CONSUMED);
      assertThat(t.store().findGrant(g.id()).orElseThrow().storedStatus()).isEqualTo(GrantStatus.CONSUMED);
      ElevationRequiredException thrown = (ElevationRequiredException) catchThrowable(
          () -> guard.requireAction(SAM, ERASE, erase(CUSTOMER_42)));
      assertThat(thrown.reason()).isEqualTo(ReasonCode.GRANT_CONSUMED);
    }
  }

  @Test
  void approvedActionWithBudgetOfThreeUsesThenExactlyThreeGranted() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      granted(guard.approve(pendingId(guard.request(askToRun(SAM, erase(CUSTOMER_42)).uses(3).build())), PAT,
          ""));

      List<ReasonCode> reasons = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        reasons.add(guard.checkAction(SAM, ERASE, erase(CUSTOMER_42)).reason());
      }

      assertThat(reasons).containsExactly(ReasonCode.GRANTED, ReasonCode.GRANTED, ReasonCode.GRANTED,
          ReasonCode.GRANT_CONSUMED, ReasonCode.GRANT_CONSUMED);
      assertThat(t.audit().events(AuditEventType.USED)).hasSize(3);
      assertThat(t.audit().events(AuditEventType.CONSUMED)).hasSize(1);
    }
  }

  @Test
  void otherArgumentsThenActionMismatchAndApprovalNotConsumed() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant g = approvedAction(guard, SAM, erase(CUSTOMER_42));

      Decision other = guard.checkAction(SAM, ERASE, erase(43L));
      Decision moreArguments = guard.checkAction(SAM, ERASE, erase(CUSTOMER_42, "and orders"));

      assertThat(other).isInstanceOf(Decision.Denied.class);
      assertThat(other.reason()).isEqualTo(ReasonCode.ACTION_MISMATCH);
      assertThat(other.message()).contains("customers.erase").contains("other arguments");
      assertThat(other.hint()).isNotBlank();
      assertThat(moreArguments.reason()).isEqualTo(ReasonCode.ACTION_MISMATCH);
      ElevationRequiredException thrown = (ElevationRequiredException) catchThrowable(
          () -> guard.requireAction(SAM, ERASE, erase(43L)));
      assertThat(thrown.reason()).isEqualTo(ReasonCode.ACTION_MISMATCH);
      assertThat(t.store().findGrant(g.id()).orElseThrow().usesLeft()).as("not consumed").hasValue(1);
      assertThat(guard.checkAction(SAM, ERASE, erase(CUSTOMER_42)).isGranted()).isTrue();
    }
  }

  /** Regression: ACTION_MISMATCH had no cached denial, so checkAction returned null instead of a decision. */
  @Test
  void actionMismatchDenialWasNullForLackOfACachedDenialThenEveryCheckActionReturnsADecision() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      approvedAction(guard, SAM, erase(CUSTOMER_42));

      for (int i = 0; i < 3; i++) {
        Decision d = guard.checkAction(SAM, ERASE, erase(100L + i));
        assertThat(d).as("check %d", i).isNotNull();
        assertThat(d.reason()).isEqualTo(ReasonCode.ACTION_MISMATCH);
        assertThat(d.privilege()).isEqualTo(ERASE);
      }
      assertThat(t.audit().events(AuditEventType.CHECK_DENIED)).singleElement()
          .satisfies(e -> assertThat(e.reason()).contains(ReasonCode.ACTION_MISMATCH));
    }
  }

  @Test
  void anotherSubjectWithTheSameCallThenNoGrant() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant g = approvedAction(guard, SAM, erase(CUSTOMER_42));

      assertThat(guard.checkAction(TOM, ERASE, erase(CUSTOMER_42)).reason()).isEqualTo(ReasonCode.NO_GRANT);
      assertThat(guard.checkAction(PAT, ERASE, erase(CUSTOMER_42)).reason()).as("not the approver either")
          .isEqualTo(ReasonCode.NO_GRANT);
      assertThat(t.store().findGrant(g.id()).orElseThrow().usesLeft()).hasValue(1);
    }
  }

  @Test
  void anotherActionNameWithTheSameArgumentsThenNoGrant() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      approvedAction(guard, SAM, erase(CUSTOMER_42));

      Decision d = guard.checkAction(SAM, ERASE, ActionBinding.of("customers.export", CUSTOMER_42));

      assertThat(d.reason()).isEqualTo(ReasonCode.NO_GRANT);
      assertThat(guard.checkAction(SAM, ERASE, erase(CUSTOMER_42)).isGranted()).isTrue();
    }
  }

  @Test
  void plainCheckThenNeverSatisfiedByAnActionGrantNorConsumesIt() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant g = approvedAction(guard, SAM, erase(CUSTOMER_42));

      assertThat(guard.check(SAM, ERASE).reason()).isEqualTo(ReasonCode.NO_GRANT);
      assertThat(catchThrowable(() -> guard.require(SAM, ERASE))).isInstanceOf(ElevationRequiredException.class);

      assertThat(t.store().findGrant(g.id()).orElseThrow().usesLeft()).hasValue(1);
      assertThat(guard.checkAction(SAM, ERASE, erase(CUSTOMER_42)).isGranted()).isTrue();
    }
  }

  @Test
  void checkActionThenNeverSatisfiedByTimeBoundOrBudgetedGrantOfThePrivilege() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      granted(guard.approve(pendingId(guard.request(ElevationRequest.builder(SAM, ERASE)
          .justification("bulk clean-up").build())), PAT, ""));
      granted(guard.approve(pendingId(guard.request(ElevationRequest.builder(TOM, ERASE)
          .justification("bulk clean-up").uses(5).build())), PAT, ""));

      assertThat(guard.check(SAM, ERASE).isGranted()).as("the time-bound grant works for plain checks").isTrue();
      assertThat(guard.checkAction(SAM, ERASE, erase(CUSTOMER_42)).reason()).isEqualTo(ReasonCode.NO_GRANT);
      assertThat(guard.checkAction(TOM, ERASE, erase(CUSTOMER_42)).reason()).isEqualTo(ReasonCode.NO_GRANT);
      assertThat(guard.check(TOM, ERASE).isGranted()).as("and the budget was not touched by checkAction").isTrue();
    }
  }

  @Test
  void mutableListArgumentChangedAfterApprovalThenActionMismatchBecauseWhatIsApprovedIsWhatRuns() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      List<Long> customers = new ArrayList<>(List.of(42L, 43L));
      ActionBinding approvedBinding = ActionBinding.of("customers.eraseAll", customers);
      approvedAction(guard, SAM, approvedBinding);

      customers.add(44L); // changed after approval: the digest at the check is taken from the list as it is now

      Decision changed = guard.checkAction(SAM, ERASE, ActionBinding.of("customers.eraseAll", customers));

      assertThat(changed.reason()).isEqualTo(ReasonCode.ACTION_MISMATCH);
      customers.remove(44L);
      Decision asApproved = guard.checkAction(SAM, ERASE, ActionBinding.of("customers.eraseAll", customers));
      assertThat(asApproved.isGranted()).as("the list holds what was approved again").isTrue();
    }
  }

  @Test
  void pendingActionApprovalPastPendingTtlThenApproveRefusedRequestExpiredAndCheckActionDenied() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(askToRun(SAM, erase(CUSTOMER_42)).build()));

      t.clock().advance(PENDING_TTL);

      OperationRefusedException refused = refusal(() -> guard.approve(id, PAT, "late"));
      assertThat(refused.reason()).isEqualTo(ReasonCode.REQUEST_EXPIRED);
      assertThat(t.store().findRequest(id).orElseThrow().status()).isEqualTo(RequestStatus.EXPIRED);
      assertThat(t.store().grantsFrom(id)).isEmpty();
      Decision d = guard.checkAction(SAM, ERASE, erase(CUSTOMER_42));
      assertThat(d.isGranted()).isFalse();
      assertThat(d.reason()).isEqualTo(ReasonCode.NO_GRANT);
    }
  }

  @Test
  void thirtyTwoThreadsRacingCheckActionOnSingleUseGrantThenExactlyOneGrantedEveryRound() throws Exception {
    int threads = 32;
    for (int round = 0; round < 100; round++) {
      try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
        PrivilegeGuard guard = t.guard();
        Grant g = approvedAction(guard, SAM, erase(CUSTOMER_42));
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Decision>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          futures.add(pool.submit(() -> {
            ActionBinding call = erase(CUSTOMER_42); // each caller computes the digest from its own arguments
            start.await(10, TimeUnit.SECONDS);
            return guard.checkAction(SAM, ERASE, call);
          }));
        }
        List<Decision> results = new ArrayList<>();
        for (Future<Decision> f : futures) {
          results.add(f.get(10, TimeUnit.SECONDS));
        }

        assertThat(results).filteredOn(Decision::isGranted).as("round %d", round).hasSize(1);
        assertThat(results).filteredOn(d -> !d.isGranted()).as("round %d", round)
            .allSatisfy(d -> assertThat(d.reason()).isEqualTo(ReasonCode.GRANT_CONSUMED));
        assertThat(t.store().findGrant(g.id()).orElseThrow().storedStatus()).isEqualTo(GrantStatus.CONSUMED);
        assertThat(t.audit().events(AuditEventType.USED)).as("round %d", round).hasSize(1);
        assertThat(t.audit().events(AuditEventType.CONSUMED)).as("round %d", round).hasSize(1);
      }
    }
  }

  @Test
  void requesterWhoIsAlsoAnApproverApprovingOwnActionRequestThenRefusedSelfApproval() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(askToRun(SOPHIE, erase(CUSTOMER_42)).build()));

      OperationRefusedException refused = refusal(() -> guard.approve(id, SOPHIE, "my own"));

      assertThat(refused.reason()).isEqualTo(ReasonCode.SELF_APPROVAL);
      assertThat(guard.pendingApprovals(SOPHIE)).isEmpty();
      assertThat(t.store().findRequest(id).orElseThrow().status()).isEqualTo(RequestStatus.PENDING);
      assertThat(guard.checkAction(SOPHIE, ERASE, erase(CUSTOMER_42)).reason()).isEqualTo(ReasonCode.NO_GRANT);
    }
  }

  @Test
  void actionRequestAndGrantThenAuditEventsCarryActionArgumentDigestAndPreview() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      ActionBinding action = erase(CUSTOMER_42).withPreview("Erase customer 42 (Jane Doe, 3 open orders)");

      Grant g = approvedAction(guard, SAM, action);
      guard.checkAction(SAM, ERASE, erase(CUSTOMER_42));

      AuditEvent requested = t.audit().events(AuditEventType.REQUESTED).get(0);
      assertThat(requested.details())
          .containsEntry("action", ERASE_ACTION)
          .containsEntry("argument_digest", action.argumentDigest())
          .containsEntry("preview", "Erase customer 42 (Jane Doe, 3 open orders)");
      AuditEvent grantedEvent = t.audit().events(AuditEventType.GRANTED).get(0);
      assertThat(grantedEvent.details())
          .containsEntry("action", ERASE_ACTION)
          .containsEntry("argument_digest", action.argumentDigest())
          .containsEntry("uses", "1");
      AuditEvent used = t.audit().events(AuditEventType.USED).get(0);
      assertThat(used.grantId()).contains(g.id());
      assertThat(used.actor()).contains("sam");
    }
  }

  @Test
  void revokedActionGrantThenCheckActionDeniedGrantRevoked() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant g = approvedAction(guard, SAM, erase(CUSTOMER_42));

      guard.revoke(g.id(), PAT, "customer withdrew the erasure request");

      assertThat(guard.checkAction(SAM, ERASE, erase(CUSTOMER_42)).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    }
  }

  // ------------------------------------------------------------------------------------------------ park and resume

  @Test
  void decisionFutureThenCompletesWithGrantedWhenApprovedOnAnotherThreadAndCallerProceedsOnce() throws Exception {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(askToRun(SAM, erase(CUSTOMER_42)).build()));
      AtomicInteger erasures = new AtomicInteger();
      CompletableFuture<Decision> decision = guard.decisionFuture(id, SAM);
      CompletableFuture<Decision> resumed = decision.thenApply(d -> {
        Decision call = guard.checkAction(SAM, ERASE, erase(CUSTOMER_42));
        if (call.isGranted()) {
          erasures.incrementAndGet();
        }
        return call;
      });
      assertThat(decision).isNotDone();

      pool.submit(() -> guard.approve(id, PAT, "ok")).get(10, TimeUnit.SECONDS);

      Decision d = decision.get(10, TimeUnit.SECONDS);
      assertThat(d).isInstanceOf(Decision.Granted.class);
      assertThat(((Decision.Granted) d).grant().requestId()).isEqualTo(id);
      assertThat(resumed.get(10, TimeUnit.SECONDS).isGranted()).isTrue();
      assertThat(erasures).hasValue(1);
      assertThat(guard.checkAction(SAM, ERASE, erase(CUSTOMER_42)).reason()).isEqualTo(ReasonCode.GRANT_CONSUMED);
    }
  }

  @Test
  void decisionFutureThenCompletesWithDeniedWhenApproverDenies() throws Exception {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(askToRun(SAM, erase(CUSTOMER_42)).build()));
      CompletableFuture<Decision> decision = guard.decisionFuture(id, SAM);

      pool.submit(() -> guard.deny(id, PAT, "customer has a legal hold")).get(10, TimeUnit.SECONDS);

      Decision d = decision.get(10, TimeUnit.SECONDS);
      assertThat(d).isInstanceOf(Decision.Denied.class);
      assertThat(d.reason()).isEqualTo(ReasonCode.DENIED_BY_APPROVER);
    }
  }

  @Test
  void decisionFutureThenCompletesWithDeniedWhenPendingTtlPassesAndMaintenanceRuns() throws Exception {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(askToRun(SAM, erase(CUSTOMER_42)).build()));
      CompletableFuture<Decision> decision = guard.decisionFuture(id, SAM);

      t.clock().advance(PENDING_TTL);
      assertThat(decision).as("nobody has expired it yet").isNotDone();
      guard.runMaintenance();

      Decision d = decision.get(10, TimeUnit.SECONDS);
      assertThat(d).isInstanceOf(Decision.Denied.class);
      assertThat(d.reason()).isEqualTo(ReasonCode.REQUEST_EXPIRED);
    }
  }

  @Test
  void decisionFutureThenCompletesWithDeniedWhenRequesterWithdraws() throws Exception {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(askToRun(SAM, erase(CUSTOMER_42)).build()));
      CompletableFuture<Decision> decision = guard.decisionFuture(id, SAM);

      guard.withdraw(id, SAM);

      Decision d = decision.get(10, TimeUnit.SECONDS);
      assertThat(d).isInstanceOf(Decision.Denied.class);
      assertThat(d.reason()).isEqualTo(ReasonCode.WITHDRAWN);
    }
  }

  @Test
  void decisionFutureOnAlreadyDecidedRequestThenCompletedAtOnceAndCancellingOneLeavesOthers() throws Exception {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(askToRun(SAM, erase(CUSTOMER_42)).build()));
      CompletableFuture<Decision> cancelled = guard.decisionFuture(id, SAM);
      CompletableFuture<Decision> kept = guard.decisionFuture(id, SAM);
      cancelled.cancel(true);

      guard.approve(id, PAT, "ok");

      assertThat(kept.get(10, TimeUnit.SECONDS).isGranted()).isTrue();
      assertThat(guard.decisionFuture(id, SAM)).as("already decided").isCompleted();
      assertThat(guard.decisionFuture(id, SAM).get(10, TimeUnit.SECONDS).isGranted()).isTrue();
    }
  }

  @Test
  void awaitDecisionWithShortTimeoutAndNoDecisionThenPendingApprovalDenialAndRequestStaysPending()
      throws Exception {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(askToRun(SAM, erase(CUSTOMER_42)).build()));

      Decision d = guard.awaitDecision(id, SAM, Duration.ofMillis(50)); // real time: the unhappy path waits it out

      assertThat(d).isInstanceOf(Decision.Denied.class);
      assertThat(d.reason()).isEqualTo(ReasonCode.PENDING_APPROVAL);
      assertThat(d.privilege()).isEqualTo(ERASE);
      assertThat(t.store().findRequest(id).orElseThrow().status()).isEqualTo(RequestStatus.PENDING);
      assertThat(granted(guard.approve(id, PAT, "later")).isActionBound()).isTrue();
    }
  }

  @Test
  void awaitDecisionThenReturnsPromptlyWhenApprovedFromAnotherThread() throws Exception {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(askToRun(SAM, erase(CUSTOMER_42)).build()));
      CountDownLatch started = new CountDownLatch(1);
      AtomicReference<Thread> waiter = new AtomicReference<>();
      Future<Decision> waited = pool.submit(() -> {
        waiter.set(Thread.currentThread());
        started.countDown();
        return guard.awaitDecision(id, SAM, Duration.ofMinutes(5));
      });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      awaitParked(waiter.get());

      long approvedAt = System.nanoTime();
      guard.approve(id, PAT, "ok");
      Decision d = waited.get(10, TimeUnit.SECONDS);

      assertThat(Duration.ofNanos(System.nanoTime() - approvedAt)).as("well before the 5-minute timeout")
          .isLessThan(Duration.ofSeconds(10));
      assertThat(d.isGranted()).isTrue();
      assertThat(guard.checkAction(SAM, ERASE, erase(CUSTOMER_42)).isGranted()).isTrue();
    }
  }

  @Test
  void awaitDecisionThenInterruptingTheWaitingThreadThrowsInterruptedExceptionAndRequestStaysPending()
      throws Exception {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(askToRun(SAM, erase(CUSTOMER_42)).build()));
      AtomicReference<Object> outcome = new AtomicReference<>();
      CountDownLatch done = new CountDownLatch(1);
      Thread waiter = new Thread(() -> {
        try {
          outcome.set(guard.awaitDecision(id, SAM, Duration.ofMinutes(5)));
        } catch (InterruptedException e) {
          outcome.set(e);
        } finally {
          done.countDown();
        }
      }, "action-waiter");
      waiter.start();
      awaitParked(waiter);

      waiter.interrupt();

      assertThat(done.await(10, TimeUnit.SECONDS)).as("the waiter woke up").isTrue();
      waiter.join(TimeUnit.SECONDS.toMillis(10));
      assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
      assertThat(t.store().findRequest(id).orElseThrow().status()).isEqualTo(RequestStatus.PENDING);
    }
  }
}
