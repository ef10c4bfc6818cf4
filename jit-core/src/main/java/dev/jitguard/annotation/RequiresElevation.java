package dev.jitguard.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The annotated method (or every public method of the annotated type) runs only while the calling subject holds an
 * active elevation of the privilege; otherwise the call fails with {@link dev.jitguard.ElevationRequiredException}
 * before the method body runs.
 *
 * <pre>{@code
 * @RequiresElevation("payments.refund")
 * public Refund refund(OrderId order, Money amount) { ... }
 * }</pre>
 *
 * <p>For a metered privilege, {@link #amount()} names the parameter the call spends.
 *
 * <p>This annotation is framework-neutral: {@code jit-spring} enforces it with a method interceptor, found on the
 * method, its type, the interfaces and superclasses it overrides, and as a meta-annotation. A method that cannot be
 * intercepted (private, final, static) fails the application at start-up rather than running unguarded. Calls from
 * inside the same object (self-invocation) bypass proxies: guard those with
 * {@link dev.jitguard.PrivilegeGuard#require} directly.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
public @interface RequiresElevation {

  /**
   * The privilege, in the {@link dev.jitguard.Privilege} grammar (for example {@code payments.refund}).
   *
   * @return the privilege name
   */
  String value();

  /**
   * When true, each call needs its own approval, bound to this exact method and its arguments (JIT action
   * approval), rather than a time-bound elevation.
   *
   * @return true for action approval
   */
  boolean action() default false;

  /**
   * The name of the parameter that holds what the call spends, for a privilege whose grants are metered (a total
   * amount the grant's calls may spend together, see {@link dev.jitguard.rule.RequestLimits#maxAmount()}). Each
   * call is checked with that argument ({@link dev.jitguard.PrivilegeGuard#check(dev.jitguard.Subject,
   * dev.jitguard.Privilege, java.math.BigDecimal)}), and the grant is consumed when nothing is left:
   *
   * <pre>{@code
   * @RequiresElevation(value = "payments.refund", amount = "amount")
   * public Refund refund(OrderId order, BigDecimal amount) { ... }
   * }</pre>
   *
   * <p>The parameter must be a {@code BigDecimal}, {@code BigInteger}, {@code long}, {@code int} or {@code short}
   * (or their wrappers, counting whole units such as cents): amounts are counted exactly, so {@code double} and
   * {@code float} are refused. A name that matches no parameter, or a parameter of another type, fails the application
   * at start-up. A null or negative argument is refused before the method runs
   * ({@link dev.jitguard.InvalidInputException} naming the parameter). With {@code action = true}, the approval is
   * bound to every other argument, and the amount is counted against the approved total.
   *
   * @return the parameter name, or empty when calls do not spend an amount
   */
  String amount() default "";
}
