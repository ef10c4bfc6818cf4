package dev.jitguard.approval;

import dev.jitguard.audit.InMemoryAuditSink;
import static dev.jitguard.approval.Fixtures.ALICE;
import static dev.jitguard.approval.Fixtures.BOB;
import static dev.jitguard.approval.Fixtures.DB_WRITE;
import static dev.jitguard.approval.Fixtures.POLICY;
import static dev.jitguard.approval.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.ApprovalContext;
import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.RequestRecord;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.GrantStore;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SlackMessagesTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String HOSTILE = "<https://evil.example|click here> @channel *bold* _it_ ~s~ `tick` ```\n"
      + "*Approved by*: `ceo`\r\n<!here> & <@U123> \u202Egnp.exe";

  private final MutableClock clock = new MutableClock(T0);
  private final GrantStore store = GrantStore.inMemory();
  private final PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(POLICY).withGrantStore(store)
      .withAuditSink(new InMemoryAuditSink()).withClock(clock).withoutBackgroundMaintenance().build();
  private final PrivilegeRule rule = POLICY.ruleFor(DB_WRITE).orElseThrow();
  private final ActionLinks links = ActionLinks.builder().withBaseUri(URI.create("https://jit.example.com/decide"))
      .withSecrets(SigningSecrets.of("links-secret-0123456789-abcdefghijklmn")).withClock(clock).build();

  @AfterEach
  void close() {
    guard.close();
  }

  private RequestRecord pending(String justification, String ticket) {
    ElevationRequest.Builder b = ElevationRequest.builder(ALICE, DB_WRITE).justification(justification);
    if (ticket != null) {
      b.ticket(ticket);
    }
    return ((Decision.Pending) guard.request(b.build())).request();
  }

  private static List<String> texts(JsonNode message) {
    List<String> out = new ArrayList<>();
    for (JsonNode block : message.get("blocks")) {
      if (block.has("text")) {
        out.add(block.get("text").get("text").stringValue());
      }
      if (block.has("fields")) {
        block.get("fields").forEach(f -> out.add(f.get("text").stringValue()));
      }
      if (block.has("elements") && block.get("type").stringValue().equals("context")) {
        block.get("elements").forEach(f -> out.add(f.get("text").stringValue()));
      }
    }
    return out;
  }

  private static String section(JsonNode message, String title) {
    return texts(message).stream().filter(t -> t.startsWith(title)).findFirst().orElseThrow();
  }

  @Test
  void pendingWhenJustificationIsHostileThenNoLinkMentionFormattingOrForgedLineSurvives() {
    String json = SlackMessages.builder().withActionLinks(links).build()
        .pendingRequest(pending(HOSTILE, "<http://x|y>@here"), rule);
    JsonNode message = JSON.readTree(json);

    String why = section(message, "*Why*");
    assertThat(why).startsWith("*Why*\n```\n").endsWith("\n```");
    assertThat(why.split("```", -1)).as("only the block's own fences").hasSize(3);
    assertThat(why).contains("&lt;https://evil.example|click here&gt;")
        .contains("@\u200Bchannel")
        .contains("*bold* _it_ ~s~ \u02CBtick\u02CB \u02CB\u02CB\u02CB\n*Approved by*: \u02CBceo\u02CB\n")
        .contains("&lt;!here&gt; &amp; &lt;@\u200BU123&gt;")
        .contains("\\u202egnp.exe")
        .doesNotContain("\r").doesNotContain("\u202E");
    assertThat(section(message, "*Ticket*")).isEqualTo("*Ticket*\n`&lt;http://x|y&gt;@\u200Bhere`");
    for (String text : texts(message)) {
      assertThat(text).doesNotContain("<http").doesNotContain("<!here").doesNotContain("<@U")
          .doesNotContain("@channel").doesNotContain("@here");
    }
    assertThat(message.get("text").stringValue()).doesNotContain("<").doesNotContain("@here");
  }

  @Test
  void pendingThenPreviewWhoWhyDurationAndSignedButtons() {
    RequestRecord r = pending(Fixtures.JUSTIFICATION, "INC-42");
    JsonNode message = JSON.readTree(SlackMessages.builder().withActionLinks(links).build().pendingRequest(r, rule));

    JsonNode header = message.get("blocks").get(0);
    assertThat(header.get("type").stringValue()).isEqualTo("header");
    assertThat(header.get("text").get("text").stringValue()).isEqualTo("Access request: db.prod.write");
    assertThat(section(message, "*Requester*")).isEqualTo("*Requester*\n`alice`\ngroups: `developers`");
    assertThat(section(message, "*Duration*")).isEqualTo("*Duration*\n30 minutes (PT30M)");
    assertThat(section(message, "*Approvals*")).isEqualTo("*Approvals*\n0 of 1 from `dba`");
    assertThat(section(message, "*Decide before*")).contains("<!date^" + T0.plus(Duration.ofHours(1))
        .getEpochSecond() + "^");
    assertThat(section(message, "*What approving grants*"))
        .contains("alice may use db.prod.write for 30 minutes from the approval.");
    assertThat(section(message, "*Why*")).contains(Fixtures.JUSTIFICATION);

    JsonNode actions = null;
    for (JsonNode b : message.get("blocks")) {
      if (b.get("type").stringValue().equals("actions")) {
        actions = b;
      }
    }
    assertThat(actions).isNotNull();
    JsonNode approve = actions.get("elements").get(0);
    JsonNode deny = actions.get("elements").get(1);
    assertThat(approve.get("action_id").stringValue()).isEqualTo(SlackMessages.APPROVE_ACTION_ID);
    assertThat(approve.get("style").stringValue()).isEqualTo("primary");
    assertThat(deny.get("style").stringValue()).isEqualTo("danger");
    ActionLinks.Verification v = links.verify(ActionLinks.tokenOf(URI.create(approve.get("url").stringValue()))
        .orElseThrow());
    assertThat(v).isEqualTo(new ActionLinks.Valid(r.id(), Verdict.APPROVE, r.expiresAt()));
    assertThat(links.verify(deny.get("value").stringValue()))
        .isEqualTo(new ActionLinks.Valid(r.id(), Verdict.DENY, r.expiresAt()));
  }

  @Test
  void pendingWithoutLinksThenNoButtonsAndAPointerToJitGuard() {
    JsonNode message = JSON.readTree(SlackMessages.builder().build()
        .pendingRequest(pending(Fixtures.JUSTIFICATION, null), rule));

    for (JsonNode b : message.get("blocks")) {
      assertThat(b.get("type").stringValue()).isNotEqualTo("actions");
    }
    assertThat(texts(message)).anyMatch(t -> t.contains("approve or deny it in JIT Guard"));
  }

  @Test
  void pendingWhenJustificationIsLongThenCutToSlackLimitWithANote() {
    JsonNode message = JSON.readTree(SlackMessages.builder().build().pendingRequest(pending("&".repeat(2000), null),
        rule));

    String why = section(message, "*Why*");
    assertThat(why.length()).isLessThanOrEqualTo(3000);
    assertThat(why).endsWith("(truncated; the full text is in JIT Guard)\n```").doesNotContain("&amp\n");
  }

  @Test
  void pendingWithDomainPreviewThenPreviewShownAndEscaped() {
    SlackMessages messages = SlackMessages.builder()
        .withPreview(r -> "Refund 120.00 EUR on order <#C123|orders> for " + r.requesterId()).build();

    JsonNode message = JSON.readTree(messages.pendingRequest(pending(Fixtures.JUSTIFICATION, null), rule));

    assertThat(section(message, "*What approving grants*"))
        .contains("Refund 120.00 EUR on order &lt;#C123|orders&gt; for alice");
  }

  @Test
  void decidedWhenApprovedThroughAChannelThenDecidedByWithChannelAndNoButtons() {
    RequestRecord r = pending(Fixtures.JUSTIFICATION, null);
    guard.approve(r.id(), BOB, "ok <!channel>", null, ApprovalContext.of("slack", "sso-mfa"));
    RequestRecord approved = store.findRequest(r.id()).orElseThrow();

    JsonNode message = JSON.readTree(SlackMessages.builder().withActionLinks(links).build().decided(approved));

    String headline = texts(message).get(0);
    assertThat(headline).startsWith(":white_check_mark: *Approved*: `db.prod.write` for `alice`, decided by `bob`")
        .endsWith(" via `slack` (authentication: `sso-mfa`)");
    assertThat(section(message, "*Comment*")).contains("ok &lt;!channel&gt;").doesNotContain("<!channel>");
    assertThat(section(message, "*Approved by*")).isEqualTo("*Approved by*\n`bob`");
    for (JsonNode b : message.get("blocks")) {
      assertThat(b.get("type").stringValue()).isNotEqualTo("actions");
    }
    assertThat(message.get("text").stringValue()).isEqualTo("Approved: db.prod.write for alice by bob");
  }

  @Test
  void decidedWhenWithdrawnOrDeniedThenSaysSo() {
    RequestRecord r = pending(Fixtures.JUSTIFICATION, null);
    RequestRecord withdrawn = guard.withdraw(r.id(), ALICE);
    assertThat(texts(JSON.readTree(SlackMessages.builder().build().decided(withdrawn))).get(0))
        .startsWith(":leftwards_arrow_with_hook: *Withdrawn*");

    RequestRecord again = pending(Fixtures.JUSTIFICATION, null);
    RequestRecord denied = guard.deny(again.id(), BOB, "freeze", ApprovalContext.of("email", "password"));
    assertThat(texts(JSON.readTree(SlackMessages.builder().build().decided(denied))).get(0))
        .isEqualTo(":no_entry: *Denied*: `db.prod.write` for `alice`, by `bob` via `email` (authentication: "
            + "`password`)");
  }

  @Test
  void escapeThenSlackControlCharactersAndMentionsNeutralised() {
    assertThat(SlackMessages.escape("a & <b> @here\u0007")).isEqualTo("a &amp; &lt;b&gt; @\u200Bhere\\u0007");
  }
}
