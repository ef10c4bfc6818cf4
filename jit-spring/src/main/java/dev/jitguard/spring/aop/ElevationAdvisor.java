package dev.jitguard.spring.aop;

import java.lang.reflect.Method;
import java.util.Objects;
import org.aopalliance.aop.Advice;
import org.springframework.aop.ClassFilter;
import org.springframework.aop.MethodMatcher;
import org.springframework.aop.Pointcut;
import org.springframework.aop.PointcutAdvisor;
import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.support.StaticMethodMatcher;
import org.springframework.core.Ordered;

/**
 * The advisor that applies {@link ElevationMethodInterceptor} to every method for which
 * {@link ElevationAttributeResolver} finds a {@code @RequiresElevation} declaration (on the method, its type, the
 * methods it overrides or implements, or as a meta-annotation). Works with interface-based (JDK) and class-based
 * (CGLIB) proxies alike; no AspectJ weaver is needed.
 *
 * <p>Ordering: {@link #DEFAULT_ORDER} runs after Spring Security's method authorization interceptors
 * ({@code @PreAuthorize} 200, {@code @Secured} 300, JSR-250 400) and before {@code @Transactional} (whose interceptor
 * has the lowest precedence by default), so a caller who is not authorised at all gets Spring Security's answer, and a
 * denied call never opens a transaction. Change it with {@code jit.advisor.order}.
 */
public final class ElevationAdvisor implements PointcutAdvisor, Ordered, AopInfrastructureBean {

  /** After Spring Security's before-invocation checks (up to JSR-250 at 400), before {@code @Transactional}. */
  public static final int DEFAULT_ORDER = 410;

  private final ElevationMethodInterceptor interceptor;
  private final Pointcut pointcut;
  private final int order;

  /**
   * Creates the advisor.
   *
   * @param interceptor the interceptor; its resolver also drives the pointcut
   * @param order the advisor order
   */
  public ElevationAdvisor(ElevationMethodInterceptor interceptor, int order) {
    this.interceptor = Objects.requireNonNull(interceptor, "interceptor cannot be null");
    this.order = order;
    ElevationAttributeResolver resolver = interceptor.resolver();
    MethodMatcher matcher = new StaticMethodMatcher() {
      @Override
      public boolean matches(Method method, Class<?> targetClass) {
        return resolver.resolve(method, targetClass).isGuarded();
      }
    };
    this.pointcut = new Pointcut() {
      @Override
      public ClassFilter getClassFilter() {
        return ClassFilter.TRUE;
      }

      @Override
      public MethodMatcher getMethodMatcher() {
        return matcher;
      }
    };
  }

  @Override
  public Pointcut getPointcut() {
    return pointcut;
  }

  @Override
  public Advice getAdvice() {
    return interceptor;
  }

  @Override
  public int getOrder() {
    return order;
  }

  /** @return the resolver behind the pointcut and the interceptor */
  public ElevationAttributeResolver resolver() {
    return interceptor.resolver();
  }

  @Override
  public String toString() {
    return "ElevationAdvisor[order=" + order + "]";
  }
}
