package dev.jitguard.test;

import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.ElevationPolicy;
import java.lang.reflect.AnnotatedElement;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ExtensionContext.Store;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * A JUnit Jupiter extension that hands each test a {@link TestClock}, an {@link InMemoryAuditSink} and, given a
 * policy, a ready {@link TestGuards.Setup}, as parameters of the test method, of {@code @BeforeEach} and
 * {@code @AfterEach} methods, or of the test class constructor (default per-method lifecycle). Register it with
 * {@link JitGuardTest @JitGuardTest}, which also names the policy (this example is {@code ExpiryExampleTest} in this
 * module's tests, where it runs):
 *
 * <pre>{@code
 * @JitGuardTest(policy = ExpiryExampleTest.DbPolicy.class)
 * class ExpiryExampleTest {
 *   static final class DbPolicy implements Supplier<ElevationPolicy> {
 *     @Override
 *     public ElevationPolicy get() {
 *       return Policy.builder()
 *           .privilege("db.prod.write", rule -> rule.eligibleGroups("dev").approverGroups("dba"))
 *           .build();
 *     }
 *   }
 *
 *   @Test
 *   void checkWhenClockPassesExpiryThenGrantExpired(TestGuards.Setup jit) {
 *     Subject alice = Subject.of("alice", "dev");
 *     Decision pending = jit.guard().request(ElevationRequest.builder(alice, "db.prod.write")
 *         .justification("INC-42: repair the orders table").duration(Duration.ofMinutes(30)).build());
 *     jit.guard().approve(((Decision.Pending) pending).request().id(), Subject.of("bob", "dba"), "ok");
 *
 *     jit.clock().advance(Duration.ofMinutes(31));
 *
 *     assertThat(jit.guard().check(alice, Privilege.of("db.prod.write")).reason())
 *         .isEqualTo(ReasonCode.GRANT_EXPIRED);
 *     assertThat(jit.audit().types()).contains(AuditEventType.GRANTED);
 *   }
 * }
 * }</pre>
 *
 * <p><b>What a test gets.</b> Within one test every parameter of a type resolves to the same instance, new for each
 * test: the clock starts at {@link TestClock#DEFAULT_START}; the setup's guard uses that clock and records into that
 * sink; the setup is built only if some parameter asks for it, and has no background thread (call
 * {@link dev.jitguard.PrivilegeGuard#runMaintenance()} after moving the clock).
 *
 * <p><b>Lifecycle.</b> After each test, once its {@code @AfterEach} methods have run, the extension closes the setup
 * it created, which flushes the guard's counters to the sink; a failure to close fails the test.
 *
 * <p><b>Limits.</b> Parameters are resolved per test, so a {@code @BeforeAll} method or the constructor of a
 * {@code PER_CLASS} test instance cannot receive them (resolution fails with a message that says so). A
 * {@link TestGuards.Setup} needs a policy: without {@code @JitGuardTest(policy = ...)} resolution fails and says how
 * to add one.
 */
public final class JitGuardExtension implements ParameterResolver, AfterEachCallback {
  private static final Namespace NAMESPACE = Namespace.create(JitGuardExtension.class);

  /** Created by JUnit; register with {@link JitGuardTest @JitGuardTest} or {@code @ExtendWith}. */
  public JitGuardExtension() {}

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == TestClock.class || type == InMemoryAuditSink.class || type == TestGuards.Setup.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    if (context.getTestMethod().isEmpty()) {
      throw new ParameterResolutionException(String.format(Locale.ROOT,
          "JitGuardExtension gives a %s to each test, so it cannot resolve parameter %d of %s, which runs outside "
              + "a test (a @BeforeAll method, or a constructor with @TestInstance(PER_CLASS)); take it as a "
              + "parameter of the test or of a @BeforeEach method instead",
          type.getSimpleName(), parameter.getIndex(), parameter.getDeclaringExecutable()));
    }
    Store store = context.getStore(NAMESPACE);
    if (type == TestClock.class) {
      return clock(store);
    }
    if (type == InMemoryAuditSink.class) {
      return audit(store);
    }
    return setup(store, context);
  }

  /**
   * Declares that a test class constructor gets the context of the test it is created for (default per-method
   * lifecycle), so the instances it receives are those of that test.
   */
  @Override
  public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
    return ExtensionContextScope.TEST_METHOD;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    TestGuards.Setup setup = context.getStore(NAMESPACE).remove(TestGuards.Setup.class, TestGuards.Setup.class);
    if (setup != null) {
      setup.close();
    }
  }

  private static TestClock clock(Store store) {
    TestClock clock = store.get(TestClock.class, TestClock.class);
    if (clock == null) {
      clock = TestClock.create();
      store.put(TestClock.class, clock);
    }
    return clock;
  }

  private static InMemoryAuditSink audit(Store store) {
    InMemoryAuditSink audit = store.get(InMemoryAuditSink.class, InMemoryAuditSink.class);
    if (audit == null) {
      audit = new InMemoryAuditSink();
      store.put(InMemoryAuditSink.class, audit);
    }
    return audit;
  }

  private static TestGuards.Setup setup(Store store, ExtensionContext context) {
    TestGuards.Setup setup = store.get(TestGuards.Setup.class, TestGuards.Setup.class);
    if (setup == null) {
      setup = TestGuards.inMemory(policy(context), clock(store), audit(store));
      store.put(TestGuards.Setup.class, setup);
    }
    return setup;
  }

  private static ElevationPolicy policy(ExtensionContext context) {
    Class<? extends Supplier<? extends ElevationPolicy>> supplierClass = findAnnotation(context)
        .map(JitGuardTest::policy)
        .filter(c -> c != JitGuardTest.NoPolicy.class)
        .orElseThrow(() -> new ParameterResolutionException(String.format(Locale.ROOT,
            "%s needs a TestGuards.Setup, but no policy is named; annotate the test class with "
                + "@JitGuardTest(policy = MyPolicy.class), where MyPolicy implements Supplier<ElevationPolicy> "
                + "and has a no-argument constructor", context.getDisplayName())));
    ElevationPolicy policy;
    try {
      policy = ReflectionSupport.newInstance(supplierClass).get();
    } catch (RuntimeException e) {
      throw new ParameterResolutionException(String.format(Locale.ROOT,
          "the policy supplier %s failed (it needs a no-argument constructor and get() must return a policy): %s",
          supplierClass.getName(), e), e);
    }
    if (policy == null) {
      throw new ParameterResolutionException(String.format(Locale.ROOT,
          "the policy supplier %s returned null; return the policy the guard should use", supplierClass.getName()));
    }
    return policy;
  }

  /** The nearest {@link JitGuardTest}: on the test method, then the class and its enclosing classes. */
  private static Optional<JitGuardTest> findAnnotation(ExtensionContext context) {
    for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
      Optional<AnnotatedElement> element = c.get().getElement();
      Optional<JitGuardTest> found = AnnotationSupport.findAnnotation(element, JitGuardTest.class);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }
}
