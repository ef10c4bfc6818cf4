package dev.jitguard.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.ElevationRequiredException;
import dev.jitguard.Grant;
import dev.jitguard.InvalidInputException;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.action.CanonicalArguments;
import dev.jitguard.annotation.RequiresElevation;
import dev.jitguard.spring.ElevationChecks;
import dev.jitguard.spring.Fixtures;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code @RequiresElevation(amount = "...")}: every call spends its amount from a metered grant, under both proxy
 * kinds; a call that would pass the total, or that names a null or negative amount, never runs; an amount parameter
 * that cannot be counted exactly fails the start-up.
 */
class MeteredElevationTest {
  private static final Subject ALICE = Subject.of("alice", "users");

  /** The guarded interface. */
  public interface Refunds {
    String refund(String order, BigDecimal amount);

    String refundCents(String order, long cents);

    String refundUnits(BigInteger units, String order);

    String refundOrder(String order, BigDecimal amount, String reason);

    CompletableFuture<String> refundLater(String order, BigDecimal amount);

    int runs();
  }

  /** Counts the refunds that ran. */
  public static class RefundBean implements Refunds {
    final AtomicInteger runs = new AtomicInteger();

    @Override
    @RequiresElevation(value = "test.refund", amount = "amount")
    public String refund(String order, BigDecimal amount) {
      runs.incrementAndGet();
      return "refunded " + amount + " on " + order;
    }

    @Override
    @RequiresElevation(value = "test.cents", amount = "cents")
    public String refundCents(String order, long cents) {
      runs.incrementAndGet();
      return "refunded " + cents + " cents on " + order;
    }

    @Override
    @RequiresElevation(value = "test.units", amount = "units")
    public String refundUnits(BigInteger units, String order) {
      runs.incrementAndGet();
      return "refunded " + units + " units on " + order;
    }

    @Override
    @RequiresElevation(value = "test.order-refund", action = true, amount = "amount")
    public String refundOrder(String order, BigDecimal amount, String reason) {
      runs.incrementAndGet();
      return "refunded " + amount + " on " + order;
    }

    @Override
    @RequiresElevation(value = "test.refund", amount = "amount")
    public CompletableFuture<String> refundLater(String order, BigDecimal amount) {
      runs.incrementAndGet();
      return CompletableFuture.completedFuture("refunded " + amount);
    }

    @Override
    public int runs() {
      return runs.get();
    }
  }

  private static ApplicationContextRunner runner(AnnotationDiscoveryTest.ProxyMode mode) {
    return Fixtures.runner().withPropertyValues("spring.aop.proxy-target-class=" + mode.targetClass)
        .withBean("refunds", RefundBean.class);
  }

  @AfterEach
  void signOut() {
    Fixtures.signOut();
  }

  /** Alice asks for a grant that may spend {@code limit}; Bob approves it. */
  private static Grant meteredGrant(PrivilegeGuard guard, String privilege, String limit,
      ActionBinding action) {
    ElevationRequest.Builder b = ElevationRequest.builder(ALICE, privilege).justification("INC-1: a test needs it")
        .amountLimit(new BigDecimal(limit));
    if (action != null) {
      // An action grant is for one call unless the request asks for more; a metered one usually should.
      b.action(action).uses(5);
    }
    Decision d = guard.request(b.build());
    Decision approved = guard.approve(((Decision.Pending) d).request().id(), Subject.of("bob", "approvers"), "ok");
    assertThat(approved.isGranted()).as("approved: %s", approved).isTrue();
    Grant g = ((Decision.Granted) approved).grant();
    assertThat(g.amountLimit()).contains(new BigDecimal(limit));
    return g;
  }

