package dev.jitguard;

import dev.jitguard.internal.util.Ids;
import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.invalid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Validation and canonical forms of {@link Privilege}, {@link Subject}, {@link ElevationRequest} and the ids. */
class ValueTypesTest {

  /** A rejection message is one printable line, whatever the input was. */
  private static void assertPrintableLine(String message) {
    assertThat(message.chars()).as("printable ASCII only: %s", message).allMatch(c -> c >= 0x20 && c < 0x7f);
  }

  @Nested
  class PrivilegeGrammar {
    @ParameterizedTest
    @ValueSource(strings = {"db", "db.prod.write", "payments.refund", "a1.b_2.c-3", "x.y-z_0"})
    void ofWhenGrammarValidThenAcceptedAsIs(String name) {
      assertThat(Privilege.of(name).name()).isEqualTo(name);
      assertThat(Privilege.of(name)).isEqualTo(Privilege.of(name)).hasSameHashCodeAs(Privilege.of(name));
      assertThat(Privilege.of(name)).hasToString(name);
    }

    @Test
    void ofWhenUppercaseThenRejectedWithDidYouMeanHint() {
      InvalidInputException e = invalid(() -> Privilege.of("Payments.Refund"));

      assertThat(e.field()).isEqualTo("privilege");
      assertThat(e.getMessage()).contains("uppercase 'P'").contains("did you mean \"payments.refund\"?");
    }

    @Test
    void ofWhenEmptyThenRejected() {
      assertThat(invalid(() -> Privilege.of("")).getMessage()).contains("is empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"db..write", ".db", "db.", "."})
    void ofWhenEmptySegmentThenRejected(String name) {
      InvalidInputException e = invalid(() -> Privilege.of(name));

      assertThat(e.field()).isEqualTo("privilege");
      assertThat(e.getMessage()).containsAnyOf("empty segment", "ends with '.'");
    }

    @Test
    void ofWhenLongerThanMaximumThenRejectedAndAtMaximumAccepted() {
      assertThat(Privilege.of("a".repeat(Privilege.MAX_LENGTH)).name()).hasSize(128);

      InvalidInputException e = invalid(() -> Privilege.of("a".repeat(Privilege.MAX_LENGTH + 1)));

      assertThat(e.getMessage()).contains("at most 128 characters, but was 129");
    }

    @Test
    void ofWhenTooManySegmentsThenRejected() {
      String sixteen = String.join(".", java.util.Collections.nCopies(16, "a"));
      assertThat(Privilege.of(sixteen).name()).isEqualTo(sixteen);

      assertThat(invalid(() -> Privilege.of(sixteen + ".a")).getMessage()).contains("17 segments");
    }

    @Test
    void ofWhenCyrillicLookAlikeThenRejectedNamingTheCodePoint() {
      String lookAlike = "p\u0430yments.refund"; // Cyrillic small a

      InvalidInputException e = invalid(() -> Privilege.of(lookAlike));

      assertThat(e.getMessage()).contains("U+0430").doesNotContain("did you mean");
      assertPrintableLine(e.getMessage());
      assertThat(Privilege.of("payments.refund").name()).isNotEqualTo(lookAlike);
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "payments.*", "payments.re*", "db.prod.write ", " db", "1db", "db.prod/write",
        "db.prod.write\n", "db:prod", "db.Prod", "db.\u0440rod"})
    void ofWhenCharacterOutsideGrammarThenRejectedOnOnePrintableLine(String name) {
      InvalidInputException e = invalid(() -> Privilege.of(name));

      assertThat(e.field()).isEqualTo("privilege");
      assertThat(e.getMessage()).contains("for example \"db.prod.write\"");
      assertPrintableLine(e.getMessage());
    }

    @Test
    void ofWhenNullThenNullPointerException() {
      assertThatNullPointerException().isThrownBy(() -> Privilege.of(null)).withMessageContaining("privilege");
    }
  }

  @Nested
  class SubjectCanonicalisation {
    @Test
    void ofWhenCaseDiffersThenSameSubject() {
      assertThat(Subject.of("Alice")).isEqualTo(Subject.of("alice")).hasSameHashCodeAs(Subject.of("ALICE"));
      assertThat(Subject.of("Alice").id()).isEqualTo("alice");
      assertThat(Subject.canonicalId("ALICE@Example.COM")).isEqualTo("alice@example.com");
    }

