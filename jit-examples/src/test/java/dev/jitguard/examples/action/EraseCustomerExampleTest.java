package dev.jitguard.examples.action;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.Decision;
import dev.jitguard.Outcome;
import dev.jitguard.ReasonCode;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class EraseCustomerExampleTest {

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void exampleDeniesThenApprovesOneExactCallRunsItOnceAndResumesTheParkedJobOnce() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    EraseCustomerExample.Result r = EraseCustomerExample.run(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    String printed = buffer.toString(StandardCharsets.UTF_8);

    assertThat(r.deniedBefore()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(r.hintBefore()).contains("Request an elevation for 'customers.erase'")
        .contains("group [privacy]");
    assertThat(r.request().outcome()).isEqualTo(Outcome.PENDING);
    assertThat(r.previewSeen()).isEqualTo("Erase customer 42 (Jane Doe, 3 open orders)");
    assertThat(r.approval()).isInstanceOf(Decision.Granted.class);
    assertThat(((Decision.Granted) r.approval()).grant().approvers()).containsExactly("pat");
    assertThat(((Decision.Granted) r.approval()).grant().isActionBound()).isTrue();
    assertThat(r.otherCustomer()).isEqualTo(ReasonCode.ACTION_MISMATCH);
    assertThat(r.erasure()).isEqualTo("customer 42 (Jane Doe) erased by sam");
    assertThat(r.secondAttempt()).isEqualTo(ReasonCode.GRANT_CONSUMED);
    assertThat(r.jobDecision()).isInstanceOf(Decision.Granted.class);
    assertThat(r.jobErasure()).isEqualTo("customer 43 (John Roe) erased by erasure-job");
    assertThat(r.jobRetry()).isEqualTo(ReasonCode.GRANT_CONSUMED);
    assertThat(r.erased()).as("each approved call ran exactly once").containsExactly(42L, 43L);

    assertThat(r.auditTrail()).filteredOn(e -> e.type() == AuditEventType.REQUESTED)
        .extracting(e -> e.details().get("preview"))
        .containsExactly("Erase customer 42 (Jane Doe, 3 open orders)", "Erase customer 43 (John Roe, 0 open orders)");
    assertThat(r.auditTrail()).extracting(AuditEvent::type).containsSubsequence(
        AuditEventType.CHECK_DENIED, AuditEventType.REQUESTED, AuditEventType.APPROVED, AuditEventType.GRANTED,
        AuditEventType.USED, AuditEventType.CONSUMED, AuditEventType.REQUESTED, AuditEventType.APPROVED,
        AuditEventType.GRANTED, AuditEventType.USED, AuditEventType.CONSUMED);
    assertThat(r.auditTrail()).filteredOn(e -> e.type() == AuditEventType.USED).hasSize(2);
    assertThat(printed)
        .contains("denied NO_GRANT")
        .contains("sam asks: Erase customer 42 (Jane Doe, 3 open orders)")
        .contains("denied ACTION_MISMATCH")
        .contains("customer 42 (Jane Doe) erased by sam")
        .contains("denied GRANT_CONSUMED")
        .contains("Pat sees: Erase customer 43 (John Roe, 0 open orders)")
        .contains("the job resumed with GRANTED and ran: customer 43 (John Roe) erased by erasure-job");
  }
}
