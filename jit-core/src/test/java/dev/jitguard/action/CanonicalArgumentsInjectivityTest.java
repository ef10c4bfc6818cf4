package dev.jitguard.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.AbstractCollection;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * One regression per way the canonical encoding used to give two different calls the same bytes (so one approval
 * would have let another call run): unpaired surrogates, map keys that are the same value, collections whose
 * {@code size()} disagrees with their elements, and a registered-encoder choice that depended on the JVM.
 */
class CanonicalArgumentsInjectivityTest {
  private static final CanonicalArguments STANDARD = CanonicalArguments.standard();
  /** Printable ASCII only: what a message may contain when the argument held hostile text. */
  private static final String PRINTABLE_ASCII = "[\\x20-\\x7e]*";

  record Refund(String orderId, BigDecimal amount) {}

  private static String digest(Object... arguments) {
    return STANDARD.digest(arguments);
  }

  @Nested
  class UnpairedSurrogates {

    @Test
    void digestWhenStringHasUnpairedSurrogateThenRejectedNamingTheArgument() {
      Throwable lone = catchThrowable(() -> digest("order-7", "\uD800"));
      Throwable inside = catchThrowable(() -> digest("a\uDC00b"));
      Throwable highAtEnd = catchThrowable(() -> digest("ab\uD83C"));
      Throwable reversedPair = catchThrowable(() -> digest("\uDF0D\uD83C"));

      assertThat(lone).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessage("argument 1 has an unpaired surrogate U+D800 at index 0, which has no canonical (UTF-8) form; "
              + "pass valid UTF-16 text");
      assertThat(inside).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 0 has an unpaired surrogate U+DC00 at index 1");
      assertThat(highAtEnd).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 0 has an unpaired surrogate U+D83C at index 2");
      assertThat(reversedPair).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 0 has an unpaired surrogate U+DF0D at index 0");
      assertThat(List.of(lone, inside, highAtEnd, reversedPair))
          .allSatisfy(t -> assertThat(t.getMessage()).as("no raw text").matches(PRINTABLE_ASCII));
    }

    /** Regression: getBytes(UTF_8) replaced the lone surrogate with '?', so both calls had one digest. */
    @Test
    void digestOfLoneSurrogateAndQuestionMarkThenNoLongerTheSameSinceTheSurrogateIsRejected() {
      String questionMark = digest("?");

      assertThat(questionMark).matches("[0-9a-f]{64}");
      assertThatThrownBy(() -> digest("\uD800")).isInstanceOf(UnsupportedArgumentException.class);
      assertThatThrownBy(() -> STANDARD.encode(List.of("\uD800"))).isInstanceOf(UnsupportedArgumentException.class);
      assertThatThrownBy(() -> ActionBinding.of("customers.erase", "\uD800"))
          .as("no binding, so no approval for it").isInstanceOf(UnsupportedArgumentException.class);
    }

    /**
     * Regression: the default preview rejects unpaired surrogates, but only in the first 2000 characters it keeps; past
     * them, the binding of the lone-surrogate call was made and had the digest of the '?' call.
     */
    @Test
    void bindingWhenLoneSurrogateIsPastThePreviewLimitThenRejectedNotBoundToTheQuestionMarkCall() {
      String padding = "x".repeat(2500);

      ActionBinding questionMark = ActionBinding.of("customers.erase", padding + "?");

      assertThat(questionMark.argumentDigest()).isEqualTo(digest(padding + "?"));
      assertThatThrownBy(() -> ActionBinding.of("customers.erase", padding + "\uD800"))
          .isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 0 has an unpaired surrogate U+D800 at index 2500");
    }

    @Test
    void digestWhenCharacterIsALoneSurrogateThenRejectedNamingTheArgument() {
      assertThatThrownBy(() -> digest('a', '\uDC00')).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 1 has an unpaired surrogate U+DC00 at index 0")
          .hasMessageContaining("pass valid UTF-16 text");
      assertThatThrownBy(() -> digest((Object) new char[] {'a', '\uD800'}))
          .isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 0[1] has an unpaired surrogate U+D800 at index 0");
    }