    @Test
    void ofWhenFullWidthCompatibilityFormThenSameIdAfterNfkc() {
      assertThat(Subject.of("\uFF41\uFF4C\uFF49\uFF43\uFF45").id()).isEqualTo("alice");
    }

    @Test
    void ofWhenGroupsDifferInCaseThenCanonicalAndSorted() {
      Subject s = Subject.of("alice", "Developers", "DBA", "developers");

      assertThat(s.groups()).containsExactly("dba", "developers");
      assertThat(s.inGroup("dba")).isTrue();
    }

    @Test
    void ofUnderTurkishDefaultLocaleThenDottedAndDotlessIHandledWithRootLocale() {
      Locale saved = Locale.getDefault();
      String idUnderEnglish;
      try {
        Locale.setDefault(Locale.ENGLISH);
        idUnderEnglish = Subject.of("\u0130PEK").id();
        Locale.setDefault(Locale.forLanguageTag("tr-TR"));

        Subject admin = Subject.of("TITLE", "ADMINS", "INFRA");

        assertThat(admin.id()).isEqualTo("title").doesNotContain("\u0131");
        assertThat(admin.groups()).containsExactly("admins", "infra");
        assertThat(Subject.of("\u0130PEK").id()).as("same id whatever the default locale")
            .isEqualTo(idUnderEnglish);
        assertThat("TITLE".toLowerCase()).as("the trap this guards against").isEqualTo("t\u0131tle");
      } finally {
        Locale.setDefault(saved);
      }
    }

    @Test
    void policyMatchUnderTurkishDefaultLocaleThenGroupsStillMatch() {
      Locale saved = Locale.getDefault();
      try {
        Locale.setDefault(Locale.forLanguageTag("tr-TR"));
        Policy policy = Policy.builder().privilege("infra.deploy", r -> r
            .eligibleGroups("INFRA").approverGroups("LEADS")).build();
        try (TestGuards.Setup t = TestGuards.inMemory(policy)) {
          Decision d = t.guard().request(ElevationRequest.builder(Subject.of("ivan", "infra"), "infra.deploy")
              .build());

          assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
          assertThat(t.guard().pendingApprovals(Subject.of("lin", "leads"))).hasSize(1);
        }
      } finally {
        Locale.setDefault(saved);
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "alice smith", "alice\t", "alice\n", "\u00A0alice", "al\u0007ice", "al\u202Eice",
        "\u200Balice", "alice\u2028", "ali\u0000ce", "\u3000alice"})
    void ofWhenIdHasWhitespaceControlOrInvisibleCharacterThenRejected(String id) {
      InvalidInputException e = invalid(() -> Subject.of(id));

      assertThat(e.field()).isEqualTo("subject.id");
      assertPrintableLine(e.getMessage());
    }

    @Test
    void ofWhenGroupMalformedThenRejectedNamingGroups() {
      assertThat(invalid(() -> Subject.of("alice", "dev ops")).field()).isEqualTo("subject.groups");
      assertThat(invalid(() -> Subject.of("alice", "ops\u202E")).field()).isEqualTo("subject.groups");
    }

    @Test
    void ofWhenIdLongerThan256ThenRejected() {
      assertThat(Subject.of("a".repeat(256)).id()).hasSize(256);

      assertThat(invalid(() -> Subject.of("a".repeat(257))).getMessage()).contains("256");
    }

    @Test
    void attributeWhenKeyOrValueMalformedThenRejected() {
      Subject s = Subject.builder("alice").attribute("department", "Finance & Risk").build();
      assertThat(s.attribute("department")).contains("Finance & Risk");

      assertThat(invalid(() -> Subject.builder("alice").attribute("Department", "x")).field())
          .isEqualTo("subject.attributes");
      assertThat(invalid(() -> Subject.builder("alice").attribute("department", "a\nb")).field())
          .startsWith("subject.attributes");
      assertThat(invalid(() -> Subject.builder("alice").attribute("department", "x".repeat(257))).field())
          .startsWith("subject.attributes");
    }

    @Test
    void toStringThenIdQuoted() {
      assertThat(Subject.of("alice", "dba").toString()).contains("\"alice\"").contains("dba");
    }
  }