  private static Grant current(PrivilegeGuard guard, String privilege) {
    return guard.activeGrants(ALICE).stream().filter(g -> g.privilege().name().equals(privilege)).findFirst()
        .orElseThrow(() -> new AssertionError("no live grant of " + privilege));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(AnnotationDiscoveryTest.ProxyMode.class)
  void meteredWhenGrantedThenEachCallSpendsItsAmountAndACallPastTheTotalNeverRuns(
      AnnotationDiscoveryTest.ProxyMode mode) {
    runner(mode).run(context -> {
      assertThat(context).hasNotFailed();
      Refunds refunds = context.getBean(Refunds.class);
      assertThat(mode == AnnotationDiscoveryTest.ProxyMode.JDK ? AopUtils.isJdkDynamicProxy(refunds)
          : AopUtils.isCglibProxy(refunds)).isTrue();
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      Fixtures.signIn("alice", "users");

      ElevationRequiredException none = catchDenial(() -> refunds.refund("4711", new BigDecimal("40.00")));
      assertThat(none.reason()).isEqualTo(ReasonCode.NO_GRANT);
      assertThat(ActionDenials.amountOf(none)).isEqualByComparingTo("40.00");
      assertThat(ActionDenials.of(none)).as("not an action call").isNull();

      meteredGrant(guard, "test.refund", "100.00", null);
      assertThat(refunds.refund("4711", new BigDecimal("40.00"))).isEqualTo("refunded 40.00 on 4711");
      assertThat(current(guard, "test.refund").amountUsed()).contains(new BigDecimal("40.00"));
      refunds.refund("4711", new BigDecimal("40.00"));

      ElevationRequiredException exceeded = catchDenial(() -> refunds.refund("4711", new BigDecimal("40.00")));
      assertThat(exceeded.reason()).isEqualTo(ReasonCode.AMOUNT_EXCEEDED);
      assertThat(exceeded.getMessage()).contains("20.00 left of 100.00");
      assertThat(ActionDenials.amountOf(exceeded)).isEqualByComparingTo("40.00");
      assertThat(refunds.runs()).as("the refund past the total never ran").isEqualTo(2);
      assertThat(current(guard, "test.refund").amountLeft()).contains(new BigDecimal("20.00"));

      assertThat(refunds.refund("4711", new BigDecimal("20.00"))).isEqualTo("refunded 20.00 on 4711");
      assertThat(guard.activeGrants(ALICE)).as("nothing left: consumed").isEmpty();
      assertThat(catchDenial(() -> refunds.refund("4711", BigDecimal.ONE)).reason())
          .isEqualTo(ReasonCode.GRANT_CONSUMED);
      assertThat(refunds.runs()).isEqualTo(3);
    });
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(AnnotationDiscoveryTest.ProxyMode.class)
  void meteredWhenAmountNegativeOrNullThenRefusedNamingTheParameterAndNothingRunsOrIsCounted(
      AnnotationDiscoveryTest.ProxyMode mode) {
    runner(mode).run(context -> {
      Refunds refunds = context.getBean(Refunds.class);
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      Fixtures.signIn("alice", "users");
      meteredGrant(guard, "test.refund", "100.00", null);
      meteredGrant(guard, "test.cents", "5000", null);

      assertThatThrownBy(() -> refunds.refund("4711", new BigDecimal("-40.00")))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.field()).isEqualTo("amount");
            assertThat(e.getMessage()).contains("must not be negative").contains("-40.00");
          });
      assertThatThrownBy(() -> refunds.refund("4711", null))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("amount"));
      assertThatThrownBy(() -> refunds.refundCents("4711", -1))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("cents"));
      assertThatThrownBy(() -> refunds.refund("4711", new BigDecimal("0.00000000001")))
          .as("more decimal places than a grant counts").isInstanceOf(InvalidInputException.class);
      CompletableFuture<String> later = refunds.refundLater("4711", new BigDecimal("-1"));
      assertThat(later).isCompletedExceptionally();
      assertThatThrownBy(later::get).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(InvalidInputException.class);

