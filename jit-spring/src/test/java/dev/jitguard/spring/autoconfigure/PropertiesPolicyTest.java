package dev.jitguard.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.Privilege;
import dev.jitguard.policy.InMemoryOnCallSource;
import dev.jitguard.policy.PolicyPropertiesException;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.rule.RuleField;
import dev.jitguard.rule.StageMode;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.OnCallSource;
import dev.jitguard.spring.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.ClassPathResource;

/**
 * {@code jit.policy.rules} read through the table of rule fields that policy documents use: every document field
 * works from properties, and an unknown, misspelt or renamed field fails the start-up naming the property, the field
 * to write instead and where it was set, instead of being ignored.
 */
class PropertiesPolicyTest {
  private static final String[] VALID_RULE = {
      "jit.policy.rules[0].privilege=payments.refund",
      "jit.policy.rules[0].eligible.groups=support",
      "jit.policy.rules[0].approval.groups=payments-leads"};

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(JitGuardAutoConfiguration.class))
      .withUserConfiguration(Fixtures.ClockConfig.class)
      .withPropertyValues("jit.maintenance.enabled=false");

  /** The runner with a YAML file as a property source of lower precedence than the runner's own properties. */
  private static ApplicationContextRunner withYaml(ApplicationContextRunner runner, String resource) {
    return runner.withInitializer(context -> {
      try {
        new YamlPropertySourceLoader().load(resource, new ClassPathResource(resource))
            .forEach(context.getEnvironment().getPropertySources()::addLast);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private static PolicyPropertiesException failure(ApplicationContextRunner runner) {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    runner.run(context -> {
      assertThat(context).hasFailed();
      failure.set(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()));
    });
    assertThat(failure.get()).isInstanceOf(PolicyPropertiesException.class);
    return (PolicyPropertiesException) failure.get();
  }

  private static PrivilegeRule rule(ApplicationContextRunner runner, String privilege) {
    AtomicReference<PrivilegeRule> rule = new AtomicReference<>();
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      rule.set(context.getBean(ElevationPolicy.class).ruleFor(Privilege.of(privilege)).orElseThrow());
    });
    return rule.get();
  }

  @Test
  void misspeltFieldWhenStartingThenFailsNamingThePropertyAndTheClosestField() {
    PolicyPropertiesException e = failure(runner.withPropertyValues(VALID_RULE)
        .withPropertyValues("jit.policy.rules[0].aproval.groups=payments-leads"));

    assertThat(e.getMessage()).contains("jit.policy.rules[0].aproval (rule payments.refund; ")
        .contains("unknown field \"aproval\"; did you mean \"approval\"?");
    assertThat(e.problems()).singleElement().satisfies(p -> {
      assertThat(p.property()).isEqualTo("jit.policy.rules[0].aproval");
      assertThat(p.origin()).contains("jit.policy.rules[0].aproval.groups");
    });
  }

  @Test
  void misspeltFieldWhenInAYamlFileThenTheMessageShowsTheFileAndLine() {
    PolicyPropertiesException e = failure(withYaml(runner, "rules/typo.yaml"));

    assertThat(e.problems()).singleElement().satisfies(p -> {
      assertThat(p.property()).isEqualTo("jit.policy.rules[0].aproval");
      assertThat(p.origin()).isEqualTo("class path resource [rules/typo.yaml] - 9:20");
      assertThat(p.message()).startsWith("unknown field \"aproval\"; did you mean \"approval\"?");
    });
    assertThat(e.getMessage()).contains("jit.policy.rules[0].aproval (rule payments.refund; class path resource "
        + "[rules/typo.yaml] - 9:20): unknown field \"aproval\"; did you mean \"approval\"?");
  }

  @Test
  void formerSpellingsWhenUsedThenStartupFailsNamingTheNewOnes() {
    PolicyPropertiesException e = failure(withYaml(runner, "rules/renamed.yaml"));

    assertThat(e.problems()).extracting(PolicyPropertiesException.Problem::property).containsExactly(
        "jit.policy.rules[0].approval.comment-required", "jit.policy.rules[0].extension");
    assertThat(e.problems().get(0).message()).startsWith("unknown field \"comment-required\"; did you mean "
        + "\"require-comment\"? (approval.comment-required was renamed to approval.require-comment)");
    assertThat(e.problems().get(1).message()).startsWith("unknown field \"extension\"; did you mean "
        + "\"extension-requires-approval\"? (extension.requires-approval was renamed to extension-requires-approval)");
    assertThat(e.problems().get(0).origin()).startsWith("class path resource [rules/renamed.yaml] - 10:29");
  }

  @Test
  void stagesEscalationAndAutoApprovalWindowsWhenInYamlThenBound() {
    InMemoryOnCallSource onCall = new InMemoryOnCallSource().set("privacy-primary", "olga");
    ApplicationContextRunner yaml = withYaml(runner.withBean(OnCallSource.class, () -> onCall), "rules/full.yaml");

    PrivilegeRule rule = rule(yaml, "customers.erase");

    assertThat(rule.approval().stages()).extracting(s -> s.name() + "/" + s.approvals() + s.groups() + s.subjects())
        .containsExactly("payments-lead/1[payments-leads][]", "privacy/2[privacy-officers][dpo]");
    assertThat(rule.approval().stageMode()).isEqualTo(StageMode.ANY);
    assertThat(rule.approval().commentRequired()).isTrue();
    assertThat(rule.approval().pendingTtl()).isEqualTo(Duration.ofHours(8));
    assertThat(rule.approval().suggestOnCall()).contains("privacy-oncall");
    assertThat(rule.approval().extensionRequiresApproval()).isFalse();
    assertThat(rule.escalation().remindAfter()).contains(Duration.ofMinutes(30));
    assertThat(rule.escalation().escalateAfter()).contains(Duration.ofHours(2));
    assertThat(rule.escalation().groups()).containsExactly("finance-managers");
    assertThat(rule.approval().autoApprove()).extracting(AutoApproveCondition::description).hasSize(2)
        .allSatisfy(d -> assertThat(d).isNotBlank());
    assertThat(rule.approval().autoApprove().get(0).description()).contains("payments-oncall").contains("MONDAY")
        .contains("Europe/Berlin");
    assertThat(rule.approval().autoApprove().get(1).description()).contains("privacy-primary");
    assertThat(rule.limits().maxAmount()).contains(new BigDecimal("500.00"));
    assertThat(rule.limits().maxUses()).isEqualTo(3);
    assertThat(rule(yaml, "reports.monthly").approval().autoApprove()).extracting(AutoApproveCondition::description)
        .containsExactly(AutoApproveCondition.always().description());
  }

  @Test
  void unquotedYamlAmountAndTimeWhenReadThenStartupFailsAskingForQuotes() {
    PolicyPropertiesException e = failure(withYaml(runner, "rules/unquoted.yaml"));

    assertThat(e.problems()).extracting(PolicyPropertiesException.Problem::property).containsExactly(
        "jit.policy.rules[0].max-amount", "jit.policy.rules[0].auto-approve[0].window.to");
    assertThat(e.problems().get(0).message()).contains("but was the number 500.0")
        .endsWith("quote it, for example \"500.00\"");
    assertThat(e.problems().get(1).message()).endsWith("quote it: \"17:00\"");
  }

  @Test
  void camelCaseNamesWhenUsedThenAcceptedLikeKebabCase() {
    PrivilegeRule rule = rule(runner.withPropertyValues(VALID_RULE).withPropertyValues(
        "jit.policy.rules[0].maxDuration=PT2H", "jit.policy.rules[0].approval.requireComment=true"), "payments.refund");

    assertThat(rule.limits().maxDuration()).isEqualTo(Duration.ofHours(2));
    assertThat(rule.approval().commentRequired()).isTrue();
  }

  @Test
  void environmentVariablesWhenTheyAloneSetTheRulesThenBound() {
    Map<String, Object> env = Map.of("JIT_POLICY_RULES_0_PRIVILEGE", "payments.refund",
        "JIT_POLICY_RULES_0_ELIGIBLE_GROUPS", "support", "JIT_POLICY_RULES_0_APPROVAL_GROUPS_0", "payments-leads",
        "JIT_POLICY_RULES_0_MAXUSES", "7");

    PrivilegeRule rule = rule(runner.withInitializer(context -> context.getEnvironment().getPropertySources()
        .addLast(new SystemEnvironmentPropertySource("systemEnvironment", env))), "payments.refund");

    assertThat(rule.eligibility().groups()).containsExactly("support");
    assertThat(rule.approval().approverGroups()).containsExactly("payments-leads");
    assertThat(rule.limits().maxUses()).isEqualTo(7);
  }

  @Test
  void rulesWhenSetInTwoSourcesThenTheHigherSourceReplacesTheWholeList() {
    ApplicationContextRunner both = withYaml(runner, "rules/full.yaml").withPropertyValues(VALID_RULE);

    both.run(context -> {
      assertThat(context).hasNotFailed();
      ElevationPolicy policy = context.getBean(ElevationPolicy.class);
      assertThat(policy.ruleFor(Privilege.of("payments.refund"))).isPresent();
      assertThat(policy.ruleFor(Privilege.of("customers.erase"))).as("the YAML list is replaced, not merged")
          .isEmpty();
    });
  }

  @Test
  void badValueWhenStartingThenFailsNamingThePropertyAndTheRule() {
    PolicyPropertiesException e = failure(runner.withPropertyValues(VALID_RULE)
        .withPropertyValues("jit.policy.rules[0].max-duration=1h",
            "jit.policy.rules[1].privilege=payments.*.refund", "jit.policy.rules[1].eligible.groups=support",
            "jit.policy.rules[1].approval.groups=leads"));

    assertThat(e.problems()).extracting(PolicyPropertiesException.Problem::toString).satisfiesExactly(
        p -> assertThat(p).startsWith("jit.policy.rules[0].max-duration (rule payments.refund; ")
            .endsWith("must be an ISO-8601 duration such as PT30M, PT8H or P1D, but was \"1h\"; write PT1H"),
        p -> assertThat(p).startsWith("jit.policy.rules[1].privilege (rule payments.*.refund; ")
            .contains("privilege pattern \"payments.*.refund\" has a '*' that is not a final '.*' segment"));
  }

  @Test
  void autoApproveWhenWrittenAsBeforeThenStartupFailsShowingTheListForm() {
    PolicyPropertiesException e = failure(runner.withPropertyValues(VALID_RULE)
        .withPropertyValues("jit.policy.rules[0].auto-approve.always=true"));

    assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p.message()).endsWith("but was a mapping; "
        + "number its entries, for example jit.policy.rules[0].auto-approve[0].always"));
  }

  @Test
  void emptyRulesListWhenALocationIsSetThenTheDocumentIsThePolicy() {
    runner.withPropertyValues("jit.policy.rules=", "jit.policy.location=classpath:policies/doc-policy.yaml")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(ElevationPolicy.class).version()).startsWith("doc-1#");
        });
  }

  private static String docsSection() throws IOException {
    String docs = Files.readString(Path.of("..", "docs", "spring.md"), StandardCharsets.UTF_8);
    return docs.substring(docs.indexOf("## Policy rules (`jit.policy.rules`)"),
        docs.indexOf("## Configuration reference"));
  }

  @Test
  void docsWhenDescribingTheRulesThenEveryFieldOfTheTableIsNamedInKebabCase() throws IOException {
    String section = docsSection();

    for (RuleField f : RuleField.values()) {
      assertThat(section).as("docs/spring.md names %s", f.propertyPath())
          .containsPattern("[`.\\s]" + Pattern.quote(RuleField.kebab(f.key())) + "[`.\\s/\\[]");
    }
    for (RuleField f : RuleField.values()) {
      for (String former : f.formerPaths()) {
        assertThat(section).as("the migration table names %s", former).contains("`" + RuleField.kebab(former) + "`");
      }
    }
  }

  @Test
  void docsWhenShowingARuleInYamlThenTheExampleStarts() throws IOException {
    String section = docsSection();
    String yaml = section.substring(section.indexOf("```yaml") + "```yaml".length(), section.indexOf("```\n\n|"));
    ApplicationContextRunner docs = runner.withInitializer(context -> {
      try {
        new YamlPropertySourceLoader().load("docs", new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)))
            .forEach(context.getEnvironment().getPropertySources()::addLast);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });

    PrivilegeRule rule = rule(docs, "customers.erase");

    assertThat(rule.approval().stages()).hasSize(2);
    assertThat(rule.escalation().groups()).containsExactly("finance-managers");
    assertThat(rule.approval().autoApprove()).hasSize(1);
  }
}
