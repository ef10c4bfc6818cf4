package dev.jitguard.examples.backoffice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Outcome;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.examples.policyfile.PolicyFileExample;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.OnCallSource;
import dev.jitguard.spring.autoconfigure.JitGuardAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The back office keeps its policy in application.yaml (three users, simple groups), so that the walkthrough stays
 * short. The full policy document next to it, {@code jitguard-policy.yaml}, loads through
 * {@code jit.policy.location} the same way: this test proves it. The document auto-approves whoever is on call, so the
 * context needs an {@link OnCallSource} bean, which the auto-configuration passes to the loader and the guard; here the
 * example's fixed rota (paul on call for {@code payments-primary}).
 */
class PolicyDocumentLocationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(JitGuardAutoConfiguration.class))
      .withBean(OnCallSource.class, PolicyFileExample::onCallRota)
      .withPropertyValues("jit.maintenance.enabled=false", "jit.policy.location=classpath:jitguard-policy.yaml");

  @Test
  void policyDocumentWhenLoadedByLocationThenItsRulesDecide() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(ElevationPolicy.class).version()).startsWith("payments-2026-11");
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      Subject agent = Subject.builder("dave").groups("support").attribute("department", "payments").build();
      Decision pending = guard.request(ElevationRequest.builder(agent, "payments.refund")
          .justification("customer 4711 was charged twice for order 1001").ticket("PAY-1234").build());
      assertThat(pending.outcome()).isEqualTo(Outcome.PENDING);
      Subject contractor = Subject.builder("erin").groups("support").attribute("department", "payments")
          .attribute("employment", "contractor").build();
      Decision denied = guard.request(ElevationRequest.builder(contractor, "payments.refund")
          .justification("customer 4711 was charged twice for order 1001").ticket("PAY-1234").build());
      assertThat(denied.reason()).isEqualTo(ReasonCode.EXPLICITLY_DENIED);
    });
  }

  @Test
  void policyDocumentWhenLoadedByLocationThenOnCallBeanDecidesAutoApprovalAndSuggestions() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      Decision onCall = guard.request(ElevationRequest.builder(Subject.of("paul", "payments-engineers"),
          "payments.settlement-rerun").justification("settlement batch 2026-11-23 failed at the acquirer").build());
      assertThat(onCall.reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
      Decision notOnCall = guard.request(ElevationRequest.builder(Subject.of("quinn", "payments-engineers"),
          "payments.settlement-rerun").justification("settlement batch 2026-11-23 failed at the acquirer").build());
      assertThat(notOnCall).isInstanceOfSatisfying(Decision.Pending.class,
          p -> assertThat(p.suggestedApprovers()).containsExactly("henry", "bob"));
    });
  }

  @Test
  void policyDocumentWhenLoadedByLocationWithoutOnCallBeanThenStartupFailsNamingTheSchedule() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JitGuardAutoConfiguration.class))
        .withPropertyValues("jit.maintenance.enabled=false", "jit.policy.location=classpath:jitguard-policy.yaml")
        .run(context -> assertThat(context).getFailure()
            .rootCause().hasMessageContaining("onCall").hasMessageContaining("withOnCallSource"));
  }
}
