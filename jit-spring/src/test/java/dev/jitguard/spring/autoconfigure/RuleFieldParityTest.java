package dev.jitguard.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.Privilege;
import dev.jitguard.policy.InMemoryOnCallSource;
import dev.jitguard.policy.Policy;
import dev.jitguard.policy.PolicyDocumentException;
import dev.jitguard.policy.PolicyDocuments;
import dev.jitguard.policy.PolicyPropertiesException;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.rule.RuleField;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.OnCallSource;
import dev.jitguard.spring.Fixtures;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parity of the two ways a rule is written as text, field by field of the shared table ({@link RuleField}): for every
 * field, a policy document and Spring properties (a real application context) that set it produce equal rules, and
 * an unknown sibling of it is rejected by both with the same "did you mean" suggestion and the same accepted fields,
 * each in its own spelling (documents camelCase, properties kebab-case).
 */
class RuleFieldParityTest {
  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  private static final String PRIVILEGE = "payments.refund";
  private static final String BASE = "{'eligible': {'groups': ['support']}, 'approval': {'groups': ['leads']}}";
  private static final String STAGES = "{'approval': {'groups': null, 'stages': [{'name': 'lead', 'approvals': 1, "
      + "'groups': ['leads']}, {'name': 'security', 'approvals': 2, 'groups': ['secops'], 'subjects': ['erin']}]}}";
  private static final String WINDOW = "{'autoApprove': [{'window': {'days': ['MONDAY', 'TUESDAY'], 'from': '09:00', "
      + "'to': '17:00', 'zone': 'Europe/Berlin'}}]}";
  private static final String ESCALATION = "{'approval': {'escalateAfter': 'PT2H', 'escalateTo': ['managers']}}";
  private static final String BREAK_GLASS = "{'breakGlass': {'minReasonLength': 40, 'maxDuration': 'PT15M'}}";

  /** What each field of the table is set to, merged into {@link #BASE} (a null value removes a base field). */
  private static final Map<RuleField, String> CASES = new EnumMap<>(RuleField.class);

  static {
    CASES.put(RuleField.ELIGIBLE_GROUPS, "{'eligible': {'groups': ['support', 'ops']}}");
    CASES.put(RuleField.ELIGIBLE_SUBJECTS, "{'eligible': {'subjects': ['carol']}}");
    CASES.put(RuleField.ELIGIBLE_ATTRIBUTES, "{'eligible': {'attributes': {'department': ['payments', 'risk']}}}");
    CASES.put(RuleField.DENY_GROUPS, "{'deny': {'groups': ['interns']}}");
    CASES.put(RuleField.DENY_SUBJECTS, "{'deny': {'subjects': ['mallory']}}");
    CASES.put(RuleField.DENY_ATTRIBUTES, "{'deny': {'attributes': {'employment': ['contractor']}}}");
    CASES.put(RuleField.DEFAULT_DURATION, "{'defaultDuration': 'PT30M'}");
    CASES.put(RuleField.MAX_DURATION, "{'maxDuration': 'PT2H'}");
    CASES.put(RuleField.JUSTIFICATION_MIN_LENGTH, "{'justification': {'minLength': 20}}");
    CASES.put(RuleField.TICKET_REQUIRED, "{'ticket': {'required': true}}");
    CASES.put(RuleField.TICKET_PATTERN, "{'ticket': {'pattern': 'INC-[0-9]+'}}");
    CASES.put(RuleField.AUTO_APPROVE_GROUPS, "{'autoApprove': [{'groups': ['oncall-sre']}, {'groups': ['sre']}]}");
    CASES.put(RuleField.WINDOW_DAYS, WINDOW);
    CASES.put(RuleField.WINDOW_FROM, WINDOW);
    CASES.put(RuleField.WINDOW_TO, WINDOW);
    CASES.put(RuleField.WINDOW_ZONE, WINDOW);
    CASES.put(RuleField.AUTO_APPROVE_ON_CALL, "{'autoApprove': [{'onCall': 'primary-sre', 'groups': ['sre']}]}");
    CASES.put(RuleField.AUTO_APPROVE_ALWAYS, "{'autoApprove': [{'always': true}]}");
    CASES.put(RuleField.APPROVALS, "{'approval': {'approvals': 2}}");
    CASES.put(RuleField.APPROVER_GROUPS, "{'approval': {'groups': ['leads', 'managers']}}");
    CASES.put(RuleField.APPROVER_SUBJECTS, "{'approval': {'subjects': ['dave']}}");
    CASES.put(RuleField.STAGE_NAME, STAGES);
    CASES.put(RuleField.STAGE_APPROVALS, STAGES);
    CASES.put(RuleField.STAGE_GROUPS, STAGES);
    CASES.put(RuleField.STAGE_SUBJECTS, STAGES);
    CASES.put(RuleField.STAGE_MODE, STAGES.replace("'groups': null,", "'groups': null, 'mode': 'ANY',"));
    CASES.put(RuleField.DENY_THRESHOLD, "{'approval': {'denyThreshold': 2}}");
    CASES.put(RuleField.REQUIRE_COMMENT, "{'approval': {'requireComment': true}}");
    CASES.put(RuleField.PENDING_TTL, "{'approval': {'pendingTtl': 'PT8H'}}");
    CASES.put(RuleField.REMIND_AFTER, "{'approval': {'remindAfter': 'PT30M'}}");
    CASES.put(RuleField.ESCALATE_AFTER, ESCALATION);
    CASES.put(RuleField.ESCALATE_TO, ESCALATION);
    CASES.put(RuleField.SUGGEST_ON_CALL, "{'approval': {'suggestOnCall': 'leads-oncall'}}");
    CASES.put(RuleField.EXTENSION_REQUIRES_APPROVAL, "{'extensionRequiresApproval': false}");
    CASES.put(RuleField.EXPIRY_WARNING, "{'expiryWarning': 'PT5M'}");
    CASES.put(RuleField.MAX_USES, "{'maxUses': 10}");
    CASES.put(RuleField.MAX_AMOUNT, "{'maxAmount': 500.00}");
    CASES.put(RuleField.MAX_START_DELAY, "{'maxStartDelay': 'P2D'}");
    CASES.put(RuleField.BREAK_GLASS_MIN_REASON_LENGTH, BREAK_GLASS);
    CASES.put(RuleField.BREAK_GLASS_MAX_DURATION, BREAK_GLASS);
    CASES.put(RuleField.DENY_MESSAGE, "{'denyMessage': 'Ask in #payments'}");
  }

