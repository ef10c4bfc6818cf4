package dev.jitguard.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.rule.StageMode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rules written as flat properties (Spring's {@code jit.policy.rules}) read through the same table as documents:
 * the same fields in kebab-case or camelCase, the same validation, every problem named by its property and origin.
 */
class RulePropertiesTest {
  private RuleProperties.Reader reader = RuleProperties.reader("jit.policy.rules");

  /** Adds {@code jit.policy.rules<name>=value}, name written as Spring prints it ({@code [0].approval.groups}). */
  private RulePropertiesTest set(String name, Object value) {
    reader.property(elements(name), value, "\"jit.policy.rules" + name + "\" from test");
    return this;
  }

  private static List<String> elements(String name) {
    return Arrays.stream(name.replace("[", ".[").split("\\.")).filter(e -> !e.isEmpty()).toList();
  }

  private RulePropertiesTest validRule() {
    return set("[0].privilege", "payments.refund").set("[0].eligible.groups", "support")
        .set("[0].approval.groups", "leads");
  }

  private PolicyPropertiesException rejected() {
    return catchThrowableOfType(PolicyPropertiesException.class, reader::read);
  }

  @Test
  void kebabAndCamelCaseWhenBothUsedThenTheSameFieldsAsDocuments() {
    validRule().set("[0].max-duration", "PT2H").set("[0].approval.requireComment", "true")
        .set("[0].extension-requires-approval", false).set("[0].maxuses", 10);

    PrivilegeRule rule = reader.read().get(0);

    assertThat(rule.limits().maxDuration()).isEqualTo(Duration.ofHours(2));
    assertThat(rule.approval().commentRequired()).isTrue();
    assertThat(rule.approval().extensionRequiresApproval()).isFalse();
    assertThat(rule.limits().maxUses()).isEqualTo(10);
  }

  @Test
  void unknownFieldWhenReadThenRejectedNamingThePropertyOriginAndClosestField() {
    validRule().set("[0].aproval.groups[0]", "leads");

    PolicyPropertiesException e = rejected();

    assertThat(e.problems()).singleElement().satisfies(p -> {
      assertThat(p.property()).isEqualTo("jit.policy.rules[0].aproval");
      assertThat(p.privilege()).isEqualTo("payments.refund");
      assertThat(p.origin()).isEqualTo("\"jit.policy.rules[0].aproval.groups[0]\" from test");
      assertThat(p.message()).startsWith("unknown field \"aproval\"; did you mean \"approval\"? Accepted fields: "
          + "privilege, eligible, deny, default-duration, max-duration, justification, ticket, auto-approve, "
          + "approval, extension-requires-approval, expiry-warning, max-uses, max-amount, max-start-delay, "
          + "break-glass, deny-message (an unknown field is an error");
    });
    assertThat(e).hasMessageStartingWith("Policy rules under jit.policy.rules have 1 problem; nothing was loaded:\n"
        + "  jit.policy.rules[0].aproval (rule payments.refund; \"jit.policy.rules[0].aproval.groups[0]\" from test): "
        + "unknown field \"aproval\"");
  }

  @Test
  void renamedSpellingWhenUsedThenRejectedNamingTheNewOne() {
    validRule().set("[0].approval.comment-required", true).set("[0].extension.requires-approval", false);

    PolicyPropertiesException e = rejected();

    assertThat(e.problems()).hasSize(2);
    assertThat(e.problems().get(0).property()).isEqualTo("jit.policy.rules[0].approval.comment-required");
    assertThat(e.problems().get(0).message()).startsWith("unknown field \"comment-required\"; did you mean "
        + "\"require-comment\"? (approval.comment-required was renamed to approval.require-comment)");
    assertThat(e.problems().get(1).property()).isEqualTo("jit.policy.rules[0].extension");
    assertThat(e.problems().get(1).message()).startsWith("unknown field \"extension\"; did you mean "
        + "\"extension-requires-approval\"? (extension.requires-approval was renamed to extension-requires-approval)");
  }

  @Test
  void textValuesWhenPropertiesFileThenReadAsNumbersBooleansAndCommaSeparatedLists() {
    validRule().set("[0].approval.approvals", "2").set("[0].ticket.required", "TRUE")
        .set("[0].deny.subjects", "mallory, eve").set("[0].max-amount", "500.00");

    PrivilegeRule rule = reader.read().get(0);

    assertThat(rule.approval().approvalsRequired()).isEqualTo(2);
    assertThat(rule.limits().ticketRequired()).isTrue();
    assertThat(rule.eligibility().deniedSubjects()).containsExactlyInAnyOrder("mallory", "eve");
    assertThat(rule.limits().maxAmount()).contains(new BigDecimal("500.00"));
  }

  @Test
  void amountWhenYamlFloatingPointNumberThenRejectedAskingForQuotes() {
    validRule().set("[0].max-amount", 500.0);

    assertThat(rejected().problems()).singleElement().satisfies(p -> {
      assertThat(p.property()).isEqualTo("jit.policy.rules[0].max-amount");
      assertThat(p.message()).startsWith("must be written as text so that every digit is kept, but was the number "
          + "500.0").endsWith("quote it, for example \"500.00\"");
    });
  }

  @Test
  void durationWhenSpringSimpleFormatThenRejectedNamingTheIsoForm() {
    validRule().set("[0].max-duration", "90m").set("[0].default-duration", "1h");

    assertThat(rejected().problems()).extracting(PolicyPropertiesException.Problem::message).containsExactly(
        "must be an ISO-8601 duration such as PT30M, PT8H or P1D, but was \"90m\"; write PT1H30M",
        "must be an ISO-8601 duration such as PT30M, PT8H or P1D, but was \"1h\"; write PT1H");
  }

  @Test
  void timeWhenYamlReadItAsBaseSixtyNumberThenRejectedNamingTheQuotedTime() {
    validRule().set("[0].auto-approve[0].window.days", "MONDAY").set("[0].auto-approve[0].window.from", "09:00")
        .set("[0].auto-approve[0].window.to", 1020).set("[0].auto-approve[0].window.zone", "UTC");

    assertThat(rejected().problems()).singleElement().satisfies(p -> {
      assertThat(p.property()).isEqualTo("jit.policy.rules[0].auto-approve[0].window.to");
      assertThat(p.message()).endsWith("YAML reads an unquoted 17:00 as a number (base 60); quote it: \"17:00\"");
    });
  }

  @Test
  void stagesEscalationAndWindowsWhenSetThenBoundLikeDocuments() {
    set("[0].privilege", "customers.erase").set("[0].eligible.groups[0]", "support")
        .set("[0].approval.stages[0].name", "lead").set("[0].approval.stages[0].groups[0]", "leads")
        .set("[0].approval.stages[1].name", "privacy").set("[0].approval.stages[1].approvals", 2)
        .set("[0].approval.stages[1].subjects", "dpo, erin").set("[0].approval.mode", "ANY")
        .set("[0].approval.escalate-after", "PT2H").set("[0].approval.escalate-to[0]", "managers")
        .set("[0].auto-approve[0].groups", "oncall").set("[0].auto-approve[0].window.days", "SATURDAY")
        .set("[0].auto-approve[0].window.from", "22:00").set("[0].auto-approve[0].window.to", "06:00")
        .set("[0].auto-approve[0].window.zone", "UTC");

    PrivilegeRule rule = reader.read().get(0);

    assertThat(rule.approval().stages()).extracting(s -> s.name() + "/" + s.approvals())
        .containsExactly("lead/1", "privacy/2");
    assertThat(rule.approval().stageMode()).isEqualTo(StageMode.ANY);
    assertThat(rule.escalation().escalateAfter()).contains(Duration.ofHours(2));
    assertThat(rule.escalation().groups()).containsExactly("managers");
    assertThat(rule.approval().autoApprove()).singleElement()
        .satisfies(c -> assertThat(c.description()).contains("oncall").contains("SATURDAY"));
  }

  @Test
  void problemsWhenSeveralThenEachNamesItsPropertyAndRule() {
    validRule().set("[0].max-duration", "PT-5S")
        .set("[1].privilege", "payments.*.refund").set("[1].eligible.groups", "support")
        .set("[2].eligible.groups", "support")
        .set("[3].privilege", "payments.refund").set("[3].eligible.groups", "support");

    PolicyPropertiesException e = rejected();

    assertThat(e.problems()).extracting(PolicyPropertiesException.Problem::property).containsExactly(
        "jit.policy.rules[0].max-duration", "jit.policy.rules[1].privilege", "jit.policy.rules[2].privilege",
        "jit.policy.rules[3].privilege");
    assertThat(e.problems().get(0).message()).isEqualTo("must be positive and at most PT8784H, but was PT-5S");
    assertThat(e.problems().get(1).message()).startsWith("privilege pattern \"payments.*.refund\" has a '*'");
    assertThat(e.problems().get(2).message()).startsWith("is missing; name the privilege");
    assertThat(e.problems().get(3).message()).isEqualTo("names \"payments.refund\", which jit.policy.rules[0] names "
        + "too; merge the two rules");
  }

  @Test
  void crossFieldProblemWhenBuildingThenPlacedAtThePropertyItNames() {
    validRule().set("[0].approval.pending-ttl", "PT1H").set("[0].approval.remind-after", "PT2H");

    assertThat(rejected().problems()).singleElement().satisfies(p -> {
      assertThat(p.property()).isEqualTo("jit.policy.rules[0].approval.remind-after");
      assertThat(p.origin()).isEqualTo("\"jit.policy.rules[0].approval.remind-after\" from test");
    });
  }

  @Test
  void ruleNobodyMayRequestWhenBuildingThenPlacedAtTheMissingFieldInKebabCase() {
    set("[0].privilege", "payments.refund").set("[0].approval.groups", "leads");

    assertThat(rejected().problems()).singleElement().satisfies(p -> {
      assertThat(p.property()).isEqualTo("jit.policy.rules[0].eligible");
      assertThat(p.message()).startsWith("is empty: nobody could ever request 'payments.refund'");
      assertThat(p.origin()).as("the rule's privilege property").isEqualTo("\"jit.policy.rules[0].privilege\" from "
          + "test");
    });
  }

  @Test
  void requiredFieldWhenMissingThenNamedInKebabCase() {
    validRule().set("[0].break-glass.max-duration", "PT15M");

    assertThat(rejected().problems()).singleElement().satisfies(p -> {
      assertThat(p.property()).isEqualTo("jit.policy.rules[0].break-glass.min-reason-length");
      assertThat(p.message()).isEqualTo("is missing; give the minimum length of the emergency reason, for example 40");
    });
  }

  @Test
  void sameFieldWhenSpeltTwoWaysThenRejected() {
    validRule().set("[0].max-duration", "PT1H").set("[0].maxDuration", "PT8H");

    assertThat(rejected().problems()).singleElement().satisfies(p -> {
      assertThat(p.property()).isEqualTo("jit.policy.rules[0].maxDuration");
      assertThat(p.message()).isEqualTo("sets max-duration a second time (also as \"max-duration\"); keep one");
    });
  }

  @Test
  void listWhenIndicesHaveAGapOrConflictThenRejected() {
    validRule().set("[0].deny.groups[0]", "interns").set("[0].deny.groups[2]", "guests")
        .set("[0].deny.subjects", "eve").set("[0].deny.subjects[0]", "mallory");

    assertThat(rejected().problems()).extracting(PolicyPropertiesException.Problem::message).containsExactly(
        "conflicts with jit.policy.rules[0].deny.subjects, which is set as a value at \"jit.policy.rules[0].deny"
            + ".subjects\" from test; write each field in one form only",
        "is set, but jit.policy.rules[0].deny.groups[1] is not; number list entries from [0] without gaps");
  }

  @Test
  void autoApproveWhenWrittenAsAMappingThenRejectedShowingTheIndexedForm() {
    validRule().set("[0].auto-approve.always", true);

    assertThat(rejected().problems()).singleElement().satisfies(p -> assertThat(p.message())
        .endsWith("but was a mapping; number its entries, for example jit.policy.rules[0].auto-approve[0].always"));
  }

  @Test
  void emptyListWhenSetThenNoRules() {
    reader.property(List.of(), "", "application.yml");

    assertThat(reader.read()).isEmpty();
  }

  @Test
  void readerWhenReadTwiceThenRefused() {
    validRule();
    reader.read();

    assertThatThrownBy(reader::read).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already read");
  }
}
