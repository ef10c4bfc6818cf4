package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.assertj.core.api.SoftAssertions;

/** Field-by-field comparison of events (they have no equals). */
final class Events {
  private Events() {}

  static void assertSame(AuditEvent actual, AuditEvent expected) {
    SoftAssertions s = new SoftAssertions();
    s.assertThat(actual.type()).as("type").isEqualTo(expected.type());
    s.assertThat(actual.time()).as("time").isEqualTo(expected.time());
    s.assertThat(actual.subject()).as("subject").isEqualTo(expected.subject());
    s.assertThat(actual.privilege()).as("privilege").isEqualTo(expected.privilege());
    s.assertThat(actual.requestId()).as("requestId").isEqualTo(expected.requestId());
    s.assertThat(actual.grantId()).as("grantId").isEqualTo(expected.grantId());
    s.assertThat(actual.actor()).as("actor").isEqualTo(expected.actor());
    s.assertThat(actual.reason()).as("reason").isEqualTo(expected.reason());
    s.assertThat(actual.text()).as("text").isEqualTo(expected.text());
    s.assertThat(actual.policyVersion()).as("policyVersion").isEqualTo(expected.policyVersion());
    s.assertThat(actual.count()).as("count").isEqualTo(expected.count());
    s.assertThat(actual.details()).as("details").isEqualTo(expected.details());
    s.assertAll();
  }

  static void assertSame(List<AuditEvent> actual, List<AuditEvent> expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertSame(actual.get(i), expected.get(i));
    }
  }
}