  private final InMemoryOnCallSource onCall = new InMemoryOnCallSource();

  private final ApplicationContextRunner spring = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(JitGuardAutoConfiguration.class))
      .withUserConfiguration(Fixtures.ClockConfig.class)
      .withBean(OnCallSource.class, () -> onCall)
      .withPropertyValues("jit.maintenance.enabled=false");

  // ------------------------------------------------------------------------------------------------ the cases

  /** The case of a field: its own, or for a mapping the case of its first field. */
  private static Map<String, Object> ruleSetting(RuleField field) {
    RuleField leaf = field;
    while (!leaf.children().isEmpty()) {
      leaf = leaf.children().get(0);
    }
    Map<String, Object> rule = parse(BASE);
    merge(rule, parse(CASES.get(leaf)));
    return rule;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String json) {
    return JSON.readValue(json.replace('\'', '"'), LinkedHashMap.class);
  }

  @SuppressWarnings("unchecked")
  private static void merge(Map<String, Object> into, Map<String, Object> from) {
    from.forEach((k, v) -> {
      if (v == null) {
        into.remove(k);
      } else if (v instanceof Map<?, ?> m && into.get(k) instanceof Map<?, ?> target) {
        merge((Map<String, Object>) target, (Map<String, Object>) m);
      } else {
        into.put(k, v);
      }
    });
  }

  /** Adds an unknown sibling next to the field: its key with one letter doubled, holding a copy of its value. */
  @SuppressWarnings("unchecked")
  private static String addTypoSibling(Map<String, Object> rule, RuleField field) {
    Object container = rule;
    for (String segment : field.path().split("\\.")) {
      if (segment.equals(field.key())) {
        break;
      }
      String key = segment.endsWith("[]") ? segment.substring(0, segment.length() - 2) : segment;
      container = ((Map<String, Object>) container).get(key);
      if (segment.endsWith("[]")) {
        container = ((List<Object>) container).get(0);
      }
    }
    Map<String, Object> mapping = (Map<String, Object>) container;
    String key = field.key();
    String typo = key.substring(0, key.length() / 2 + 1) + key.substring(key.length() / 2);
    mapping.put(typo, mapping.get(key));
    return typo;
  }

  private Policy document(Map<String, Object> rule) {
    String json = JSON.writeValueAsString(Map.of("policies", Map.of(PRIVILEGE, rule)));
    return PolicyDocuments.loader().withOnCallSource(onCall).parse(json, "parity.json");
  }

  /** The rule as Spring properties, {@code jit.policy.rules[0].<kebab-case path>=<value>}. */
  private static String[] properties(Map<String, Object> rule) {
    List<String> out = new ArrayList<>();
    out.add("jit.policy.rules[0].privilege=" + PRIVILEGE);
    flatten("jit.policy.rules[0]", rule, out);
    return out.toArray(String[]::new);
  }

  private static void flatten(String name, Object value, List<String> out) {
    if (value instanceof Map<?, ?> m) {
      m.forEach((k, v) -> flatten(name + "." + RuleField.kebab((String) k), v, out));
    } else if (value instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        flatten(name + "[" + i + "]", l.get(i), out);
      }
    } else {
      out.add(name + "=" + value);
    }
  }

  private PrivilegeRule springRule(String[] properties) {
    AtomicReference<PrivilegeRule> rule = new AtomicReference<>();
    spring.withPropertyValues(properties).run(context -> {
      assertThat(context).hasNotFailed();
      rule.set(context.getBean(ElevationPolicy.class).ruleFor(Privilege.of(PRIVILEGE)).orElseThrow());
    });
    return rule.get();
  }

  private PolicyPropertiesException springFailure(String[] properties) {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    spring.withPropertyValues(properties).run(context -> {
      assertThat(context).hasFailed();
      failure.set(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()));
    });
    assertThat(failure.get()).isInstanceOf(PolicyPropertiesException.class);
    return (PolicyPropertiesException) failure.get();
  }

  /**
   * What makes two rules equal: every section ({@link PrivilegeRule} and its sections have structural equality),
   * with the auto-approval conditions, which have no equality of their own, compared by description.
   */
  private static List<Object> comparable(PrivilegeRule r) {
    return List.of(r.pattern(), r.eligibility(), r.limits(), r.escalation(), r.breakGlass(), r.denyMessage(),
        r.approval().stages(), r.approval().stageMode(), r.approval().denyThreshold(), r.approval().commentRequired(),
        r.approval().pendingTtl(), r.approval().extensionRequiresApproval(), r.approval().suggestOnCall(),
        r.approval().autoApprove().stream().map(AutoApproveCondition::description).toList());
  }

  // ------------------------------------------------------------------------------------------------ the tests

  @Test
  void casesWhenComparedWithTheTableThenEveryFieldIsSetByOne() {
    for (RuleField f : RuleField.values()) {
      if (f.children().isEmpty()) {
        assertThat(CASES).as("a parity case for %s", f.path()).containsKey(f);
        assertThat(CASES.get(f)).as("the case of %s writes it", f.path()).contains("'" + f.key() + "'");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RuleField.class)
  void fieldWhenSetInADocumentAndInSpringPropertiesThenTheRulesAreEqual(RuleField field) {
    Map<String, Object> rule = ruleSetting(field);

    PrivilegeRule fromDocument = document(rule).ruleFor(Privilege.of(PRIVILEGE)).orElseThrow();
    PrivilegeRule fromSpring = springRule(properties(rule));

    assertThat(comparable(fromSpring)).isEqualTo(comparable(fromDocument));
    if (fromDocument.approval().autoApprove().isEmpty()) {
      assertThat(fromSpring).isEqualTo(fromDocument);
    }
    PrivilegeRule base = document(parse(BASE)).ruleFor(Privilege.of(PRIVILEGE)).orElseThrow();
    assertThat(comparable(fromDocument)).as("setting %s changes the rule", field.path())
        .isNotEqualTo(comparable(base));
  }

  @ParameterizedTest
  @EnumSource(RuleField.class)
  void unknownSiblingWhenWrittenInADocumentAndInSpringPropertiesThenTheSameSuggestion(RuleField field) {
    Map<String, Object> rule = ruleSetting(field);
    String typo = addTypoSibling(rule, field);

    PolicyDocumentException.Problem inDocument = onlyProblem(() -> document(rule));
    List<PolicyPropertiesException.Problem> springProblems = springFailure(properties(rule)).problems();

    assertThat(springProblems).as("problems in Spring").hasSize(1);
    PolicyPropertiesException.Problem inSpring = springProblems.get(0);
    assertThat(inDocument.path()).endsWith("." + typo);
    assertThat(inSpring.property()).endsWith("." + RuleField.kebab(typo));
    assertThat(suggestion(inDocument.message())).as("document suggestion").isEqualTo(field.key());
    assertThat(suggestion(inSpring.message())).as("Spring suggestion").isEqualTo(RuleField.kebab(field.key()));
    String documentFields = accepted(inDocument.message());
    String springFields = accepted(inSpring.message());
    assertThat(springFields).isEqualTo((field.parent().isEmpty() ? "privilege, " : "")
        + RuleField.kebab(documentFields));
  }

  private static PolicyDocumentException.Problem onlyProblem(Runnable load) {
    try {
      load.run();
    } catch (PolicyDocumentException e) {
      assertThat(e.problems()).as(e.getMessage()).hasSize(1);
      return e.problems().get(0);
    }
    throw new AssertionError("the document was accepted");
  }

  private static String suggestion(String message) {
    Matcher m = Pattern.compile("did you mean \"([^\"]+)\"\\?").matcher(message);
    assertThat(m.find()).as("a suggestion in %s", message).isTrue();
    return m.group(1);
  }

  private static String accepted(String message) {
    Matcher m = Pattern.compile("Accepted fields: (.*) \\(an unknown field is an error").matcher(message);
    assertThat(m.find()).as("accepted fields in %s", message).isTrue();
    return m.group(1);
  }
}
