package dev.jitguard.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.ElevationPolicy;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The usage example in the Javadoc of {@link JitGuardExtension}, compiled and run. Keep the two identical. */
@JitGuardTest(policy = ExpiryExampleTest.DbPolicy.class)
class ExpiryExampleTest {
  static final class DbPolicy implements Supplier<ElevationPolicy> {
    @Override
    public ElevationPolicy get() {
      return Policy.builder()
          .privilege("db.prod.write", rule -> rule.eligibleGroups("dev").approverGroups("dba"))
          .build();
    }
  }

  @Test
  void checkWhenClockPassesExpiryThenGrantExpired(TestGuards.Setup jit) {
    Subject alice = Subject.of("alice", "dev");
    Decision pending = jit.guard().request(ElevationRequest.builder(alice, "db.prod.write")
        .justification("INC-42: repair the orders table").duration(Duration.ofMinutes(30)).build());
    jit.guard().approve(((Decision.Pending) pending).request().id(), Subject.of("bob", "dba"), "ok");

    jit.clock().advance(Duration.ofMinutes(31));

    assertThat(jit.guard().check(alice, Privilege.of("db.prod.write")).reason())
        .isEqualTo(ReasonCode.GRANT_EXPIRED);
    assertThat(jit.audit().types()).contains(AuditEventType.GRANTED);
  }
}
