package dev.jitguard.test;

import dev.jitguard.spi.ElevationPolicy;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Registers {@link JitGuardExtension} on a test class (or one test method) and names the policy of the guard it
 * injects as {@link TestGuards.Setup}. See {@link JitGuardExtension} for an example.
 *
 * <p>Found on the test method first, then on the test class, its superclasses and, for {@code @Nested} classes, the
 * enclosing classes: the nearest one wins.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(JitGuardExtension.class)
public @interface JitGuardTest {

  /**
   * The class that supplies the policy: implements {@code Supplier<ElevationPolicy>} and has a no-argument
   * constructor (it may be a private static nested class of the test). It is instantiated for each test that asks
   * for a {@link TestGuards.Setup}. Without it, a test can still ask for a {@link TestClock} or an
   * {@link dev.jitguard.audit.InMemoryAuditSink}, but not for a setup.
   *
   * @return the policy supplier class
   */
  Class<? extends Supplier<? extends ElevationPolicy>> policy() default NoPolicy.class;

  /** The default of {@link #policy()}: no policy named. */
  final class NoPolicy implements Supplier<ElevationPolicy> {
    private NoPolicy() {}

    @Override
    public ElevationPolicy get() {
      throw new IllegalStateException("no policy named; use @JitGuardTest(policy = MyPolicy.class)");
    }
  }
}
