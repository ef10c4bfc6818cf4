package dev.jitguard.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.jitguard.Privilege;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.util.JsonParserDelegate;
import tools.jackson.dataformat.yaml.YAMLFactory;

/**
 * Issue 11, item 7: a valid YAML document whose comment holds an emoji where it straddles the YAML parser's
 * 1,024-character read buffer made SnakeYAML Engine 3.0.1 throw {@link IndexOutOfBoundsException} out of
 * {@link PolicyDocuments}. The parent pom pins a SnakeYAML Engine that reads such documents, and any runtime failure of
 * a parser is reported as a {@link PolicyDocumentException} with its location, never as the parser's own exception.
 */
class PolicyDocumentParserFaultTest {
  private static final String RULES = """
      policies:
        logs.read:
          eligible: { groups: [support] }
          approval: { groups: [sre] }
      """;
  private static final String EMOJI = "\uD83D\uDE00";

  /** A comment of {@code pad} characters after "# ", then the emoji, then a valid policy. */
  private static String commentedDocument(int pad) {
    return "# " + "x".repeat(pad) + EMOJI + " is fine in a comment\n" + RULES;
  }

  @Test
  void emojiInACommentAtTheYamlParsersBufferBoundaryThenTheDocumentLoads() {
    // SnakeYAML Engine 3.0.1 threw at pad 1022 (the emoji's high surrogate is the buffer's 1,025th char), and again
    // every 1,024 characters further on; sweep around each of the first four boundaries.
    List<String> failures = new ArrayList<>();
    for (int boundary = 1024; boundary <= 4096; boundary += 1024) {
      for (int pad = boundary - 12; pad <= boundary + 12; pad++) {
        String doc = commentedDocument(pad);
        Throwable t = catchThrowable(() -> PolicyDocuments.parse(doc, "policy.yaml"));
        if (t != null) {
          failures.add("pad " + pad + ": " + t);
        }
      }
    }

    assertThat(failures).as("documents that did not load").isEmpty();
  }

  @Test
  void emojiInAValueAtTheYamlParsersBufferBoundaryThenTheValueIsReadWhole() {
    for (int pad = 1000; pad <= 1040; pad++) {
      String schedule = "x".repeat(pad) + EMOJI;
      String doc = "# schedule with an emoji\n" + RULES + "    denyMessage: \"" + schedule + "\"\n";

      Throwable t = catchThrowable(() -> PolicyDocuments.parse(doc, "policy.yaml"));

      // denyMessage accepts printable text only and an emoji is a surrogate pair: the binder rejects it at its field,
      // which proves the parser read the value to its end instead of failing inside it.
      assertThat(t).as("pad %d", pad).isInstanceOf(PolicyDocumentException.class);
      PolicyDocumentException e = (PolicyDocumentException) t;
      assertThat(e.problems()).as(e.getMessage()).singleElement()
          .satisfies(p -> assertThat(p.path()).isEqualTo("policies.logs.read.denyMessage"));
    }
  }

  @Test
  void parserThatFailsWithARuntimeExceptionThenPolicyDocumentExceptionWithLocationAndFix() {
    byte[] bytes = (RULES + "    maxDuration: PT30M\n").getBytes(StandardCharsets.UTF_8);
    DocProblems problems = new DocProblems("policy.yaml");

    DocNode root = DocumentReader.read(bytes, PolicyDocuments.Format.YAML, problems, b -> failingAfter(b, 6));

    assertThat(root).isNull();
    PolicyDocumentException e = problems.toException();
    assertThat(e.source()).isEqualTo("policy.yaml");
    assertThat(e.problems()).singleElement().satisfies(p -> {
      assertThat(p.source()).isEqualTo("policy.yaml");
      assertThat(p.line()).as("line of %s", p).isGreaterThan(1);
      assertThat(p.column()).as("column of %s", p).isPositive();
      assertThat(p.message())
          .contains("the YAML parser failed unexpectedly (java.lang.IndexOutOfBoundsException "
              + "\"Range [1025, 1025 + 1) out of bounds for length 1025\")")
          .contains("not necessarily of the document")
          .contains("remove or move non-ASCII characters such as emoji near this position")
          .contains("convert the document to JSON");
    });
    assertThat(e.getMessage()).startsWith("Policy document policy.yaml has 1 problem; nothing was loaded:");
  }

  @Test
  void parserThatFailsWhileOpeningThenPolicyDocumentExceptionForTheWholeDocument() {
    DocProblems problems = new DocProblems("policy.json");

    DocNode root = DocumentReader.read(new byte[] {'{', '}'}, PolicyDocuments.Format.JSON, problems, b -> {
      throw new IllegalStateException("no parser today");
    });

    assertThat(root).isNull();
    assertThat(problems.toException().problems()).singleElement().satisfies(p -> {
      assertThat(p.line()).isZero();
      assertThat(p.message()).contains("the JSON parser failed unexpectedly (java.lang.IllegalStateException \"no "
          + "parser today\")").contains("convert the document to YAML");
    });
  }

  @Test
  void emojiWhereSnakeYamlEngine301FailedThenTheRuleIsRead() {
    Policy p = PolicyDocuments.parse(commentedDocument(1022), "policy.yaml");

    assertThat(p.ruleFor(Privilege.of("logs.read"))).isPresent();
  }

  /** A real YAML parser that throws what SnakeYAML Engine 3.0.1 threw, at the given token. */
  private static JsonParser failingAfter(byte[] bytes, int tokens) {
    JsonParser real = YAMLFactory.builder().build().createParser(ObjectReadContext.empty(), bytes);
    return new JsonParserDelegate(real) {
      private int read;

      @Override
      public JsonToken nextToken() {
        if (++read > tokens) {
          throw new IndexOutOfBoundsException("Range [1025, 1025 + 1) out of bounds for length 1025");
        }
        return super.nextToken();
      }
    };
  }
}