  @Nested
  class ElevationRequestBuilder {
    @Test
    void buildWithOnlyRequiredPartsThenOptionalPartsEmpty() {
      ElevationRequest r = ElevationRequest.builder(ALICE, DB_WRITE).build();

      assertThat(r.subject()).isEqualTo(ALICE);
      assertThat(r.privilege()).isEqualTo(DB_WRITE);
      assertThat(r.justification()).isEmpty();
      assertThat(r.ticket()).isEmpty();
      assertThat(r.duration()).isEmpty();
      assertThat(r.startAt()).isEmpty();
      assertThat(r.uses()).isEmpty();
    }

    @Test
    void buildWithEveryPartThenKeptVerbatim() {
      Instant start = Instant.parse("2026-01-02T10:00:00Z");
      String multiLine = "line one\nline two \uD83D\uDE00";

      ElevationRequest r = ElevationRequest.builder(ALICE, "db.prod.write").justification(multiLine)
          .ticket("INC-42").duration(Duration.ofMinutes(15)).startAt(start).uses(3).build();

      assertThat(r.justification()).isEqualTo(multiLine);
      assertThat(r.ticket()).contains("INC-42");
      assertThat(r.duration()).contains(Duration.ofMinutes(15));
      assertThat(r.startAt()).contains(start);
      assertThat(r.uses()).hasValue(3);
    }

