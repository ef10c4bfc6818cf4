package dev.jitguard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.ElevationRequiredException;
import dev.jitguard.InvalidInputException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.annotation.RequiresElevation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The programmatic guard, for self-invocation: the documented way to guard what no proxy intercepts. */
class ElevationChecksTest {

  @AfterEach
  void signOut() {
    Fixtures.signOut();
  }

  /** refundAll() calls this.refund(): the proxy is bypassed, so refundAll checks programmatically. */
  static class Refunds {
    private final ElevationChecks checks;

    Refunds(ElevationChecks checks) {
      this.checks = checks;
    }

    @RequiresElevation("test.refund")
    public String refund(String order) {
      return "refunded " + order;
    }

    public String refundAllUnguarded() {
      return refund("a") + ", " + refund("b");   // self-invocation: not intercepted
    }

    public String refundAll() {
      checks.require("test.refund");
      return refund("a") + ", " + refund("b");
    }
  }

  @Test
  void selfInvocationWhenGuardedProgrammaticallyThenDeniedWithoutElevation() {
    Fixtures.runner().withBean(Refunds.class).run(context -> {
      Refunds refunds = context.getBean(Refunds.class);
      Fixtures.signIn("alice", "users");
      assertThat(refunds.refundAllUnguarded()).as("the documented limit: self-invocation bypasses the proxy")
          .isEqualTo("refunded a, refunded b");
      assertThatThrownBy(refunds::refundAll).isInstanceOf(ElevationRequiredException.class);
      Fixtures.grant(context.getBean(PrivilegeGuard.class), "alice", "test.refund");
      assertThat(refunds.refundAll()).isEqualTo("refunded a, refunded b");
    });
  }

  @Test
  void checkWhenNobodySignedInThenNoSubject() {
    Fixtures.runner().run(context -> {
      ElevationChecks checks = context.getBean(ElevationChecks.class);
      assertThat(checks.check("test.refund").reason()).isEqualTo(ReasonCode.NO_SUBJECT);
      assertThat(checks.currentSubject()).isEmpty();
      assertThatThrownBy(() -> checks.check("Not A Privilege")).isInstanceOf(InvalidInputException.class);
    });
  }
}
