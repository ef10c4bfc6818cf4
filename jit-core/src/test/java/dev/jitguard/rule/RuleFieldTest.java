package dev.jitguard.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.jitguard.InvalidInputException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** The table of rule fields, and the builder naming every field the way documents and properties spell it. */
class RuleFieldTest {

  private static PrivilegeRuleBuilder rule() {
    return PrivilegeRule.builder("x");
  }

  private static PrivilegeRuleBuilder valid() {
    return rule().eligibleGroups("dev").approverGroups("dba");
  }

  private static RuntimeException thrown(ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    assertThat(t).isInstanceOfAny(InvalidInputException.class, IllegalStateException.class);
    return (RuntimeException) t;
  }

  @Test
  void builderWhenAFieldIsRejectedThenTheMessageNamesItAsDocumentsSpellIt() {
    Map<RuleField, ThrowingCallable> rejected = new LinkedHashMap<>();
    rejected.put(RuleField.ELIGIBLE_GROUPS, () -> rule().eligibleGroups("dev ops"));
    rejected.put(RuleField.ELIGIBLE_SUBJECTS, () -> rule().eligibleSubjects("a b"));
    rejected.put(RuleField.ELIGIBLE_ATTRIBUTES, () -> rule().eligibleWhen("Department", "payments"));
    rejected.put(RuleField.DENY_GROUPS, () -> rule().denyGroups("x y"));
    rejected.put(RuleField.DENY_SUBJECTS, () -> rule().denySubjects("x y"));
    rejected.put(RuleField.DENY_ATTRIBUTES, () -> rule().denyWhen("Employment", "contractor"));
    rejected.put(RuleField.DEFAULT_DURATION, () -> rule().defaultDuration(Duration.ZERO));
    rejected.put(RuleField.MAX_DURATION, () -> rule().maxDuration(Duration.ofSeconds(-5)));
    rejected.put(RuleField.JUSTIFICATION_MIN_LENGTH, () -> rule().requireJustification(0));
    rejected.put(RuleField.TICKET_PATTERN, () -> rule().ticketPattern("[A-Z"));
    rejected.put(RuleField.APPROVALS, () -> rule().approvals(11));
    rejected.put(RuleField.APPROVER_GROUPS, () -> rule().approverGroups("a b"));
    rejected.put(RuleField.APPROVER_SUBJECTS, () -> rule().approverSubjects("a b"));
    rejected.put(RuleField.STAGES, () -> rule().stage(ApprovalStage.of("lead", 1, "leads"))
        .stage(ApprovalStage.of("lead", 1, "others")));
    rejected.put(RuleField.STAGE_MODE, () -> rule().stageMode(StageMode.ANY).stageMode(StageMode.ALL));
    rejected.put(RuleField.DENY_THRESHOLD, () -> rule().denyThreshold(0));
    rejected.put(RuleField.REMIND_AFTER, () -> valid().pendingTtl(Duration.ofHours(1))
        .remindAfter(Duration.ofHours(2)).build());
    rejected.put(RuleField.PENDING_TTL, () -> rule().pendingTtl(Duration.ZERO));
    rejected.put(RuleField.ESCALATE_AFTER, () -> rule().escalateAfter(Duration.ZERO, "managers"));
    rejected.put(RuleField.ESCALATE_TO, () -> rule().escalateAfter(Duration.ofHours(1)));
    rejected.put(RuleField.SUGGEST_ON_CALL, () -> rule().suggestOnCall(""));
    rejected.put(RuleField.EXTENSION_REQUIRES_APPROVAL, () -> rule().extensionRequiresApproval(false)
        .extensionRequiresApproval(true));
    rejected.put(RuleField.EXPIRY_WARNING, () -> valid().expiryWarning(Duration.ofHours(2)).build());
    rejected.put(RuleField.MAX_USES, () -> rule().maxUses(0));
    rejected.put(RuleField.MAX_AMOUNT, () -> rule().maxAmount(new BigDecimal("-1")));
    rejected.put(RuleField.MAX_START_DELAY, () -> rule().maxStartDelay(Duration.ZERO));
    rejected.put(RuleField.BREAK_GLASS, () -> rule().breakGlass(40, Duration.ofMinutes(15))
        .breakGlass(40, Duration.ofMinutes(10)));
    rejected.put(RuleField.BREAK_GLASS_MAX_DURATION, () -> valid().maxDuration(Duration.ofMinutes(10))
        .breakGlass(40, Duration.ofMinutes(15)).build());
    rejected.put(RuleField.DENY_MESSAGE, () -> rule().denyMessage("a\u0000b"));
    rejected.put(RuleField.ELIGIBLE, () -> rule().approverGroups("dba").build());
    rejected.put(RuleField.APPROVAL, () -> rule().eligibleGroups("dev").build());

    rejected.forEach((field, call) -> {
      RuntimeException e = thrown(call);
      String name = "policies.x." + field.path();
      if (e instanceof InvalidInputException invalid) {
        assertThat(invalid.field()).as("field named by %s", field).isEqualTo(name);
      }
      assertThat(e.getMessage()).as("message for %s", field).startsWith(name + " ");
    });
  }