    @Test
    void digestWhenUnpairedSurrogateIsNestedThenRejectedNamingItsPath() {
      Map<String, String> inValue = Map.of("note", "\uD800");

      assertThatThrownBy(() -> digest(1, List.of("a", "b", "c\uDBFF"))).hasMessageContaining("argument 1[2] has");
      assertThatThrownBy(() -> digest(new Refund("\uDC00", BigDecimal.ONE)))
          .hasMessageContaining("argument 0.orderId has");
      assertThatThrownBy(() -> digest(Map.of("\uD800", 1))).hasMessageContaining("argument 0{key} has");
      assertThatThrownBy(() -> digest(inValue)).hasMessageContaining("argument 0{\"note\"} has");
      assertThatThrownBy(() -> digest(Set.of("\uD800"))).hasMessageContaining("argument 0[] has");
      assertThatThrownBy(() -> digest(Optional.of("\uD800"))).hasMessageContaining("argument 0 has");
    }

    @Test
    void digestWhenTextHasValidSurrogatePairsThenTheSameUtf8BytesAsBefore() {
      String astral = "a\uD83C\uDF0Db\uDBFF\uDFFF"; // a, U+1F30D, b, U+10FFFF
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      expected.writeBytes(new byte[] {'A', 0, 0, 0, 1, 'S', 0, 0, 0, 10});
      expected.writeBytes(astral.getBytes(StandardCharsets.UTF_8));

      assertThat(STANDARD.encode(List.of(astral))).isEqualTo(expected.toByteArray());
      assertThat(digest('a')).isEqualTo(digest("a"));
      assertThat(digest("")).matches("[0-9a-f]{64}");
    }
  }

  @Nested
  class MapKeysThatAreTheSameValue {

    private Map<Object, Object> map(Object k1, Object v1, Object k2, Object v2) {
      Map<Object, Object> m = new LinkedHashMap<>();
      m.put(k1, v1);
      m.put(k2, v2);
      return m;
    }

    /**
     * Regression: the entries were sorted by key encoding only, so with two keys of one encoding the values were
     * written in iteration order: {1.5=keep, 1.50=erase} and {1.5=erase, 1.50=keep} could share one digest.
     */
    @Test
    void digestWhenMapHasTwoKeysThatAreTheSameValueThenRejectedSinceSwappingTheirValuesWouldNotChangeTheBytes() {
      BigDecimal oneAndAHalf = new BigDecimal("1.5");
      BigDecimal sameAmount = new BigDecimal("1.50");
      List<Map<Object, Object>> ambiguous = List.of(
          map(oneAndAHalf, "keep", sameAmount, "erase"),
          map(oneAndAHalf, "erase", sameAmount, "keep"),
          map(5, "keep", 5L, "erase"),
          map('a', "keep", "a", "erase"),
          map(null, "keep", Optional.empty(), "erase"));

      assertThat(ambiguous).allSatisfy(m -> assertThat(catchThrowable(() -> digest("x", m)))
          .isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 1 has two keys that encode as the same value")
          .hasMessageContaining("pass a map whose keys are distinct values"));
      assertThat(digest(map(oneAndAHalf, "keep", new BigDecimal("2.5"), "erase")))
          .isEqualTo(digest(map(new BigDecimal("2.50"), "erase", sameAmount, "keep")));
    }

