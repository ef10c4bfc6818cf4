package dev.jitguard.examples.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.Decision;
import dev.jitguard.Outcome;
import dev.jitguard.ReasonCode;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DbWriteWalkthroughTest {

  @Test
  void walkthroughDeniesRequestsRefusesSelfApprovalGrantsThenExpires() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    DbWriteWalkthrough.Result r = DbWriteWalkthrough.run(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    String printed = buffer.toString(StandardCharsets.UTF_8);

    assertThat(r.deniedBefore()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(r.requestOutcome().outcome()).isEqualTo(Outcome.PENDING);
    assertThat(r.selfApproval()).isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(r.approval()).isInstanceOf(Decision.Granted.class);
    assertThat(((Decision.Granted) r.approval()).grant().approvers()).containsExactly("bob");
    assertThat(r.repairsDone()).isEqualTo(2);
    assertThat(r.deniedAfterExpiry()).isEqualTo(ReasonCode.GRANT_EXPIRED);

    assertThat(r.auditTrail()).extracting(AuditEvent::type).containsSubsequence(
        AuditEventType.CHECK_DENIED, AuditEventType.REQUESTED, AuditEventType.OPERATION_REFUSED,
        AuditEventType.APPROVED, AuditEventType.GRANTED, AuditEventType.USED, AuditEventType.GRANT_EXPIRED,
        AuditEventType.USES);
    assertThat(printed)
        .contains("hint: Request an elevation for 'db.prod.write' with a justification of at least 20 characters")
        .contains("refused SELF_APPROVAL")
        .contains("order 4711 repaired by alice")
        .contains("denied GRANT_EXPIRED")
        .contains("type=GRANTED");
  }
}