  /** Regression: the builder called it extension.requiresApproval, documents extensionRequiresApproval. */
  @Test
  void extensionRequiresApprovalWhenSetTwiceThenNamedAsDocumentsSpellIt() {
    RuntimeException e = thrown(() -> rule().extensionRequiresApproval(false).extensionRequiresApproval(true));

    assertThat(e).isInstanceOf(IllegalStateException.class)
        .hasMessage("policies.x.extensionRequiresApproval was already set to false");
  }

  @Test
  void breakGlassWhenOutOfRangeThenNamedAsDocumentsSpellIt() {
    InvalidInputException reason = (InvalidInputException) thrown(() -> new BreakGlass(5, Duration.ofMinutes(5)));
    InvalidInputException max = (InvalidInputException) thrown(() -> new BreakGlass(40, Duration.ofHours(5)));

    assertThat(reason.field()).isEqualTo(RuleField.BREAK_GLASS_MIN_REASON_LENGTH.path());
    assertThat(max.field()).isEqualTo(RuleField.BREAK_GLASS_MAX_DURATION.path());
  }

  @Test
  void tableWhenWalkedThenEveryPathIsUniqueAndFoundByItsPath() {
    Set<String> paths = new HashSet<>();
    for (RuleField f : RuleField.values()) {
      assertThat(paths.add(f.path())).as("path %s is unique", f.path()).isTrue();
      assertThat(RuleField.byPath(f.path())).contains(f);
      String expected = f.parent().map(p -> p.path() + (p.kind() == RuleField.Kind.MAPPING_LIST ? "[]." : "."))
          .orElse("") + f.key();
      assertThat(f.path()).isEqualTo(expected);
      assertThat(f.description()).as("description of %s", f).isNotBlank();
    }
    assertThat(RuleField.byPath("extension.requiresApproval")).isEmpty();
  }

  @Test
  void mappingsWhenWalkedThenTheirFieldsDifferInEverySpellingSpringAccepts() {
    List<List<RuleField>> mappings = new java.util.ArrayList<>();
    mappings.add(RuleField.topLevel());
    for (RuleField f : RuleField.values()) {
      boolean container = f.kind() == RuleField.Kind.MAPPING || f.kind() == RuleField.Kind.MAPPING_LIST;
      assertThat(f.children().isEmpty()).as("%s has fields exactly when it is a mapping", f).isEqualTo(!container);
      assertThat(f.choices().isEmpty()).as("%s lists choices exactly when it is a choice", f)
          .isEqualTo(f.kind() != RuleField.Kind.CHOICE && f.kind() != RuleField.Kind.CHOICE_LIST);
      if (container) {
        mappings.add(f.children());
      }
    }
    for (List<RuleField> fields : mappings) {
      Set<String> uniform = new HashSet<>();
      for (RuleField f : fields) {
        assertThat(uniform.add(f.key().toLowerCase(Locale.ROOT))).as("%s is distinct ignoring case and dashes", f)
            .isTrue();
        assertThat(f.key()).matches("[a-z][A-Za-z]*");
      }
    }
  }

  @Test
  void formerPathsWhenWalkedThenNoneIsACurrentFieldAndEachNamesItsField() {
    assertThat(RuleField.REQUIRE_COMMENT.formerPaths()).containsExactly("approval.commentRequired");
    assertThat(RuleField.EXTENSION_REQUIRES_APPROVAL.formerPaths()).containsExactly("extension.requiresApproval");
    for (RuleField f : RuleField.values()) {
      for (String former : f.formerPaths()) {
        assertThat(RuleField.byPath(former)).as("former path %s", former).isEmpty();
      }
    }
  }

  @Test
  void propertyPathWhenDocumentSpellsCamelCaseThenKebabCase() {
    assertThat(RuleField.EXTENSION_REQUIRES_APPROVAL.propertyPath()).isEqualTo("extension-requires-approval");
    assertThat(RuleField.REQUIRE_COMMENT.propertyPath()).isEqualTo("approval.require-comment");
    assertThat(RuleField.STAGE_APPROVALS.propertyPath()).isEqualTo("approval.stages[].approvals");
    assertThat(RuleField.WINDOW_ZONE.propertyPath()).isEqualTo("auto-approve[].window.zone");
    assertThat(RuleField.BREAK_GLASS_MIN_REASON_LENGTH.propertyPath()).isEqualTo("break-glass.min-reason-length");
  }
}
