package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.JUSTIFICATION;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.invalid;
import static dev.jitguard.Fixtures.pendingId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.jitguard.action.ActionBinding;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Metered grants: a total amount that the calls a grant allows may spend together (refunds up to 100.00), each
 * check naming its call's amount; exact decimal arithmetic, atomic under concurrency, never refilled.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MeteredGrantTest {
  private static final Privilege REFUNDS = Privilege.of("payments.refund-budget");
  private static final Privilege PLAIN = Privilege.of("payments.read");
  private static final Privilege PARTIAL = Privilege.of("payments.partial-refund");

  private static final Policy POLICY = Policy.builder()
      .privilege("payments.refund-budget", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .maxDuration(Duration.ofHours(1))
          .maxAmount(new BigDecimal("500.00")))
      .privilege("payments.read", r -> r
          .eligibleGroups("developers")
          .autoApprove(AutoApproveCondition.memberOfAny("developers")))
      .privilege("payments.partial-refund", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .maxAmount(new BigDecimal("1000")))
      .build();

  private static BigDecimal amount(String s) {
    return new BigDecimal(s);
  }

  /** Alice asks for a metered grant of {@code limit} (or the policy's maximum when null) and Bob approves it. */
  private static Grant approved(PrivilegeGuard guard, String limit) {
    ElevationRequest.Builder ask = ElevationRequest.builder(ALICE, REFUNDS).justification(JUSTIFICATION);
    if (limit != null) {
      ask.amountLimit(amount(limit));
    }
    return granted(guard.approve(pendingId(guard.request(ask.build())), BOB, "ok"));
  }

  private static Decision.Denied denied(Decision d, ReasonCode reason) {
    assertThat(d).as("expected a denial, got %s", d).isInstanceOf(Decision.Denied.class);
    Decision.Denied denied = (Decision.Denied) d;
    assertThat(denied.reason()).as(denied.message()).isEqualTo(reason);
    return denied;
  }

  @Test
  void callsSpendTheTotalTogetherAndTheGrantIsConsumedWhenNothingIsLeft() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant grant = approved(guard, "100.00");
      assertThat(grant.isMetered()).isTrue();
      assertThat(grant.amountLimit()).contains(amount("100.00"));
      assertThat(grant.amountLeft()).contains(amount("100.00"));

      Grant afterFirst = granted(guard.check(ALICE, REFUNDS, amount("40.00")));
      assertThat(afterFirst.amountUsed()).contains(amount("40.00"));
      assertThat(afterFirst.amountLeft()).contains(amount("60.00"));
      Decision second = guard.check(ALICE, REFUNDS, amount("40.00"));
      assertThat(second.message()).contains("spent 40.00, 20.00 of 100.00 left");

      Decision.Denied third = denied(guard.check(ALICE, REFUNDS, amount("40.00")), ReasonCode.AMOUNT_EXCEEDED);
      assertThat(third.message()).contains("spends 40.00").contains("20.00 left of 100.00");
      assertThat(third.hint()).startsWith("Spend at most 20.00, or request");
      assertThat(t.store().findGrant(grant.id()).orElseThrow().amountUsed()).contains(amount("80.00"));

      Grant last = granted(guard.check(ALICE, REFUNDS, amount("20.00")));
      assertThat(last.storedStatus()).isEqualTo(GrantStatus.CONSUMED);
      assertThat(last.amountLeft()).hasValueSatisfying(left -> assertThat(left).isZero());
      denied(guard.check(ALICE, REFUNDS, amount("0.01")), ReasonCode.GRANT_CONSUMED);
    }
  }

  @Test
  void decimalsAreExactNotBinaryFloatingPoint() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      approved(guard, "0.30");
      granted(guard.check(ALICE, REFUNDS, amount("0.1")));
      granted(guard.check(ALICE, REFUNDS, amount("0.10")));
      // 0.1 + 0.1 + 0.1 is exactly 0.30 here (in double it is 0.30000000000000004 and would be refused).
      Grant last = granted(guard.check(ALICE, REFUNDS, amount("0.100")));
      assertThat(last.storedStatus()).isEqualTo(GrantStatus.CONSUMED);
    }
  }

  @Test
  void plainCheckNeverUsesAMeteredGrantAndSaysTheAmountIsRequired() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant grant = approved(guard, "100.00");

      Decision.Denied d = denied(guard.check(ALICE, REFUNDS), ReasonCode.AMOUNT_REQUIRED);
      assertThat(d.hint()).contains("check(subject, privilege, amount)");
      assertThat(catchThrowable(() -> guard.require(ALICE, REFUNDS)))
          .isInstanceOfSatisfying(ElevationRequiredException.class,
              e -> assertThat(e.reason()).isEqualTo(ReasonCode.AMOUNT_REQUIRED));
      assertThat(t.store().findGrant(grant.id()).orElseThrow().amountUsed()).contains(BigDecimal.ZERO);
    }
  }

  @Test
  void negativeNullOrOverPreciseAmountsAreRejectedAndSpendNothing() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant grant = approved(guard, "100.00");

      // A negative amount would refill the budget: it is bad input, never a credit.
      assertThat(invalid(() -> guard.check(ALICE, REFUNDS, amount("-50.00"))).getMessage())
          .isEqualTo("amount must not be negative, but was -50.00; a metered grant only counts amounts spent, so "
              + "pass the absolute amount");
      assertThat(invalid(() -> guard.check(ALICE, REFUNDS, null)).field()).isEqualTo("amount");
      assertThat(invalid(() -> guard.check(ALICE, REFUNDS, amount("0.00000000001"))).getMessage())
          .startsWith("amount must have at most 10 decimal places and 30 digits");
      assertThat(invalid(() -> guard.check(ALICE, REFUNDS, amount("1E+40"))).field()).isEqualTo("amount");

      assertThat(t.store().findGrant(grant.id()).orElseThrow().amountUsed()).contains(BigDecimal.ZERO);
      granted(guard.check(ALICE, REFUNDS, amount("100.00")));
    }
  }

  @Test
  void requestWithoutALimitGetsThePolicyMaximumAndALargerOneIsRefused() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      assertThat(approved(guard, null).amountLimit()).contains(amount("500.00"));

      Decision d = guard.request(ElevationRequest.builder(Subject.of("frank", "developers"), REFUNDS)
          .justification(JUSTIFICATION).amountLimit(amount("500.01")).build());
      Decision.Denied refused = denied(d, ReasonCode.AMOUNT_EXCEEDS_MAX);
      assertThat(refused.message()).isEqualTo("The amount limit for 'payments.refund-budget' must be at most "
          + "500.00, but was 500.01 (rule 'payments.refund-budget').");
      assertThat(refused.hint()).isEqualTo("Ask for at most 500.00.");
      assertThat(guard.pendingRequests(Subject.of("frank", "developers"))).isEmpty();
    }
  }

  @Test
  void amountLimitMustBePositive() {
    ElevationRequest.Builder ask = ElevationRequest.builder(ALICE, REFUNDS).justification(JUSTIFICATION);
    InvalidInputException e = invalid(() -> ask.amountLimit(BigDecimal.ZERO));
    assertThat(e.field()).isEqualTo("amountLimit");
    assertThat(e.getMessage()).isEqualTo("amountLimit must be positive, but was 0; give the total the grant may "
        + "spend, for example 250.00");
  }

  @Test
  void unmeteredGrantAllowsACheckWithAnyAmount() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant g = granted(guard.request(ElevationRequest.builder(ALICE, PLAIN).justification(JUSTIFICATION).build()));
      assertThat(g.isMetered()).isFalse();
      assertThat(granted(guard.check(ALICE, PLAIN, amount("1000000"))).id()).isEqualTo(g.id());
      assertThat(guard.check(ALICE, PLAIN).outcome()).isEqualTo(Outcome.GRANTED);
    }
  }

  @Test
  void anExpiredMeteredGrantIsExpiredWhateverIsLeft() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant grant = approved(guard, "100.00");
      t.clock().set(grant.expiresAt());
      denied(guard.check(ALICE, REFUNDS, amount("1.00")), ReasonCode.GRANT_EXPIRED);
    }
  }

  @Test
  void usesAndDenialsOfAMeteredGrantAreAuditedWithTheAmounts() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant grant = approved(guard, "50.00");
      granted(guard.check(ALICE, REFUNDS, amount("30.00")));
      guard.check(ALICE, REFUNDS, amount("30.00"));
      granted(guard.check(ALICE, REFUNDS, amount("20.00")));

      List<AuditEvent> used = t.audit().events().stream().filter(e -> e.type() == AuditEventType.USED).toList();
      assertThat(used).extracting(e -> e.details().get("amount")).containsExactly("30.00", "20.00");
      assertThat(used).extracting(e -> e.details().get("amount_left")).containsExactly("20.00", "0.00");
      assertThat(t.audit().events()).anySatisfy(e -> {
        assertThat(e.type()).isEqualTo(AuditEventType.CHECK_DENIED);
        assertThat(e.reason()).contains(ReasonCode.AMOUNT_EXCEEDED);
      });
      assertThat(t.audit().events()).anySatisfy(e -> {
        assertThat(e.type()).isEqualTo(AuditEventType.CONSUMED);
        assertThat(e.grantId()).contains(grant.id());
      });
    }
  }

  @RepeatedTest(5)
  void concurrentCallsNeverSpendMoreThanTheTotal() throws Exception {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      Grant grant = approved(guard, "100.00");
      int threads = 32;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Decision>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          results.add(pool.submit(() -> {
            start.await(10, TimeUnit.SECONDS);
            return guard.check(ALICE, REFUNDS, amount("10.00"));
          }));
        }
        int granted = 0;
        for (Future<Decision> f : results) {
          Decision d = f.get(30, TimeUnit.SECONDS);
          if (d.outcome() == Outcome.GRANTED) {
            granted++;
          } else {
            assertThat(d.reason()).isIn(ReasonCode.AMOUNT_EXCEEDED, ReasonCode.GRANT_CONSUMED);
          }
        }
        assertThat(granted).isEqualTo(10);
        Grant stored = t.store().findGrant(grant.id()).orElseThrow();
        assertThat(stored.amountUsed()).contains(amount("100.00"));
        assertThat(stored.storedStatus()).isEqualTo(GrantStatus.CONSUMED);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void meteredActionBindsTheOtherArgumentsAndSpendsTheAmountAcrossCalls() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      // Partial refunds of order 4711, up to 120.00 in all: the binding covers the order, not the amount.
      ActionBinding order4711 = ActionBinding.of("refunds.partial", "order-4711");
      RequestId id = pendingId(guard.request(ElevationRequest.builder(ALICE, PARTIAL).justification(JUSTIFICATION)
          .action(order4711).amountLimit(amount("120.00")).uses(10).build()));
      Grant grant = granted(guard.approve(id, BOB, "partial refunds agreed with the customer"));
      assertThat(grant.isActionBound()).isTrue();
      assertThat(grant.amountLimit()).contains(amount("120.00"));

      granted(guard.checkAction(ALICE, PARTIAL, order4711, amount("70.00")));
      denied(guard.checkAction(ALICE, PARTIAL, order4711), ReasonCode.AMOUNT_REQUIRED);
      denied(guard.checkAction(ALICE, PARTIAL, ActionBinding.of("refunds.partial", "order-4712"), amount("1.00")),
          ReasonCode.ACTION_MISMATCH);
      denied(guard.checkAction(Fixtures.FRANK, PARTIAL, order4711, amount("1.00")), ReasonCode.NO_GRANT);
      denied(guard.checkAction(ALICE, PARTIAL, order4711, amount("50.01")), ReasonCode.AMOUNT_EXCEEDED);
      Grant last = guard.requireAction(ALICE, PARTIAL, order4711, amount("50.00"));
      assertThat(last.storedStatus()).isEqualTo(GrantStatus.CONSUMED);
      assertThat(last.usesLeft()).hasValue(8);
      // A metered action grant never satisfies a plain check either.
      denied(guard.check(ALICE, PARTIAL, amount("1.00")), ReasonCode.NO_GRANT);
    }
  }

  @Test
  void meteredActionWithoutABudgetOfUsesRunsAsOftenAsTheAmountAllows() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      ActionBinding order = ActionBinding.of("refunds.partial", "order-4713");
      RequestId id = pendingId(guard.request(ElevationRequest.builder(ALICE, PARTIAL).justification(JUSTIFICATION)
          .action(order).amountLimit(amount("30")).build()));
      Grant grant = granted(guard.approve(id, BOB, "ok"));
      assertThat(grant.isBudgeted()).isFalse();

      for (int i = 0; i < 2; i++) {
        granted(guard.checkAction(ALICE, PARTIAL, order, amount("10")));
      }
      assertThat(guard.requireAction(ALICE, PARTIAL, order, amount("10")).storedStatus())
          .isEqualTo(GrantStatus.CONSUMED);
    }
  }

  @Test
  void aBudgetOfUsesEndsAMeteredGrantToo() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(ElevationRequest.builder(ALICE, REFUNDS).justification(JUSTIFICATION)
          .amountLimit(amount("100.00")).uses(2).build()));
      granted(guard.approve(id, BOB, "ok"));
      granted(guard.check(ALICE, REFUNDS, amount("1.00")));
      Grant second = granted(guard.check(ALICE, REFUNDS, amount("1.00")));
      assertThat(second.storedStatus()).isEqualTo(GrantStatus.CONSUMED);
      assertThat(second.amountLeft()).contains(amount("98.00"));
      denied(guard.check(ALICE, REFUNDS, amount("1.00")), ReasonCode.GRANT_CONSUMED);
    }
  }
}
