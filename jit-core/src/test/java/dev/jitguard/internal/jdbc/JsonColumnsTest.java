package dev.jitguard.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.Approval;
import dev.jitguard.ApprovalContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JsonColumnsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00.123Z");

  @Test
  void approvalsWhenWrittenThenReadBackEqualWithAndWithoutLimit() {
    List<Approval> approvals = List.of(
        new Approval("bob", T0, "ok \"quoted\"\nline 2 \u202E \uD83D\uDE00", Set.of("dba", "sre"),
            Duration.ofMinutes(10).plusNanos(5)),
        new Approval("carol", T0.plusMillis(1), ""));

    String json = JsonColumns.approvals(approvals);

    assertThat(JsonColumns.readApprovals(json, "approvals")).isEqualTo(approvals);
    assertThat(json).doesNotContain("@class").doesNotContain("\n");
  }

  @Test
  void approvalsWhenChannelContextSetThenWrittenAsTwoKeysAndReadBackEqual() {
    List<Approval> approvals = List.of(
        new Approval("bob", T0, "via chat", Set.of("dba"), Duration.ofMinutes(5),
            ApprovalContext.of("slack", "sso-mfa")),
        new Approval("carol", T0.plusMillis(1), "", Set.of(), null, ApprovalContext.of("webhook")),
        new Approval("dave", T0.plusMillis(2), "in process"));

    String json = JsonColumns.approvals(approvals);

    assertThat(json).contains("\"channel\":\"slack\",\"authentication\":\"sso-mfa\"")
        .contains("\"authentication\":\"unspecified\"");
    assertThat(JsonColumns.readApprovals(json, "approvals")).isEqualTo(approvals)
        .extracting(Approval::channelContext)
        .containsExactly(ApprovalContext.of("slack", "sso-mfa"), ApprovalContext.of("webhook"), null);
  }

  @Test
  void readApprovalsWhenChannelContextMalformedThenRejected() {
    String base = "[{\"approver\":\"bob\",\"approvedAt\":1,\"comment\":\"\",\"groups\":[]";
    assertThatThrownBy(() -> JsonColumns.readApprovals(base + ",\"channel\":\"slack\"}]", "approvals"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("approvals[0]")
        .hasMessageContaining("channel without authentication");
    assertThatThrownBy(() -> JsonColumns.readApprovals(base + ",\"authentication\":\"sso\"}]", "denials"))
        .hasMessageContaining("denials[0]").hasMessageContaining("authentication without channel");
    assertThatThrownBy(() -> JsonColumns.readApprovals(base + ",\"channel\":7,\"authentication\":\"sso\"}]",
        "approvals")).hasMessageContaining("approvals[0].channel must be a string");
    assertThatThrownBy(() -> JsonColumns.readApprovals(base + ",\"channel\":\"slack\",\"authentication\":null}]",
        "approvals")).hasMessageContaining("approvals[0].authentication must be a string");
    assertThatThrownBy(() -> JsonColumns.readApprovals(base + ",\"channel\":\"Slack\\n<script>\","
        + "\"authentication\":\"sso\"}]", "approvals")).hasMessageContaining("channel context")
        .hasMessageNotContaining("script");
    assertThatThrownBy(() -> JsonColumns.readApprovals(base + ",\"channel\":\"slack\",\"authentication\":\"sso\","
        + "\"channelContext\":{}}]", "approvals")).hasMessageContaining("unknown key");
  }

  @Test
  void stringsAndMapsWhenWrittenThenReadBackEqual() {
    assertThat(JsonColumns.readStrings(JsonColumns.strings(List.of("b", "a", "\"x\"")), "c"))
        .containsExactly("b", "a", "\"x\"");
    assertThat(JsonColumns.readStrings(JsonColumns.strings(List.of()), "c")).isEmpty();
    Map<String, String> map = Map.of("department", "payments", "k", "v\u0001");
    assertThat(JsonColumns.readStringMap(JsonColumns.stringMap(map), "c")).isEqualTo(map);
  }

  @Test
  void readWhenNotJsonThenRejectedWithoutEchoingTheContent() {
    assertThatThrownBy(() -> JsonColumns.readStrings("[\"secret justification", "subject_groups"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subject_groups")
        .hasMessageContaining("not valid JSON").hasMessageNotContaining("secret");
    assertThatThrownBy(() -> JsonColumns.readStrings(null, "approvers")).hasMessageContaining("NULL");
    assertThatThrownBy(() -> JsonColumns.readStrings("[] []", "approvers")).hasMessageContaining("not valid JSON");
  }

  @Test
  void readWhenWrongShapeThenRejected() {
    assertThatThrownBy(() -> JsonColumns.readStrings("{\"a\":\"b\"}", "c")).hasMessageContaining("array");
    assertThatThrownBy(() -> JsonColumns.readStrings("[\"a\", null]", "c")).hasMessageContaining("strings");
    assertThatThrownBy(() -> JsonColumns.readStringMap("{\"a\": 1}", "c")).hasMessageContaining("strings");
    assertThatThrownBy(() -> JsonColumns.readStringMap("{\"a\":\"1\",\"a\":\"2\"}", "c"))
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> JsonColumns.readApprovals("[{\"approver\":\"bob\",\"approvedAt\":\"yesterday\","
        + "\"comment\":\"\",\"groups\":[]}]", "approvals")).hasMessageContaining("approvals[0].approvedAt");
    assertThatThrownBy(() -> JsonColumns.readApprovals("[{\"approver\":\"bob\",\"approvedAt\":1,"
        + "\"comment\":\"\"}]", "approvals")).hasMessageContaining("groups");
    assertThatThrownBy(() -> JsonColumns.readApprovals("[{\"approver\":\"bob\",\"approvedAt\":1,"
        + "\"comment\":\"\",\"groups\":[],\"durationLimit\":\"10 minutes\"}]", "denials"))
        .hasMessageContaining("denials[0].durationLimit");
  }

  @Test
  void readWhenPolymorphicTypeHintsThenRejectedAsUnknownKeys() {
    assertThatThrownBy(() -> JsonColumns.readApprovals("[{\"@class\":\"java.lang.ProcessBuilder\","
        + "\"approver\":\"bob\",\"approvedAt\":1,\"comment\":\"\",\"groups\":[]}]", "approvals"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown key");
    assertThatThrownBy(() -> JsonColumns.readApprovals("[[\"java.util.HashMap\", {}]]", "approvals"))
        .hasMessageContaining("JSON object");
  }
}