    /** Regression: the path of a map value held the key's toString() raw, hostile text included. */
    @Test
    void digestWhenMapValueIsRejectedUnderHostileKeyThenThePathQuotesTheKeyNeverRaw() {
      String hostile = "line1\nline2\u202e\u001b[31m";

      Throwable t = catchThrowable(() -> digest(Map.of(hostile, 1.5d)));
      Throwable longKey = catchThrowable(() -> digest(Map.of("k".repeat(100), 1.5d)));

      assertThat(t).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 0{\"line1\\nline2\\u202e\\u001b[31m\"} is a Double");
      assertThat(t.getMessage()).matches(PRINTABLE_ASCII);
      assertThat(longKey).hasMessageContaining("argument 0{\"" + "k".repeat(40) + "...\"} is a Double");
    }
  }

  @Nested
  class CollectionsWhoseSizeDisagreesWithTheirElements {

    /** A collection (neither list nor set) that reports a size, as a concurrently modified one may. */
    private Collection<Object> claimingSize(int size, Object... elements) {
      return new AbstractCollection<>() {
        @Override
        public Iterator<Object> iterator() {
          return Arrays.asList(elements).iterator();
        }

        @Override
        public int size() {
          return size;
        }
      };
    }

    /**
     * Regression: the count written was {@code size()}, so [claims 2 but holds [a], then b] and [claims 2 but holds
     * [[a, b]]] were both {@code L 2 L 2 S a S b}.
     */
    @Test
    void digestWhenCollectionSizeDisagreesWithItsElementsThenTheElementsAreCountedSoTwoCallsNoLongerCollide() {
      Object first = List.of(claimingSize(2, "a"), "b");
      Object second = claimingSize(2, List.of("a", "b"));

      assertThat(digest(first)).isNotEqualTo(digest(second));
      assertThat(digest(first)).isEqualTo(digest(List.of(List.of("a"), "b")));
      assertThat(digest(second)).isEqualTo(digest(List.of(List.of("a", "b"))));
      assertThat(digest(claimingSize(1, "a", "b"))).isEqualTo(digest(List.of("a", "b")));
    }
  }

  @Nested
  class EncoderChoice {
    interface Coded {
      String code();
    }

    interface Numbered {
      long number();
    }

    static final class Tenant implements Coded, Numbered {
      @Override
      public String code() {
        return "eu";
      }

      @Override
      public long number() {
        return 7;
      }
    }

    /**
     * Regression: the encoders were kept in {@code Map.copyOf}, whose iteration order is salted per JVM, so which of
     * two matching interface encoders applied (and so the digest) could differ between two instances.
     */
    @Test
    void digestWhenTwoRegisteredInterfacesMatchThenTheFirstRegisteredWinsInEveryJvm() {
      CanonicalArguments codeFirst = CanonicalArguments.builder()
          .encoder(Coded.class, Coded::code).encoder(Numbered.class, Numbered::number).build();
      CanonicalArguments numberFirst = CanonicalArguments.builder()
          .encoder(Numbered.class, Numbered::number).encoder(Coded.class, Coded::code).build();
      CanonicalArguments classToo = CanonicalArguments.builder()
          .encoder(Coded.class, Coded::code).encoder(Tenant.class, t -> "tenant").build();

      assertThat(codeFirst.digest(new Tenant())).isEqualTo(digest("eu"));
      assertThat(numberFirst.digest(new Tenant())).isEqualTo(digest(7));
      assertThat(classToo.digest(new Tenant())).as("the class's own encoder beats an interface's")
          .isEqualTo(digest("tenant"));
    }
  }

  @Test
  void digestWhenBigDecimalHasAHugeExponentThenRejectedBeforeItsBillionDigitsAreBuilt() {
    assertThatThrownBy(() -> STANDARD.digest(new BigDecimal("1E+999999999")))
        .isInstanceOf(UnsupportedArgumentException.class).hasMessageContaining("more than 1000 digits");
    assertThatThrownBy(() -> STANDARD.digest(new BigDecimal("1E-999999999")))
        .isInstanceOf(UnsupportedArgumentException.class);
    assertThat(STANDARD.digest(new BigDecimal("1" + "0".repeat(999))))
        .as("a thousand digits is still a value").hasSize(64);
  }
}
