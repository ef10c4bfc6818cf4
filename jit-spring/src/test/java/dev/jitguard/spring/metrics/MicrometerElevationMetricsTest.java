package dev.jitguard.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.ElevationRequiredException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.annotation.RequiresElevation;
import dev.jitguard.spring.Fixtures;
import dev.jitguard.spring.autoconfigure.JitGuardMetricsAutoConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Counters, gauges and observations of check decisions and audit events. */
class MicrometerElevationMetricsTest {
  private final ApplicationContextRunner runner = Fixtures.runner()
      .withConfiguration(AutoConfigurations.of(JitGuardMetricsAutoConfiguration.class))
      .withBean(SimpleMeterRegistry.class)
      .withBean(TestObservationRegistry.class, TestObservationRegistry::create)
      .withBean("refunds", Refunds.class);

  @AfterEach
  void signOut() {
    Fixtures.signOut();
  }

  static class Refunds {
    @RequiresElevation("test.refund")
    public String refund() {
      return "refunded";
    }
  }

  @Test
  void checksThenCountedByOutcomeAndReasonAndDenialsObserved() {
    runner.run(context -> {
      SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);
      TestObservationRegistry observations = context.getBean(TestObservationRegistry.class);
      Refunds refunds = context.getBean(Refunds.class);
      Fixtures.signIn("alice", "users");

      assertThatThrownBy(refunds::refund).isInstanceOf(ElevationRequiredException.class);
      assertThat(meters.get("jit.checks").tag("outcome", "denied").tag("reason", "NO_GRANT").counter().count())
          .isEqualTo(1.0);
      TestObservationRegistryAssert.assertThat(observations)
          .hasObservationWithNameEqualTo(MicrometerElevationMetrics.CHECK_OBSERVATION).that()
          .hasLowCardinalityKeyValue("outcome", "denied").hasLowCardinalityKeyValue("reason", "NO_GRANT")
          .hasHighCardinalityKeyValue("privilege", "test.refund");

      Fixtures.grant(context.getBean(PrivilegeGuard.class), "alice", "test.refund");
      assertThat(refunds.refund()).isEqualTo("refunded");
      assertThat(refunds.refund()).isEqualTo("refunded");
      assertThat(meters.get("jit.checks").tag("outcome", "granted").tag("reason", "GRANTED").counter().count())
          .isEqualTo(2.0);
      TestObservationRegistryAssert.assertThat(observations)
          .hasNumberOfObservationsWithNameEqualTo(MicrometerElevationMetrics.CHECK_OBSERVATION, 1);

      assertThat(meters.get("jit.audit.events").tag("type", "REQUESTED").counter().count()).isEqualTo(1.0);
      assertThat(meters.get("jit.audit.events").tag("type", "GRANTED").counter().count()).isEqualTo(1.0);
      assertThat(meters.get("jit.grants.active").gauge().value()).isEqualTo(1.0);
      assertThat(meters.get("jit.requests.pending").gauge().value()).isEqualTo(0.0);
    });
  }

  @Test
  void allowedChecksWhenObservationEnabledThenObservedToo() {
    runner.withPropertyValues("jit.observations.allowed-checks=true").run(context -> {
      Fixtures.signIn("alice", "users");
      Fixtures.grant(context.getBean(PrivilegeGuard.class), "alice", "test.refund");
      context.getBean(Refunds.class).refund();
      TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
          .hasObservationWithNameEqualTo("jit.check").that().hasLowCardinalityKeyValue("outcome", "granted");
    });
  }

  @Test
  void lifecycleDecisionsThenEachObservedWithItsTypeAndReason() {
    runner.run(context -> {
      TestObservationRegistry observations = context.getBean(TestObservationRegistry.class);
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      dev.jitguard.Grant g = Fixtures.grant(guard, "alice", "test.refund");
      guard.revoke(g.id(), dev.jitguard.Subject.of("alice", "users"), "done");

      TestObservationRegistryAssert.assertThat(observations)
          .hasNumberOfObservationsWithNameEqualTo(MicrometerElevationMetrics.CHECK_OBSERVATION, 0)
          .hasAnObservation(o -> o.hasNameEqualTo(MicrometerElevationMetrics.DECISION_OBSERVATION)
              .hasLowCardinalityKeyValue("type", "REQUESTED")
              .hasHighCardinalityKeyValue("privilege", "test.refund"))
          .hasAnObservation(o -> o.hasNameEqualTo(MicrometerElevationMetrics.DECISION_OBSERVATION)
              .hasLowCardinalityKeyValue("type", "APPROVED").hasLowCardinalityKeyValue("reason", "APPROVED"))
          .hasAnObservation(o -> o.hasNameEqualTo(MicrometerElevationMetrics.DECISION_OBSERVATION)
              .hasLowCardinalityKeyValue("type", "REVOKED"));
    });
  }

  @Test
  void metersWhenStartedThenRegisteredWithZeros() {
    runner.run(context -> {
      SimpleMeterRegistry meters = context.getBean(SimpleMeterRegistry.class);
      assertThat(meters.get("jit.checks").counters()).hasSizeGreaterThanOrEqualTo(10);
      assertThat(meters.get("jit.audit.events").tag("type", "REVOKED").counter().count()).isZero();
      assertThat(meters.get("jit.requests.pending").gauge().value()).isZero();
    });
  }
}