    @Test
    void settersWhenCalledTwiceThenIllegalStateNamingTheField() {
      ElevationRequest.Builder b = ElevationRequest.builder(ALICE, DB_WRITE).justification("first")
          .ticket("INC-1").duration(Duration.ofMinutes(5)).startAt(Instant.EPOCH).uses(2);

      assertThatThrownBy(() -> b.justification("second")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("justification was already set to \"first\"");
      assertThatThrownBy(() -> b.ticket("INC-2")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("ticket was already set");
      assertThatThrownBy(() -> b.duration(Duration.ofMinutes(6))).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("duration was already set to PT5M");
      assertThatThrownBy(() -> b.startAt(Instant.EPOCH)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("startAt was already set");
      assertThatThrownBy(() -> b.uses(3)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("uses was already set to 2");
      ElevationRequest r = b.build();
      assertThat(r.justification()).isEqualTo("first");
      assertThat(r.uses()).hasValue(2);
    }

    @Test
    void justificationWhenEmptyStringSetThenSecondCallStillRefused() {
      ElevationRequest.Builder b = ElevationRequest.builder(ALICE, DB_WRITE).justification("");

      assertThatThrownBy(() -> b.justification("now something")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void settersWhenValueInvalidThenNothingSetAndACorrectValueStillAccepted() {
      ElevationRequest.Builder b = ElevationRequest.builder(ALICE, DB_WRITE);

      invalid(() -> b.duration(Duration.ZERO));
      invalid(() -> b.uses(0));
      invalid(() -> b.ticket(""));

      ElevationRequest r = b.duration(Duration.ofMinutes(1)).uses(1).ticket("T-1").build();
      assertThat(r.duration()).contains(Duration.ofMinutes(1));
    }

    @Test
    void durationWhenNotPositiveOrAbsurdThenRejectedNamingDuration() {
      ElevationRequest.Builder b = ElevationRequest.builder(ALICE, DB_WRITE);

      assertThat(invalid(() -> b.duration(Duration.ZERO)).field()).isEqualTo("duration");
      assertThat(invalid(() -> b.duration(Duration.ofSeconds(-5))).getMessage()).contains("PT-5S");
      assertThat(invalid(() -> b.duration(Duration.ofDays(367))).field()).isEqualTo("duration");
      assertThat(ElevationRequest.builder(ALICE, DB_WRITE).duration(Duration.ofDays(366)).build().duration())
          .contains(Duration.ofDays(366));
    }

    @Test
    void usesWhenOutOfRangeThenRejectedNamingUses() {
      assertThat(invalid(() -> ElevationRequest.builder(ALICE, DB_WRITE).uses(0)).field()).isEqualTo("uses");
      assertThat(invalid(() -> ElevationRequest.builder(ALICE, DB_WRITE).uses(-1)).field()).isEqualTo("uses");
      assertThat(invalid(() -> ElevationRequest.builder(ALICE, DB_WRITE).uses(ElevationRequest.MAX_USES + 1))
          .field()).isEqualTo("uses");
      assertThat(ElevationRequest.builder(ALICE, DB_WRITE).uses(ElevationRequest.MAX_USES).build().uses())
          .hasValue(ElevationRequest.MAX_USES);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "INC-1\nINC-2", "INC\u202E-1", "INC\u0000", "INC\u200B-1", "INC\r"})
    void ticketWhenEmptyOrInvisibleCharactersThenRejectedNamingTicket(String ticket) {
      InvalidInputException e = invalid(() -> ElevationRequest.builder(ALICE, DB_WRITE).ticket(ticket));

      assertThat(e.field()).isEqualTo("ticket");
      assertPrintableLine(e.getMessage());
    }

    @Test
    void ticketWhenLongerThanMaximumThenRejected() {
      assertThat(ElevationRequest.builder(ALICE, DB_WRITE).ticket("T".repeat(128)).build().ticket()).isPresent();
      assertThat(invalid(() -> ElevationRequest.builder(ALICE, DB_WRITE).ticket("T".repeat(129))).field())
          .isEqualTo("ticket");
    }

    @Test
    void justificationWhenNulOrBrokenSurrogateThenRejectedNamingJustification() {
      assertThat(invalid(() -> ElevationRequest.builder(ALICE, DB_WRITE).justification("a\u0000b")).field())
          .isEqualTo("justification");
      assertThat(invalid(() -> ElevationRequest.builder(ALICE, DB_WRITE).justification("a\uD83Db")).field())
          .isEqualTo("justification");
      assertThat(invalid(() -> ElevationRequest.builder(ALICE, DB_WRITE).justification("\uDE00")).field())
          .isEqualTo("justification");
    }

    @Test
    void builderWhenPrivilegeNameMalformedOrNullsThenRejected() {
      assertThat(invalid(() -> ElevationRequest.builder(ALICE, "DB.prod")).field()).isEqualTo("privilege");
      assertThatNullPointerException().isThrownBy(() -> ElevationRequest.builder(null, DB_WRITE));
      assertThatNullPointerException().isThrownBy(() -> ElevationRequest.builder(ALICE, DB_WRITE).justification(null));
    }

    @Test
    void builderThenOffersNoServerOwnedField() {
      Set<String> setters = Arrays.stream(ElevationRequest.Builder.class.getMethods())
          .filter(m -> m.getDeclaringClass() == ElevationRequest.Builder.class)
          .filter(m -> Modifier.isPublic(m.getModifiers()))
          .map(Method::getName).collect(Collectors.toSet());

      assertThat(setters).containsExactlyInAnyOrder("justification", "ticket", "duration", "startAt", "uses", "amountLimit",
          "action", "build");
    }
  }

  @Nested
  class Ids {
    @Test
    void randomThen32LowercaseHexAndDistinct() {
      Set<String> seen = new HashSet<>();
      IntStream.range(0, 1000).forEach(i -> {
        RequestId r = RequestId.random();
        GrantId g = GrantId.random();
        assertThat(r.value()).matches("[0-9a-f]{32}");
        assertThat(g.value()).matches("[0-9a-f]{32}");
        seen.add(r.value());
        seen.add(g.value());
      });
      assertThat(seen).hasSize(2000);
    }

    @Test
    void ofWhenValidThenRoundTrips() {
      RequestId r = RequestId.random();
      GrantId g = GrantId.random();

      assertThat(RequestId.of(r.value())).isEqualTo(r);
      assertThat(GrantId.of(g.toString())).isEqualTo(g);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0",
        "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdeg", "../../etc/passwd"})
    void ofWhenMalformedThenRejectedNamingTheIdField(String value) {
      assertThat(invalid(() -> RequestId.of(value)).field()).isEqualTo("requestId");
      assertThat(invalid(() -> GrantId.of(value)).field()).isEqualTo("grantId");
    }

    @Test
    void ofWhenHostileAndLongThenMessageTruncatedAndEscaped() {
      String hostile = "x\n\u001b[31m" + "y".repeat(500);

      InvalidInputException e = invalid(() -> RequestId.of(hostile));

      assertPrintableLine(e.getMessage());
      assertThat(e.getMessage()).contains("...").hasSizeLessThan(300);
      assertThat(e.getMessage()).contains("32 lowercase hex characters");
    }
  }
}