      assertThat(refunds.runs()).as("no refund ran").isZero();
      assertThat(current(guard, "test.refund").amountUsed()).contains(BigDecimal.ZERO);
      assertThat(current(guard, "test.cents").amountUsed()).contains(BigDecimal.ZERO);
    });
  }

  @Test
  void meteredWhenAmountIsAWholeNumberThenCountedExactly() {
    runner(AnnotationDiscoveryTest.ProxyMode.CGLIB).run(context -> {
      Refunds refunds = context.getBean(Refunds.class);
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      Fixtures.signIn("alice", "users");
      meteredGrant(guard, "test.cents", "5000", null);
      meteredGrant(guard, "test.units", "3", null);

      refunds.refundCents("4711", 2500L);
      assertThat(current(guard, "test.cents").amountLeft()).contains(new BigDecimal("2500"));
      assertThat(catchDenial(() -> refunds.refundCents("4711", 2501L)).reason())
          .isEqualTo(ReasonCode.AMOUNT_EXCEEDED);
      refunds.refundUnits(BigInteger.TWO, "4711");
      assertThat(current(guard, "test.units").amountLeft()).contains(BigDecimal.ONE);
      assertThat(refunds.runs()).isEqualTo(2);
    });
  }

  @Test
  void meteredWhenCheckedWithoutAmountThenTheGrantIsNotUsable() {
    runner(AnnotationDiscoveryTest.ProxyMode.CGLIB).run(context -> {
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      Fixtures.signIn("alice", "users");
      meteredGrant(guard, "test.refund", "100.00", null);
      ElevationChecks checks = context.getBean(ElevationChecks.class);
      assertThat(checks.check("test.refund").reason()).isEqualTo(ReasonCode.AMOUNT_REQUIRED);
      assertThat(checks.require("test.refund", new BigDecimal("60.00")).amountLeft())
          .contains(new BigDecimal("40.00"));
      assertThatThrownBy(() -> checks.check("test.refund", new BigDecimal("-1")))
          .isInstanceOf(InvalidInputException.class);
      assertThat(checks.check("test.refund", new BigDecimal("41")).reason()).isEqualTo(ReasonCode.AMOUNT_EXCEEDED);
    });
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(AnnotationDiscoveryTest.ProxyMode.class)
  void meteredActionWhenApprovedThenBoundToTheOtherArgumentsAndSpendsUpToTheApprovedTotal(
      AnnotationDiscoveryTest.ProxyMode mode) {
    runner(mode).run(context -> {
      Refunds refunds = context.getBean(Refunds.class);
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      Fixtures.signIn("alice", "users");

      ElevationRequiredException first =
          catchDenial(() -> refunds.refundOrder("4711", new BigDecimal("30.00"), "double charge"));
      assertThat(first.reason()).isEqualTo(ReasonCode.NO_GRANT);
      ActionBinding call = ActionDenials.of(first);
      assertThat(call.action()).isEqualTo("RefundBean.refundOrder");
      assertThat(call.argumentDigest()).as("the amount is not part of the binding")
          .isEqualTo(CanonicalArguments.standard().digest("4711", "double charge"));
      assertThat(call.preview()).isEqualTo("RefundBean.refundOrder(4711, double charge)");
      assertThat(ActionDenials.amountOf(first)).isEqualByComparingTo("30.00");
      assertThat(catchDenial(() -> refunds.refundOrder("4711", new BigDecimal("99"), "double charge"))
          .decision().privilege()).isEqualTo(Privilege.of("test.order-refund"));
      assertThat(ActionDenials.of(catchDenial(() -> refunds.refundOrder("4711", new BigDecimal("99"),
          "double charge")))).as("the same call whatever its amount").isEqualTo(call);

      meteredGrant(guard, "test.order-refund", "50.00", call);
      assertThat(refunds.refundOrder("4711", new BigDecimal("30.00"), "double charge")).contains("30.00");
      assertThat(refunds.refundOrder("4711", new BigDecimal("15.00"), "double charge"))
          .as("another amount, the same approval").contains("15.00");
      assertThat(catchDenial(() -> refunds.refundOrder("4711", new BigDecimal("10.00"), "double charge")).reason())
          .isEqualTo(ReasonCode.AMOUNT_EXCEEDED);
      assertThat(catchDenial(() -> refunds.refundOrder("4712", new BigDecimal("1.00"), "double charge")).reason())
          .isEqualTo(ReasonCode.ACTION_MISMATCH);
      assertThatThrownBy(() -> refunds.refundOrder("4711", new BigDecimal("-5"), "double charge"))
          .isInstanceOf(InvalidInputException.class);
      assertThat(refunds.runs()).isEqualTo(2);
      assertThat(refunds.refundOrder("4711", new BigDecimal("5.00"), "double charge")).contains("5.00");
      assertThat(catchDenial(() -> refunds.refundOrder("4711", BigDecimal.ZERO, "double charge")).reason())
          .as("the total is spent: consumed").isEqualTo(ReasonCode.GRANT_CONSUMED);
    });
  }

  /** The declaration, and the parameter names it refers to, on an interface. */
  public interface Payouts {
    @RequiresElevation(value = "test.payout", amount = "amount")
    String payout(String account, BigDecimal amount);
  }

  /** Implements it with other parameter names. */
  public static class PayoutBean implements Payouts {
    @Override
    public String payout(String to, BigDecimal sum) {
      return "paid " + sum + " to " + to;
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(AnnotationDiscoveryTest.ProxyMode.class)
  void meteredWhenDeclaredOnAnInterfaceThenItsParameterNamesApply(AnnotationDiscoveryTest.ProxyMode mode) {
    Fixtures.runner().withPropertyValues("spring.aop.proxy-target-class=" + mode.targetClass)
        .withBean("payouts", PayoutBean.class).run(context -> {
          assertThat(context).hasNotFailed();
          Payouts payouts = context.getBean(Payouts.class);
          Fixtures.signIn("alice", "users");
          meteredGrant(context.getBean(PrivilegeGuard.class), "test.payout", "10", null);
          assertThat(payouts.payout("DE02", new BigDecimal("7.50"))).isEqualTo("paid 7.50 to DE02");
          ElevationRequiredException e = catchDenial(() -> payouts.payout("DE02", new BigDecimal("2.51")));
          assertThat(e.reason()).isEqualTo(ReasonCode.AMOUNT_EXCEEDED);
          assertThat(ActionDenials.amountOf(e)).isEqualByComparingTo("2.51");
        });
  }

  // ------------------------------------------------------------------------------------------ start-up failures

  /** A binary floating-point amount. */
  public static class DoubleAmount {
    @RequiresElevation(value = "test.refund", amount = "amount")
    public String refund(String order, double amount) {
      return "refunded";
    }
  }

  /** A boxed binary floating-point amount. */
  public static class FloatAmount {
    @RequiresElevation(value = "test.refund", amount = "amount")
    public String refund(String order, Float amount) {
      return "refunded";
    }
  }

  /** An amount that is not a number at all. */
  public static class TextAmount {
    @RequiresElevation(value = "test.refund", amount = "amount")
    public String refund(String order, String amount) {
      return "refunded";
    }
  }

  /** A misspelt parameter name. */
  public static class UnknownAmount {
    @RequiresElevation(value = "test.refund", amount = "amout")
    public String refund(String order, BigDecimal amount) {
      return "refunded";
    }
  }

  /** A type-level declaration with an amount covers a method without that parameter. */
  @RequiresElevation(value = "test.refund", amount = "amount")
  public static class TypeLevelAmount {
    public String refund(String order, BigDecimal amount) {
      return "refunded";
    }

    public String status(String order) {
      return "open";
    }
  }

  record Failing(String name, Class<?> beanClass, List<String> fragments) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> failingUnderEachProxy() {
    String cls = MeteredElevationTest.class.getName() + "$";
    List<Failing> failing = List.of(
        new Failing("double amount", DoubleAmount.class, List.of(cls + "DoubleAmount.refund(String, double)",
            "parameter 'amount'", "binary floating-point", "use BigDecimal")),
        new Failing("Float amount", FloatAmount.class, List.of(cls + "FloatAmount.refund(String, Float)",
            "parameter 'amount'", "a Float", "use BigDecimal")),
        new Failing("String amount", TextAmount.class, List.of(cls + "TextAmount.refund(String, String)",
            "parameter 'amount'", "java.lang.String, which is not an amount", "use BigDecimal")),
        new Failing("unknown parameter name", UnknownAmount.class, List.of(cls + "UnknownAmount.refund(",
            "no parameter 'amout'", "[order, amount]", "amount = \"amout\"")),
        new Failing("type-level amount over a method without it", TypeLevelAmount.class,
            List.of(cls + "TypeLevelAmount.status(String)", "no parameter 'amount'", "[order]")));
    return Stream.of(AnnotationDiscoveryTest.ProxyMode.values())
        .flatMap(mode -> failing.stream().map(f -> Arguments.of(f, mode)));
  }

  @ParameterizedTest(name = "{0} under {1}")
  @MethodSource("failingUnderEachProxy")
  void amountThatCannotBeCountedExactlyThenStartupFailsNamingMethodParameterAndFix(Failing f,
      AnnotationDiscoveryTest.ProxyMode mode) {
    Fixtures.runner().withPropertyValues("spring.aop.proxy-target-class=" + mode.targetClass)
        .withBean("fixture", (Class<Object>) f.beanClass()).run(context -> {
          assertThat(context).hasFailed();
          Throwable root = context.getStartupFailure();
          while (root != null && !(root instanceof ElevationDeclarationException)) {
            root = root.getCause();
          }
          assertThat(root).as("an ElevationDeclarationException in %s", context.getStartupFailure()).isNotNull();
          assertThat(root.getMessage()).contains("fixture").contains(f.fragments());
        });
  }

  private static ElevationRequiredException catchDenial(Runnable call) {
    try {
      call.run();
    } catch (ElevationRequiredException e) {
      return e;
    }
    throw new AssertionError("expected a denial");
  }
}
