package dev.jitguard.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.THROWABLE;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.ElevationPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

@JitGuardTest(policy = JitGuardExtensionTest.DbPolicy.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JitGuardExtensionTest {
  private static final Subject ALICE = Subject.of("alice", "dev");
  private static final Subject BOB = Subject.of("bob", "dba");
  private static final Privilege DB_PROD_WRITE = Privilege.of("db.prod.write");

  private static TestClock firstTestClock;
  private static TestGuards.Setup firstTestSetup;

  private final TestClock constructorClock;
  private TestClock beforeEachClock;
  private InMemoryAuditSink beforeEachAudit;

  static final class DbPolicy implements Supplier<ElevationPolicy> {
    @Override
    public ElevationPolicy get() {
      return Policy.builder()
          .version("extension-test")
          .privilege("db.prod.write", rule -> rule.eligibleGroups("dev").approverGroups("dba"))
          .build();
    }
  }

  JitGuardExtensionTest(TestClock clock) {
    this.constructorClock = clock;
  }

  @BeforeEach
  void rememberWhatBeforeEachGets(TestClock clock, InMemoryAuditSink audit) {
    beforeEachClock = clock;
    beforeEachAudit = audit;
  }

  @Test
  @Order(1)
  void parametersWithinOneTestThenSameInstancesWiredIntoTheSetup(TestClock clock, InMemoryAuditSink audit,
      TestGuards.Setup setup) {
    assertThat(clock).isSameAs(constructorClock).isSameAs(beforeEachClock).isSameAs(setup.clock());
    assertThat(audit).isSameAs(beforeEachAudit).isSameAs(setup.audit());
    assertThat(clock.instant()).isEqualTo(TestClock.DEFAULT_START);

    Decision d = setup.guard().request(ElevationRequest.builder(ALICE, DB_PROD_WRITE)
        .justification("INC-42: repair the orders table").build());

    assertThat(d).isInstanceOf(Decision.Pending.class);
    assertThat(audit.types()).containsExactly(AuditEventType.REQUESTED);
    assertThat(audit.events().get(0).policyVersion()).contains("extension-test");
    clock.advance(Duration.ofHours(3));
    firstTestClock = clock;
    firstTestSetup = setup;
  }

  @Test
  @Order(2)
  void nextTestThenFreshInstancesAndPreviousSetupClosed(TestClock clock, InMemoryAuditSink audit,
      TestGuards.Setup setup) {
    assertThat(firstTestSetup).as("runs after the first test").isNotNull();
    assertThat(clock).isNotSameAs(firstTestClock);
    assertThat(clock.instant()).isEqualTo(TestClock.DEFAULT_START);
    assertThat(audit.events()).isEmpty();
    assertThat(setup).isNotSameAs(firstTestSetup);
    assertThat(setup.store().pendingRequests()).isEmpty();

    assertThat(firstTestSetup.guard().check(ALICE, DB_PROD_WRITE).reason()).isEqualTo(ReasonCode.GUARD_CLOSED);
  }

  @Test
  void setupThenGuardWorksOnTheInjectedClock(TestGuards.Setup setup) {
    Decision pending = setup.guard().request(ElevationRequest.builder(ALICE, DB_PROD_WRITE)
        .justification("INC-42: repair the orders table").duration(Duration.ofMinutes(30)).build());
    Decision granted = setup.guard().approve(((Decision.Pending) pending).request().id(), BOB, "ok");
    assertThat(granted.isGranted()).isTrue();

    setup.clock().advance(Duration.ofMinutes(30));

    assertThat(setup.guard().check(ALICE, DB_PROD_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
  }

  @Test
  void clockAndSinkWithoutSetupThenNoGuardNeeded(TestClock clock, InMemoryAuditSink audit) {
    assertThat(clock.instant()).isEqualTo(TestClock.DEFAULT_START);
    assertThat(audit.events()).isEmpty();
  }

  @Nested
  class InNestedClass {
    @Test
    void setupThenPolicyFromEnclosingClassAndSameClockAsOuterParameters(TestGuards.Setup setup, TestClock clock) {
      assertThat(setup.clock()).isSameAs(clock);
      assertThat(setup.guard().request(ElevationRequest.builder(ALICE, DB_PROD_WRITE).build()))
          .isInstanceOf(Decision.Pending.class);
    }
  }

  // ---------------------------------------------------- failure messages, checked by running fixture classes

  @Test
  void setupWhenNoPolicyNamedThenFailsSayingHowToNameOne() {
    Map<String, TestExecutionResult> results = run(NoPolicyFixture.class);

    assertThat(results.get("clockAndSink").getStatus())
        .isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
    TestExecutionResult setup = results.get("setup");
    assertThat(setup.getStatus()).isEqualTo(TestExecutionResult.Status.FAILED);
    assertThat(setup.getThrowable()).get(THROWABLE)
        .isInstanceOf(ParameterResolutionException.class)
        .hasMessageContaining("no policy is named")
        .hasMessageContaining("@JitGuardTest(policy = MyPolicy.class)");
  }

  @Test
  void parameterOfBeforeAllThenFailsSayingWhereToTakeIt() {
    Map<String, TestExecutionResult> results = run(BeforeAllFixture.class);

    TestExecutionResult container = results.get(BeforeAllFixture.class.getName());
    assertThat(container.getStatus()).isEqualTo(TestExecutionResult.Status.FAILED);
    assertThat(container.getThrowable()).get(THROWABLE)
        .isInstanceOf(ParameterResolutionException.class)
        .hasMessageContaining("@BeforeAll")
        .hasMessageContaining("@BeforeEach");
  }

  @Test
  void setupWhenPolicySupplierReturnsNullThenFailsNamingTheSupplier() {
    Map<String, TestExecutionResult> results = run(NullPolicyFixture.class);

    assertThat(results.get("setup").getThrowable()).get(THROWABLE)
        .isInstanceOf(ParameterResolutionException.class)
        .hasMessageContaining(NullPolicyFixture.NullPolicy.class.getName())
        .hasMessageContaining("returned null");
  }

  @Test
  void afterEachOfTheTestThenSetupStillOpenAndClosedOnlyAfterwards() {
    Map<String, TestExecutionResult> results = run(AfterEachFixture.class);

    assertThat(results.get("useTheGuard").getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
    assertThat(AfterEachFixture.checkInAfterEach).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(AfterEachFixture.setup.guard().check(ALICE, DB_PROD_WRITE).reason())
        .isEqualTo(ReasonCode.GUARD_CLOSED);
  }

  /**
   * Runs a fixture class on a separate launcher; returns the result of each test by method name and of each class by
   * class name.
   */
  private static Map<String, TestExecutionResult> run(Class<?> fixture) {
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(fixture))
        .build();
    Map<String, TestExecutionResult> results = new LinkedHashMap<>();
    LauncherFactory.create().execute(request, new TestExecutionListener() {
      @Override
      public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        id.getSource().ifPresent(source -> {
          if (source instanceof MethodSource m) {
            results.put(m.getMethodName(), result);
          } else if (source instanceof ClassSource c) {
            results.put(c.getClassName(), result);
          }
        });
      }
    });
    return results;
  }

  // The fixtures are static nested classes: Surefire does not run them on its own (it skips nested classes) and
  // JUnit does not discover them from this class (they are not @Nested). Only the tests above run them.

  @ExtendWith(JitGuardExtension.class)
  static class NoPolicyFixture {
    @Test
    void clockAndSink(TestClock clock, InMemoryAuditSink audit) {
      assertThat(clock).isNotNull();
      assertThat(audit).isNotNull();
    }

    @Test
    void setup(TestGuards.Setup setup) {
      assertThat(setup).isNotNull();
    }
  }

  @JitGuardTest(policy = DbPolicy.class)
  static class BeforeAllFixture {
    @BeforeAll
    static void tooEarly(TestClock clock) {
      assertThat(clock).isNotNull();
    }

    @Test
    void test() {
      assertThat(true).isTrue();
    }
  }

  @JitGuardTest(policy = NullPolicyFixture.NullPolicy.class)
  static class NullPolicyFixture {
    static final class NullPolicy implements Supplier<ElevationPolicy> {
      @Override
      public ElevationPolicy get() {
        return null;
      }
    }

    @Test
    void setup(TestGuards.Setup setup) {
      assertThat(setup).isNotNull();
    }
  }

  @JitGuardTest(policy = DbPolicy.class)
  static class AfterEachFixture {
    static TestGuards.Setup setup;
    static ReasonCode checkInAfterEach;

    @Test
    void useTheGuard(TestGuards.Setup setup) {
      AfterEachFixture.setup = setup;
    }

    @AfterEach
    void checkStillOpen(TestGuards.Setup sameSetup) {
      assertThat(sameSetup).isSameAs(setup);
      checkInAfterEach = sameSetup.guard().check(ALICE, DB_PROD_WRITE).reason();
    }
  }
}
