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
}
