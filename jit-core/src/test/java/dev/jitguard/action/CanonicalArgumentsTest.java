package dev.jitguard.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The canonical argument encoding: equal values give equal digests whatever their Java type or iteration order,
 * different values never collide (the boundary cases that break naive encodings included), and types without a
 * canonical form are rejected with a message naming the argument, never digested by identity.
 */
class CanonicalArgumentsTest {
  private static final CanonicalArguments STANDARD = CanonicalArguments.standard();

  enum Colour { RED, GREEN }

  enum Signal { RED, AMBER }

  record Refund(String orderId, BigDecimal amount, Colour colour) {}

  /** Same components as {@link Refund}, another type: another value. */
  record Chargeback(String orderId, BigDecimal amount, Colour colour) {}

  /** A domain class with no canonical form of its own (no equals, not a record). */
  static final class CustomerId {
    private final long value;

    CustomerId(long value) {
      this.value = value;
    }

    long value() {
      return value;
    }

    @Override
    public String toString() {
      return "CustomerId#" + value;
    }
  }

  interface Tenant {
    String code();
  }

  static final class EuTenant implements Tenant {
    @Override
    public String code() {
      return "eu";
    }
  }

  private static String digest(Object... arguments) {
    return STANDARD.digest(arguments);
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format("%02x", b));
    }
    return sb.toString();
  }

  @Nested
  class EqualValuesGiveEqualDigests {

    @Test
    void integralNumbersOfDifferentTypesWithSameValueThenSameDigest() {
      String five = digest(5);

      assertThat(digest(5L)).isEqualTo(five);
      assertThat(digest(BigInteger.valueOf(5))).isEqualTo(five);
      assertThat(digest((short) 5)).isEqualTo(five);
      assertThat(digest((byte) 5)).isEqualTo(five);
      assertThat(digest(-5L)).isEqualTo(digest(BigInteger.valueOf(-5)));
      assertThat(digest(Long.MAX_VALUE)).isEqualTo(digest(BigInteger.valueOf(Long.MAX_VALUE)));
    }

    @Test
    void bigDecimalWithTrailingZerosThenSameDigestAsWithout() {
      assertThat(digest(new BigDecimal("1.50"))).isEqualTo(digest(new BigDecimal("1.5")));
      assertThat(digest(new BigDecimal("1.500"))).isEqualTo(digest(new BigDecimal("1.5")));
      assertThat(digest(new BigDecimal("100"))).isEqualTo(digest(new BigDecimal("1E+2")));
      assertThat(digest(new BigDecimal("0.00"))).isEqualTo(digest(BigDecimal.ZERO));
      assertThat(digest(new BigDecimal("-0.0"))).isEqualTo(digest(BigDecimal.ZERO));
    }

    @Test
    void setsWithDifferentIterationOrderThenSameDigest() {
      Set<String> abc = new LinkedHashSet<>(List.of("a", "b", "c"));
      Set<String> cab = new LinkedHashSet<>(List.of("c", "a", "b"));
      Set<String> reversed = new TreeSet<>(Comparator.reverseOrder());
      reversed.addAll(abc);

      assertThat(digest(cab)).isEqualTo(digest(abc));
      assertThat(digest(reversed)).isEqualTo(digest(abc));
      assertThat(digest(Set.of("b", "c", "a"))).isEqualTo(digest(abc));
    }

    @Test
    void mapsWithDifferentEntryOrderThenSameDigest() {
      Map<String, Integer> ordered = new LinkedHashMap<>();
      ordered.put("alpha", 1);
      ordered.put("beta", 2);
      ordered.put("gamma", 3);
      Map<String, Integer> reordered = new LinkedHashMap<>();
      reordered.put("gamma", 3);
      reordered.put("alpha", 1);
      reordered.put("beta", 2);
      Map<String, Integer> sorted = new TreeMap<>(Comparator.reverseOrder());
      sorted.putAll(ordered);

      assertThat(digest(reordered)).isEqualTo(digest(ordered));
      assertThat(digest(sorted)).isEqualTo(digest(ordered));
      assertThat(digest(new HashMap<>(ordered))).isEqualTo(digest(ordered));
      assertThat(digest(Map.of("gamma", 3L, "beta", 2L, "alpha", 1L))).as("values as Long")
          .isEqualTo(digest(ordered));
    }

    @Test
    void recordsWithEqualComponentValuesThenSameDigest() {
      Refund one = new Refund("order-7", new BigDecimal("19.90"), Colour.RED);
      Refund same = new Refund(new String("order-7"), new BigDecimal("19.9"), Colour.RED);

      assertThat(digest(same)).isEqualTo(digest(one));
    }

    @Test
    void arraysAndListsWithSameElementsThenSameDigest() {
      assertThat(digest((Object) new int[] {1, 2, 3})).isEqualTo(digest(List.of(1, 2, 3)));
      assertThat(digest((Object) new String[] {"a", "b"})).isEqualTo(digest(new ArrayList<>(List.of("a", "b"))));
    }

    @Test
    void instantsWrittenWithDifferentOffsetsOrZonesThenSameDigest() {
      Instant instant = Instant.parse("2026-01-01T09:00:00Z");
      OffsetDateTime paris = OffsetDateTime.of(2026, 1, 1, 10, 0, 0, 0, ZoneOffset.ofHours(1));
      ZonedDateTime tokyo = ZonedDateTime.of(2026, 1, 1, 18, 0, 0, 0, ZoneId.of("Asia/Tokyo"));

      assertThat(digest(paris)).isEqualTo(digest(instant));
      assertThat(digest(tokyo)).isEqualTo(digest(instant));
    }

    @Test
    void characterAndOneCharacterStringAndOptionalOfValueThenSameDigest() {
      assertThat(digest('a')).isEqualTo(digest("a"));
      assertThat(digest(Optional.of("a"))).isEqualTo(digest("a"));
      assertThat(digest(Optional.empty())).isEqualTo(digest((Object) null));
    }

    @Test
    void sameArgumentsThroughVarargsAndListThenSameDigest() {
      assertThat(STANDARD.digest(Arrays.asList(42L, "x", null))).isEqualTo(digest(42L, "x", null));
      assertThat(ActionBinding.of("customers.erase", 42L).argumentDigest()).isEqualTo(digest(42));
    }
  }

  @Nested
  class DifferentValuesGiveDifferentDigests {

    @Test
    void stringsSplitAtDifferentPlacesThenDifferentDigests() {
      assertThat(digest("ab", "c")).isNotEqualTo(digest("a", "bc"));
      assertThat(digest("abc")).isNotEqualTo(digest("ab", "c"));
      assertThat(digest(List.of("ab", "c"))).isNotEqualTo(digest(List.of("a", "bc")));
      assertThat(digest(Map.of("ab", "c"))).isNotEqualTo(digest(Map.of("a", "bc")));
    }

    @Test
    void listsNestedDifferentlyThenDifferentDigests() {
      assertThat(digest(List.of(1, List.of(2)))).isNotEqualTo(digest(List.of(List.of(1), 2)));
      assertThat(digest(List.of(1, 2))).isNotEqualTo(digest(1, 2));
      assertThat(digest(List.of(List.of()))).isNotEqualTo(digest(List.of()));
      assertThat(digest(List.of(), List.of(1))).isNotEqualTo(digest(List.of(1), List.of()));
    }

    @Test
    void nullAndTheStringNullAndAnAbsentArgumentThenThreeDifferentDigests() {
      String nullArgument = digest((Object) null);
      String nullString = digest("null");
      String noArgument = digest();

      assertThat(List.of(nullArgument, nullString, noArgument)).doesNotHaveDuplicates();
      assertThat(digest("")).isNotIn(nullArgument, nullString, noArgument);
      assertThat(digest("x", null)).isNotEqualTo(digest("x"));
    }

    @Test
    void enumsOfTwoClassesWithTheSameConstantNameThenDifferentDigests() {
      assertThat(Colour.RED.name()).isEqualTo(Signal.RED.name());

      assertThat(digest(Colour.RED)).isNotEqualTo(digest(Signal.RED));
      assertThat(digest(Colour.RED)).isNotEqualTo(digest("RED"));
      assertThat(digest(Colour.RED)).isNotEqualTo(digest(Colour.GREEN));
    }

    @Test
    void listAndSetOfTheSameElementsThenDifferentDigests() {
      assertThat(digest(List.of("a", "b"))).isNotEqualTo(digest(new LinkedHashSet<>(List.of("a", "b"))));
      assertThat(digest(List.of("a", "b"))).as("lists keep their order").isNotEqualTo(digest(List.of("b", "a")));
    }

    @Test
    void valuesOfDifferentKindsWithTheSameTextThenDifferentDigests() {
      assertThat(digest(5)).isNotEqualTo(digest("5"));
      assertThat(digest(5)).isNotEqualTo(digest(new BigDecimal("5.1")));
      assertThat(digest(true)).isNotEqualTo(digest("true"));
      assertThat(digest(LocalDate.of(2026, 1, 1))).isNotEqualTo(digest("2026-01-01"));
      UUID id = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
      assertThat(digest(id)).isNotEqualTo(digest(id.toString()));
      assertThat(digest(Map.of("a", "b"))).isNotEqualTo(digest(List.of("a", "b")));
      assertThat(digest(Map.of("a", "b"))).isNotEqualTo(digest(Map.of("b", "a")));
    }

    @Test
    void recordsDifferingInOneComponentOrInTypeThenDifferentDigests() {
      Refund refund = new Refund("order-7", new BigDecimal("19.90"), Colour.RED);

      assertThat(digest(new Refund("order-7", new BigDecimal("19.91"), Colour.RED))).isNotEqualTo(digest(refund));
      assertThat(digest(new Refund("order-8", new BigDecimal("19.90"), Colour.RED))).isNotEqualTo(digest(refund));
      assertThat(digest(new Chargeback("order-7", new BigDecimal("19.90"), Colour.RED)))
          .isNotEqualTo(digest(refund));
      assertThat(digest(List.of("order-7", new BigDecimal("19.90"), Colour.RED))).isNotEqualTo(digest(refund));
    }

    @Test
    void bigDecimalsThatDifferOnlyFarRightThenDifferentDigests() {
      assertThat(digest(new BigDecimal("1.5"))).isNotEqualTo(digest(new BigDecimal("1.50000000000000000001")));
      assertThat(digest(new BigDecimal("15"))).isNotEqualTo(digest(new BigDecimal("1.5")));
    }
  }

  @Nested
  class UnsupportedTypesAreRejected {

    @Test
    void doubleArgumentThenRejectedWithMessageSuggestingBigDecimal() {
      Throwable t = catchThrowable(() -> digest("order-7", 19.90d));

      assertThat(t).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 1").hasMessageContaining("Double").hasMessageContaining("BigDecimal");
    }

    @Test
    void floatArgumentNestedInAListThenRejectedWithMessageSuggestingBigDecimal() {
      Throwable t = catchThrowable(() -> digest(List.of(1, 2.5f)));

      assertThat(t).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 0[1]").hasMessageContaining("Float").hasMessageContaining("BigDecimal");
    }

    @Test
    void doubleArrayArgumentThenRejected() {
      assertThatThrownBy(() -> digest((Object) new double[] {1.5}))
          .isInstanceOf(UnsupportedArgumentException.class).hasMessageContaining("argument 0");
    }

    @Test
    void plainObjectArgumentThenRejectedNamingIndexAndType() {
      Throwable t = catchThrowable(() -> digest("x", new Object()));

      assertThat(t).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 1").hasMessageContaining("java.lang.Object")
          .hasMessageContaining("ArgumentEncoder");
    }

    @Test
    void fileArgumentThenRejectedNamingIndexAndTypeNeverDigestedByIdentity() {
      File file = new File("customers.csv");

      Throwable t = catchThrowable(() -> digest(42, "x", file));

      assertThat(t).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 2").hasMessageContaining("java.io.File");
      assertThatThrownBy(() -> ActionBinding.of("files.delete", file))
          .as("no binding, so no approval bound to an identity hash")
          .isInstanceOf(UnsupportedArgumentException.class);
    }

    @Test
    void unsupportedTypeInsideARecordThenRejectedNamingTheComponent() {
      record Upload(String name, File file) {}

      Throwable t = catchThrowable(() -> digest(new Upload("a", new File("a"))));

      assertThat(t).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 0.file").hasMessageContaining("java.io.File");
    }

    @Test
    void domainClassWithoutEncoderThenRejectedByTheStandardEncoding() {
      assertThatThrownBy(() -> digest(new CustomerId(42)))
          .isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("argument 0").hasMessageContaining(CustomerId.class.getName());
    }
  }

  @Nested
  class RegisteredEncoders {
    private final CanonicalArguments withCustomers = CanonicalArguments.builder()
        .encoder(CustomerId.class, CustomerId::value)
        .encoder(Tenant.class, Tenant::code)
        .build();

    @Test
    void domainClassWithRegisteredEncoderThenEncodedByValueNotIdentity() {
      String first = withCustomers.digest(new CustomerId(42));
      String second = withCustomers.digest(new CustomerId(42));

      assertThat(second).as("two instances, same value").isEqualTo(first);
      assertThat(withCustomers.digest(new CustomerId(43))).isNotEqualTo(first);
      assertThat(first).as("the encoder's stand-in is what is digested").isEqualTo(withCustomers.digest(42L));
    }

    @Test
    void encoderRegisteredForAnInterfaceThenUsedForItsImplementations() {
      assertThat(withCustomers.digest(new EuTenant())).isEqualTo(withCustomers.digest("eu"));
      assertThat(withCustomers.supports(EuTenant.class)).isTrue();
    }

    @Test
    void domainValuesNestedInCollectionsThenEncodedToo() {
      assertThat(withCustomers.digest(List.of(new CustomerId(1), new CustomerId(2))))
          .isEqualTo(withCustomers.digest(List.of(1, 2)));
      assertThat(withCustomers.digest(Set.of(new CustomerId(1), new CustomerId(2))))
          .isEqualTo(withCustomers.digest(Set.of(new CustomerId(2), new CustomerId(1))));
    }

    @Test
    void bindingWithRegisteredEncoderThenDigestFromThatEncoding() {
      ActionBinding binding = ActionBinding.of("customers.erase", withCustomers, List.of(new CustomerId(42)));

      assertThat(binding.argumentDigest()).isEqualTo(withCustomers.digest(42));
      assertThat(binding.preview()).isEqualTo("customers.erase(CustomerId#42)");
    }
  }

  @Nested
  class NestingAndCycles {

    private Object nested(int levels) {
      Object v = "x";
      for (int i = 0; i < levels; i++) {
        v = List.of(v);
      }
      return v;
    }

    @Test
    void selfContainingListThenRejectedNotHung() {
      List<Object> loop = new ArrayList<>();
      loop.add("a");
      loop.add(loop);

      Throwable t = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> catchThrowable(() -> digest(loop)));

      assertThat(t).isInstanceOf(UnsupportedArgumentException.class).hasMessageContaining("argument 0")
          .hasMessageContaining("cycle");
    }

    @Test
    void selfContainingMapThenRejectedNotHung() {
      Map<String, Object> loop = new HashMap<>();
      loop.put("self", loop);

      Throwable t = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> catchThrowable(() -> digest(loop)));

      assertThat(t).isInstanceOf(UnsupportedArgumentException.class).hasMessageContaining("cycle");
    }

    @Test
    void nestingOfThirtyTwoLevelsThenAcceptedAndThirtyThreeRejected() {
      assertThat(digest(nested(32))).hasSize(64);
      assertThatThrownBy(() -> digest(nested(33))).isInstanceOf(UnsupportedArgumentException.class)
          .hasMessageContaining("deeper than 32");
    }
  }

  @Nested
  class Stability {

    /**
     * Pinned once from this implementation, and cross-checked then with an independent encoder written from the
     * class Javadoc alone. The encoding is a stored, cross-release contract (approvals and grants keep the digest):
     * if this fails, the encoding changed and existing approvals would no longer match their calls.
     */
    private static final String PINNED =
        "51e80730e7716cd4d0bde57ac109eea99258ca459201bbebf3973d68c6cd30ab";

    private List<Object> fixedArguments() {
      Map<String, Object> limits = new LinkedHashMap<>();
      limits.put("max", new BigDecimal("250.00"));
      limits.put("days", 30);
      return Arrays.asList(42, "Jane Doe", new BigDecimal("19.90"),
          UUID.fromString("123e4567-e89b-12d3-a456-426614174000"), LocalDate.of(2026, 1, 31),
          Instant.parse("2026-01-01T09:00:00Z"), Duration.ofMinutes(30), DayOfWeek.MONDAY, true, null,
          List.of(1, List.of(2, 3)), new LinkedHashSet<>(List.of("b", "a")), limits, Optional.of("x"),
          "Zoë 🌍");
    }

    @Test
    void fixedArgumentListThenPinnedDigest() {
      assertThat(STANDARD.digest(fixedArguments())).isEqualTo(PINNED);
    }

    @Test
    void fixedArgumentListThenSameDigestEveryTimeAndMatchesTheBinding() {
      String first = STANDARD.digest(fixedArguments());

      assertThat(STANDARD.digest(fixedArguments())).isEqualTo(first);
      assertThat(CanonicalArguments.builder().build().digest(fixedArguments())).isEqualTo(first);
      assertThat(ActionBinding.of("x", STANDARD, fixedArguments()).argumentDigest()).isEqualTo(first);
      assertThat(first).matches("[0-9a-f]{64}");
    }

    @Test
    void encodingOfSmallArgumentListThenTheDocumentedBytes() {
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      expected.writeBytes(new byte[] {'A', 0, 0, 0, 3});                 // three arguments
      expected.writeBytes(new byte[] {'I', 0, 0, 0, 2, '4', '2'});      // 42: decimal digits
      expected.writeBytes(new byte[] {'S', 0, 0, 0, 3});                 // "hé": 3 UTF-8 bytes
      expected.writeBytes("hé".getBytes(StandardCharsets.UTF_8));
      expected.write('N');                                               // null

      assertThat(hex(STANDARD.encode(Arrays.asList(42, "hé", null)))).isEqualTo(hex(expected.toByteArray()));
    }

    @Test
    void setEncodingThenElementsSortedBytewise() {
      byte[] setBytes = STANDARD.encode(List.of(new LinkedHashSet<>(List.of("b", "a"))));

      assertThat(hex(setBytes)).isEqualTo(hex(new byte[] {'A', 0, 0, 0, 1, 'Q', 0, 0, 0, 2,
          'S', 0, 0, 0, 1, 'a', 'S', 0, 0, 0, 1, 'b'}));
    }
  }

  @Nested
  class Supports {

    @Test
    void encodableParameterTypesThenSupported() {
      List<Class<?>> types = List.of(String.class, char.class, Character.class, boolean.class, byte.class,
          short.class, int.class, long.class, Integer.class, Long.class, BigInteger.class, BigDecimal.class,
          UUID.class, Instant.class, LocalDate.class, OffsetDateTime.class, ZonedDateTime.class, Duration.class,
          Colour.class, DayOfWeek.class, Refund.class, List.class, Set.class, Map.class, ArrayList.class,
          Optional.class, String[].class, long[].class, Refund[].class);

      assertThat(types).allSatisfy(t -> assertThat(STANDARD.supports(t)).as("%s", t).isTrue());
    }

    @Test
    void floatingPointAndUnknownParameterTypesThenNotSupported() {
      List<Class<?>> types = List.of(float.class, double.class, Float.class, Double.class, Object.class,
          File.class, Number.class, Temporal.class, CustomerId.class, Iterable.class);

      assertThat(types).allSatisfy(t -> assertThat(STANDARD.supports(t)).as("%s", t).isFalse());
    }

    /** Regression: every array type was reported as supported, so a double[] parameter passed start-up checks. */
    @Test
    void arrayOfUnencodableComponentTypeThenNotSupportedSinceEveryCallWouldBeRejected() {
      List<Class<?>> types = List.of(double[].class, float[].class, Double[].class, File[].class,
          double[][].class);

      assertThat(types).allSatisfy(t -> assertThat(STANDARD.supports(t)).as("%s", t).isFalse());
      assertThat(STANDARD.supports(int[][].class)).isTrue();
      assertThatThrownBy(() -> digest((Object) new File[] {new File("a")}))
          .isInstanceOf(UnsupportedArgumentException.class).hasMessageContaining("argument 0[0]");
    }

    @Test
    void domainTypeWithRegisteredEncoderThenSupported() {
      CanonicalArguments withCustomers = CanonicalArguments.builder()
          .encoder(CustomerId.class, CustomerId::value).build();

      assertThat(withCustomers.supports(CustomerId.class)).isTrue();
      assertThat(withCustomers.supports(CustomerId[].class)).isTrue();
      assertThat(STANDARD.supports(CustomerId.class)).isFalse();
    }
  }

  @Nested
  class Bindings {

    @Test
    void defaultPreviewListsTheArgumentsInOrder() {
      ActionBinding b = ActionBinding.of("customers.erase", 42L, "GDPR art. 17", null);

      assertThat(b.action()).isEqualTo("customers.erase");
      assertThat(b.preview()).isEqualTo("customers.erase(42, GDPR art. 17, null)");
      assertThat(b.argumentDigest()).isEqualTo(digest(42, "GDPR art. 17", null));
    }

    @Test
    void sameCallIgnoresThePreviewButNotTheArguments() {
      ActionBinding b = ActionBinding.of("customers.erase", 42L);

      assertThat(b.withPreview("Erase customer 42").sameCall(b)).isTrue();
      assertThat(ActionBinding.of("customers.erase", 43L).sameCall(b)).isFalse();
      assertThat(ActionBinding.of("customers.export", 42L).sameCall(b)).isFalse();
    }

    /** Regression: the default preview was cut at a fixed index, splitting an emoji, and the binding then threw. */
    @Test
    void defaultPreviewLongerThanLimitWithNonBmpCharactersThenTruncatedWithoutSplittingASurrogatePair() {
      String note = "🌍".repeat(1500);

      ActionBinding b = ActionBinding.of("x", note);

      assertThat(b.preview()).endsWith("...").hasSizeLessThanOrEqualTo(2000);
      assertThat(b.preview().codePoints().filter(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE))
          .as("unpaired surrogates").isEmpty();
      assertThat(b.argumentDigest()).as("the digest covers the whole argument").isEqualTo(digest(note));
    }

    @Test
    void digestThatIsNotSha256HexThenRejected() {
      assertThatThrownBy(() -> new ActionBinding("x", "abc", "p")).hasMessageContaining("64 lowercase hex");
      assertThatThrownBy(() -> new ActionBinding("x", digest(1).toUpperCase(), "p"))
          .hasMessageContaining("64 lowercase hex");
      assertThat(new ActionBinding("x", digest(1), "p").argumentDigest()).isEqualTo(digest(1));
    }
  }
}
