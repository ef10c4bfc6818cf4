package dev.jitguard.internal.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.jitguard.InvalidInputException;
import dev.jitguard.Subject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Identifiers are canonicalised once, at the boundary, and hostile lengths are refused before any costly work. */
class IdentifiersTest {

  @Test
  void subjectIdOfThreeHundredThousandDottedCapitalIsThenRefusedAtOnceNamingTheField() {
    String hostile = "\u0130".repeat(300_000); // normalising and lowercasing this took 22 s
    InvalidInputException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
        () -> catchThrowableOfType(InvalidInputException.class, () -> Subject.of(hostile)));

    assertThat(e).isNotNull();
    assertThat(e.field()).isEqualTo("subject.id");
    assertThat(e.getMessage()).contains("at most 256 characters");
  }

  @Test
  void identifierThatShrinksWhenCanonicalisedThenAcceptedAsItsCanonicalForm() {
    assertThat(Identifiers.canonical("subject.id", "A\u0301LICE")).isEqualTo("\u00e1lice");
  }
}
