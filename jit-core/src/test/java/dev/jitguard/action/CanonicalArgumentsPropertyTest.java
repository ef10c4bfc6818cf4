package dev.jitguard.action;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The property the class Javadoc promises: two argument lists have the same encoding (and digest) exactly when they are
 * the same value under the documented equivalences, and a list is rejected exactly when the Javadoc says so (an
 * unpaired surrogate, two map keys that are the same value).
 *
 * <p>"The same value" is decided by {@link #model}: a normal form written from the Javadoc's list of deliberate
 * equivalences (integers as {@code BigInteger}, decimals compared numerically, a {@code Character} as its
 * {@code String}, {@code Optional} unwrapped, arrays as lists, sets as multisets, maps as maps of normal forms, offset
 * and zoned times as instants), compared with {@code equals}. The pairs come from a fixed-seed {@link Random}, a
 * quarter each: independent; re-typed copies (the same value in other Java types, orders and classes); one-step
 * mutations (near misses); one text split at two places into adjacent strings. The values are drawn from small pools
 * rich in boundary cases (tag letters, NUL and length-like code units, surrogate pairs, lone surrogates, any code
 * unit, empty strings; 5 as every integral type; 1.5 and 1.50; two enums with a constant of the same name; records
 * with the same components), so that equal and almost-equal values are frequent;
 * {@link #generatedPairsThenCoverEqualDifferentAndRejected} checks that they are.
 * A fixed-seed generator under Jupiter's {@code @ParameterizedTest} rather than a property-testing library: jqwik 1.10
 * is built on JUnit Platform 1.x, and this build runs JUnit Platform 6.
 */
class CanonicalArgumentsPropertyTest {
  private static final long SEED = 0x5EED_2026L;
  private static final int PAIRS = 10_000;
  private static final CanonicalArguments STANDARD = CanonicalArguments.standard();

  enum Colour { RED, GREEN }

  enum Signal { RED, AMBER }

  record Pair(Object left, Object right) {}

  /** The same components as {@link Pair}: another type, so another value. */
  record Swapped(Object left, Object right) {}

  record Single(Object value) {}

  /** Two generated argument lists and how the second was made from the first. */
  record Case(List<Object> first, List<Object> second, String how) {
    @Override
    public String toString() {
      return how + ": " + describe(first) + " vs " + describe(second);
    }
  }

  static Stream<Case> pairs() {
    Gen gen = new Gen(new Random(SEED));
    return IntStream.range(0, PAIRS).mapToObj(i -> gen.pair());
  }

  @ParameterizedTest(name = "pair {index}")
  @MethodSource("pairs")
  void twoArgumentListsThenSameBytesExactlyWhenTheSameValueAndRejectedExactlyWhenDocumented(Case c) {
    Optional<Object> firstModel = modelOrRejected(c.first());
    Optional<Object> secondModel = modelOrRejected(c.second());
    Encoded first = Encoded.of(c.first());
    Encoded second = Encoded.of(c.second());

    assertThat(first.rejected()).as("first rejected, as documented? %s", c).isEqualTo(firstModel.isEmpty());
    assertThat(second.rejected()).as("second rejected, as documented? %s", c).isEqualTo(secondModel.isEmpty());
    if (firstModel.isPresent() && secondModel.isPresent()) {
      boolean same = firstModel.get().equals(secondModel.get());
      assertThat(Arrays.equals(first.bytes(), second.bytes())).as("same bytes iff same value (%s): %s", same, c)
          .isEqualTo(same);
      assertThat(first.digest().equals(second.digest())).as("same digest iff same value (%s): %s", same, c)
          .isEqualTo(same);
    }
    for (Encoded e : List.of(first, second)) {
      if (e.rejected()) {
        assertThat(e.error()).as("rejections name the path, never quote raw text: %s", c)
            .isInstanceOf(UnsupportedArgumentException.class).hasMessageStartingWith("argument ");
        assertThat(e.error().getMessage()).matches("[\\x20-\\x7e]*");
      }
    }
  }

  /** Guards the property against a generator that drifted into testing nothing. */
  @Test
  void generatedPairsThenCoverEqualDifferentAndRejected() {
    int equal = 0;
    int different = 0;
    int rejected = 0;
    int astral = 0;
    for (Case c : pairs().toList()) {
      Optional<Object> a = modelOrRejected(c.first());
      Optional<Object> b = modelOrRejected(c.second());
      if (a.isEmpty() || b.isEmpty()) {
        rejected++;
      } else if (a.get().equals(b.get())) {
        equal++;
        astral += describe(c.first()).contains("\\ud83c") ? 1 : 0;
      } else {
        different++;
      }
    }

    assertThat(equal + different + rejected).isEqualTo(PAIRS);
    assertThat(equal).as("pairs of the same value").isGreaterThan(PAIRS / 5);
    assertThat(different).as("pairs of different values").isGreaterThan(PAIRS / 5);
    assertThat(rejected).as("pairs with a rejected side").isGreaterThan(PAIRS / 50).isLessThan(PAIRS / 2);
    assertThat(astral).as("same-value pairs with a surrogate pair").isGreaterThan(PAIRS / 100);
  }

  /** The encoding of one argument list, or the exception that refused it. */
  record Encoded(byte[] bytes, String digest, RuntimeException error) {
    static Encoded of(List<Object> arguments) {
      try {
        byte[] bytes = STANDARD.encode(arguments);
        return new Encoded(bytes, STANDARD.digest(arguments), null);
      } catch (RuntimeException e) {
        return new Encoded(null, null, e);
      }
    }

    boolean rejected() {
      return error != null;
    }
  }

  // ---- The model: the documented notion of "the same value" ----

  /** Thrown by the model for what the Javadoc says is rejected. */
  private static final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Rejected() {
      super(null, null, false, false);
    }
  }

  private record Args(List<Object> values) {}

  private record Null() {}

  private record Str(String value) {}

  private record Int(BigInteger value) {}

  /** Numerically equal decimals are equal, whatever their scale. */
  private record Dec(BigDecimal value) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Dec d && value.compareTo(d.value) == 0;
    }

    @Override
    public int hashCode() {
      return value.stripTrailingZeros().hashCode();
    }
  }

  private record EnumConstant(String type, String name) {}

  private record Time(String type, Object value) {}

  private record Sequence(List<Object> elements) {}

  private record Multiset(Map<Object, Long> counts) {}

  private record Mapping(Map<Object, Object> entries) {}

  private record RecordValue(String type, List<Object> namesAndValues) {}

  private static Optional<Object> modelOrRejected(List<Object> arguments) {
    try {
      return Optional.of(new Args(arguments.stream().map(CanonicalArgumentsPropertyTest::model).toList()));
    } catch (Rejected e) {
      return Optional.empty();
    }
  }

  private static Object model(Object v) {
    if (v == null) {
      return new Null();
    }
    if (v instanceof Optional<?> o) {
      return model(o.orElse(null));
    }
    if (v instanceof String || v instanceof Character) {
      String s = v.toString();
      if (s.codePoints().anyMatch(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)) {
        throw new Rejected(); // a surrogate that codePoints() could not pair
      }
      return new Str(s);
    }
    if (v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long) {
      return new Int(BigInteger.valueOf(((Number) v).longValue()));
    }
    if (v instanceof BigInteger i) {
      return new Int(i);
    }
    if (v instanceof BigDecimal d) {
      return new Dec(d);
    }
    if (v instanceof Boolean || v instanceof UUID) {
      return v;
    }
    if (v instanceof Enum<?> e) {
      return new EnumConstant(e.getDeclaringClass().getName(), e.name());
    }
    if (v instanceof OffsetDateTime o) {
      return new Time("Instant", o.toInstant());
    }
    if (v instanceof ZonedDateTime z) {
      return new Time("Instant", z.toInstant());
    }
    if (v instanceof Instant || v instanceof LocalDate || v instanceof Duration) {
      return new Time(v.getClass().getSimpleName(), v);
    }
    if (v instanceof Record r) {
      List<Object> parts = new ArrayList<>();
      for (RecordComponent c : r.getClass().getRecordComponents()) {
        parts.add(c.getName());
        try {
          parts.add(model(c.getAccessor().invoke(r)));
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
      return new RecordValue(r.getClass().getName(), parts);
    }
    if (v instanceof Set<?> s) {
      return new Multiset(s.stream().map(CanonicalArgumentsPropertyTest::model)
          .collect(Collectors.groupingBy(m -> m, Collectors.counting())));
    }
    if (v instanceof Collection<?> c) {
      return new Sequence(c.stream().map(CanonicalArgumentsPropertyTest::model).toList());
    }
    if (v.getClass().isArray()) {
      return new Sequence(IntStream.range(0, Array.getLength(v)).mapToObj(i -> model(Array.get(v, i))).toList());
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> entries = new HashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Object key = model(e.getKey());
        if (entries.containsKey(key)) {
          throw new Rejected(); // two keys that are the same value
        }
        entries.put(key, model(e.getValue()));
      }
      return new Mapping(entries);
    }
    throw new AssertionError("the generator made a value the model does not know: " + v.getClass());
  }

  // ---- Generation ----

  /** Draws values from small pools of boundary cases, so that equal and almost-equal values are common. */
  static final class Gen {
    private static final String UNITS = "ab?\u0000\u0001\u0004\u00ffANZSIDEUTRLQM{}[],\u00e9\u20ac\ufffd\uffff";
    private static final String TAGS = "ANZSIDEUTRLQM";
    private static final int[] ASTRAL = {0x10000, 0x1F30D, 0x1F600, 0x10FFFF};
    private static final long[] INTEGERS = {0, 1, -1, 5, 42, 127, 128, -129, 32768, Integer.MAX_VALUE,
        Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final Instant NOON = Instant.parse("2026-01-01T12:00:00Z");
    private static final UUID[] UUIDS = {UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
        UUID.fromString("123e4567-e89b-12d3-a456-426614174001")};
    private static final Object[] ENUMS = {Colour.RED, Colour.GREEN, Signal.RED, Signal.AMBER, DayOfWeek.MONDAY};

    private final Random r;

    Gen(Random r) {
      this.r = r;
    }

    Case pair() {
      List<Object> first = arguments();
      return switch (r.nextInt(4)) {
        case 0 -> new Case(first, arguments(), "independent");
        case 1 -> new Case(first, retypeAll(first), "re-typed");
        case 2 -> new Case(first, mutateAll(first), "mutated");
        default -> resplit(first);
      };
    }

    /**
     * The same text split at two places into two adjacent strings, in the same context ({@code "aSb", "c"} and
     * {@code "a", "bSc"}): the classic way to break an encoding that delimits where it should count. The text holds
     * its splitting unit twice or more; half the time that unit is a tag letter.
     */
    private Case resplit(List<Object> context) {
      char unit = r.nextBoolean() ? TAGS.charAt(r.nextInt(TAGS.length())) : UNITS.charAt(r.nextInt(UNITS.length()));
      String text = text() + unit + text() + unit + text();
      List<Integer> at = IntStream.range(0, text.length()).filter(k -> text.charAt(k) == unit).boxed().toList();
      int one = at.get(r.nextInt(at.size()));
      int other = at.get(r.nextInt(at.size()));
      int position = r.nextInt(context.size() + 1);
      boolean nested = r.nextBoolean();
      return new Case(splitInto(context, position, nested, text, one), splitInto(context, position, nested, text,
          other), "re-split");
    }

    private static List<Object> splitInto(List<Object> context, int position, boolean nested, String text, int at) {
      List<Object> halves = List.of(text.substring(0, at), text.substring(at + 1));
      List<Object> out = new ArrayList<>(context);
      if (nested) {
        out.add(position, new ArrayList<>(halves));
      } else {
        out.addAll(position, halves);
      }
      return out;
    }

    private List<Object> arguments() {
      List<Object> args = new ArrayList<>();
      for (int i = r.nextInt(4); i > 0; i--) {
        args.add(value(0));
      }
      return args;
    }

    Object value(int depth) {
      int kinds = depth >= 3 ? 9 : 15;
      return switch (r.nextInt(kinds)) {
        case 0 -> null;
        case 1, 2 -> text();
        case 3 -> unit();
        case 4 -> integer();
        case 5 -> decimal();
        case 6 -> r.nextBoolean();
        case 7 -> ENUMS[r.nextInt(ENUMS.length)];
        case 8 -> r.nextBoolean() ? UUIDS[r.nextInt(2)] : time();
        case 9 -> list(depth);
        case 10 -> set(depth);
        case 11 -> map(depth);
        case 12 -> record(depth);
        case 13 -> Optional.ofNullable(value(depth + 1));
        default -> array(depth);
      };
    }

    private String text() {
      StringBuilder s = new StringBuilder();
      for (int i = r.nextInt(5); i > 0; i--) {
        int kind = r.nextInt(100);
        if (kind < 75) {
          s.append(UNITS.charAt(r.nextInt(UNITS.length())));
        } else if (kind < 93) {
          s.appendCodePoint(ASTRAL[r.nextInt(ASTRAL.length)]);
        } else if (kind < 97) {
          s.append((char) r.nextInt(0x10000)); // any code unit, a lone surrogate now and then
        } else {
          s.append((char) (Character.MIN_SURROGATE + r.nextInt(0x800))); // a lone (or accidentally paired) one
        }
      }
      return s.toString();
    }

    private Character unit() {
      int kind = r.nextInt(20);
      return kind == 0 ? (char) (Character.MIN_SURROGATE + r.nextInt(0x800))
          : UNITS.charAt(r.nextInt(UNITS.length()));
    }

    private Object integer() {
      if (r.nextInt(10) == 0) {
        return BigInteger.ONE.shiftLeft(64).add(BigInteger.valueOf(r.nextInt(3) - 1)); // beyond long
      }
      return integral(INTEGERS[r.nextInt(INTEGERS.length)]);
    }

    /** The integer in a random type that holds it. */
    private Object integral(long v) {
      int kind = r.nextInt(5);
      if (kind == 0 && v == (byte) v) {
        return (byte) v;
      }
      if (kind == 1 && v == (short) v) {
        return (short) v;
      }
      if (kind == 2 && v == (int) v) {
        return (int) v;
      }
      return kind == 3 ? BigInteger.valueOf(v) : (Object) v;
    }

    private BigDecimal decimal() {
      long[] unscaled = {0, 1, -1, 5, 15, 150, 1990};
      BigDecimal d = BigDecimal.valueOf(unscaled[r.nextInt(unscaled.length)], r.nextInt(5) - 2);
      return r.nextBoolean() ? d : d.setScale(Math.max(d.scale(), 0) + r.nextInt(3));
    }

    private Object time() {
      Instant at = NOON.plusSeconds(r.nextInt(2));
      return switch (r.nextInt(5)) {
        case 0 -> at;
        case 1 -> at.atOffset(ZoneOffset.ofHours(1));
        case 2 -> at.atZone(ZoneId.of("Asia/Tokyo"));
        case 3 -> LocalDate.of(2026, 1, 1 + r.nextInt(2));
        default -> Duration.ofMinutes(30 + r.nextInt(2));
      };
    }

    private List<Object> list(int depth) {
      List<Object> l = r.nextBoolean() ? new ArrayList<>() : new LinkedList<>();
      for (int i = r.nextInt(4); i > 0; i--) {
        l.add(value(depth + 1));
      }
      return l;
    }

    private Set<Object> set(int depth) {
      Set<Object> s = new LinkedHashSet<>(); // insertion order, so the draws after it do not depend on hash codes
      for (int i = r.nextInt(4); i > 0; i--) {
        s.add(r.nextBoolean() ? scalar() : value(depth + 1));
      }
      return s;
    }

    private Map<Object, Object> map(int depth) {
      Map<Object, Object> m = new LinkedHashMap<>(); // re-typing turns some into a HashMap
      for (int i = r.nextInt(4); i > 0; i--) {
        m.put(r.nextInt(4) == 0 ? value(depth + 1) : scalar(), value(depth + 1));
      }
      return m;
    }

    /** A small scalar: keys and set elements drawn from here are often the same value in another type. */
    private Object scalar() {
      return switch (r.nextInt(6)) {
        case 0 -> integral(r.nextInt(3));
        case 1 -> new BigDecimal(r.nextBoolean() ? "1.5" : "1.50");
        case 2 -> r.nextBoolean() ? "a" : (Object) 'a';
        case 3 -> r.nextBoolean() ? null : Optional.empty();
        case 4 -> ENUMS[r.nextInt(3)];
        default -> text();
      };
    }

    private Record record(int depth) {
      return switch (r.nextInt(3)) {
        case 0 -> new Pair(value(depth + 1), value(depth + 1));
        case 1 -> new Swapped(value(depth + 1), value(depth + 1));
        default -> new Single(value(depth + 1));
      };
    }

    private Object array(int depth) {
      int n = r.nextInt(4);
      return switch (r.nextInt(4)) {
        case 0 -> {
          Object[] a = new Object[n];
          Arrays.setAll(a, i -> value(depth + 1));
          yield a;
        }
        case 1 -> {
          long[] a = new long[n];
          Arrays.setAll(a, i -> INTEGERS[r.nextInt(INTEGERS.length)]);
          yield a;
        }
        case 2 -> {
          char[] a = new char[n];
          for (int i = 0; i < n; i++) {
            a[i] = unit();
          }
          yield a;
        }
        default -> {
          String[] a = new String[n];
          Arrays.setAll(a, i -> text());
          yield a;
        }
      };
    }

    // ---- Re-typing: the same value in other Java types, orders and classes ----

    private List<Object> retypeAll(List<Object> values) {
      List<Object> out = new ArrayList<>();
      values.forEach(v -> out.add(retype(v)));
      return out;
    }

    Object retype(Object v) {
      if (v == null) {
        return r.nextBoolean() ? Optional.empty() : null;
      }
      if (r.nextInt(8) == 0) {
        return Optional.of(v);
      }
      if (v instanceof Optional<?> o) {
        return r.nextBoolean() ? retype(o.orElse(null)) : Optional.ofNullable(retype(o.orElse(null)));
      }
      if (v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long) {
        return integral(((Number) v).longValue());
      }
      if (v instanceof BigInteger i) {
        return i.bitLength() < 64 ? integral(i.longValue()) : new BigInteger(i.toString());
      }
      if (v instanceof BigDecimal d) {
        return r.nextBoolean() ? d.setScale(d.scale() + 1 + r.nextInt(2)) : d.stripTrailingZeros();
      }
      if (v instanceof Character c) {
        return String.valueOf(c);
      }
      if (v instanceof String s) {
        return s.length() == 1 ? (Character) s.charAt(0) : new String(s);
      }
      if (v instanceof Instant i) {
        return i.atOffset(ZoneOffset.ofHours(-5));
      }
      if (v instanceof OffsetDateTime o) {
        return r.nextBoolean() ? o.toInstant() : o.atZoneSameInstant(ZoneId.of("Europe/Paris"));
      }
      if (v instanceof ZonedDateTime z) {
        return r.nextBoolean() ? z.toInstant() : z.toOffsetDateTime();
      }
      if (v instanceof Pair p) {
        return new Pair(retype(p.left()), retype(p.right()));
      }
      if (v instanceof Swapped p) {
        return new Swapped(retype(p.left()), retype(p.right()));
      }
      if (v instanceof Single s) {
        return new Single(retype(s.value()));
      }
      if (v instanceof Set<?> s) {
        List<Object> reversed = new ArrayList<>(s); // the same elements (re-typing them could merge two)
        Collections.reverse(reversed);
        return r.nextBoolean() ? new LinkedHashSet<>(reversed) : new HashSet<>(reversed);
      }
      if (v instanceof Collection<?> c) {
        List<Object> elements = new ArrayList<>();
        c.forEach(e -> elements.add(retype(e)));
        return r.nextBoolean() ? elements.toArray() : new LinkedList<>(elements);
      }
      if (v.getClass().isArray()) {
        List<Object> elements = new ArrayList<>();
        for (int i = 0; i < Array.getLength(v); i++) {
          elements.add(retype(Array.get(v, i)));
        }
        return elements;
      }
      if (v instanceof Map<?, ?> m) {
        List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet()); // the same keys, re-typed values
        Collections.reverse(entries);
        Map<Object, Object> out = r.nextBoolean() ? new LinkedHashMap<>() : new HashMap<>();
        entries.forEach(e -> out.put(e.getKey(), retype(e.getValue())));
        return out;
      }
      return v; // Boolean, UUID, enums, LocalDate, Duration: one representation each
    }

    // ---- Mutation: one step away, often a near miss ----

    private List<Object> mutateAll(List<Object> values) {
      List<Object> out = new ArrayList<>(values);
      if (out.isEmpty() || r.nextInt(6) == 0) {
        out.add(r.nextInt(out.size() + 1), value(1));
      } else {
        int i = r.nextInt(out.size());
        out.set(i, mutate(out.get(i)));
      }
      return out;
    }

    Object mutate(Object v) {
      if (v instanceof Optional<?> o && o.isPresent()) {
        return Optional.ofNullable(mutate(o.get()));
      }
      if (v instanceof Pair p) {
        return switch (r.nextInt(3)) {
          case 0 -> new Swapped(p.left(), p.right());
          case 1 -> new Pair(mutate(p.left()), p.right());
          default -> new Pair(p.left(), mutate(p.right()));
        };
      }
      if (v instanceof Swapped p) {
        return r.nextBoolean() ? new Pair(p.left(), p.right()) : new Swapped(p.right(), p.left());
      }
      if (v instanceof Single s) {
        return r.nextBoolean() ? new Single(mutate(s.value())) : s.value();
      }
      if (v instanceof List<?> l && !l.isEmpty()) {
        List<Object> out = new ArrayList<>(l);
        int i = r.nextInt(out.size());
        switch (r.nextInt(4)) {
          case 0 -> out.set(i, mutate(out.get(i)));
          case 1 -> Collections.swap(out, i, r.nextInt(out.size()));
          case 2 -> out.remove(i);
          default -> out.add(i, out.get(i)); // a duplicate element
        }
        return out;
      }
      if (v instanceof Set<?> s && !s.isEmpty()) {
        Set<Object> out = new LinkedHashSet<>(s);
        if (r.nextBoolean()) {
          out.remove(out.iterator().next());
        } else {
          out.add(scalar());
        }
        return out;
      }
      if (v instanceof Map<?, ?> m && !m.isEmpty()) {
        Map<Object, Object> out = new LinkedHashMap<>(m);
        List<Object> keys = new ArrayList<>(out.keySet());
        Object k = keys.get(r.nextInt(keys.size()));
        Object other = keys.get(r.nextInt(keys.size()));
        switch (r.nextInt(3)) {
          case 0 -> out.put(k, mutate(out.get(k)));
          case 1 -> { // swap two values
            Object value = out.get(k);
            out.put(k, out.get(other));
            out.put(other, value);
          }
          default -> out.put(scalar(), out.get(k));
        }
        return out;
      }
      if (v instanceof String s && !s.isEmpty() && r.nextBoolean()) {
        int i = r.nextInt(s.length());
        return s.substring(0, i) + UNITS.charAt(r.nextInt(UNITS.length())) + s.substring(i + 1);
      }
      if (v instanceof BigDecimal d && r.nextBoolean()) {
        return d.add(BigDecimal.ONE.movePointLeft(1 + r.nextInt(20)));
      }
      return switch (r.nextInt(4)) {
        case 0 -> retype(v);
        case 1 -> value(2);
        default -> sibling(v);
      };
    }

    /** Another value of the same kind: the nearest miss. */
    private Object sibling(Object v) {
      if (v instanceof Enum<?>) {
        return ENUMS[r.nextInt(ENUMS.length)];
      }
      if (v instanceof String) {
        return text();
      }
      if (v instanceof Character) {
        return unit();
      }
      if (v instanceof Number && !(v instanceof BigDecimal)) {
        return integer();
      }
      if (v instanceof BigDecimal) {
        return decimal();
      }
      if (v instanceof Boolean b) {
        return !b;
      }
      if (v instanceof UUID) {
        return UUIDS[r.nextInt(2)];
      }
      return v == null ? scalar() : time();
    }
  }

  // ---- Printing, escaped (the values hold control characters and lone surrogates) ----

  static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    String type = v.getClass().getSimpleName();
    if (v instanceof String s) {
      return dev.jitguard.internal.util.Text.quote(s);
    }
    if (v instanceof Character c) {
      return "'" + dev.jitguard.internal.util.Text.quote(String.valueOf(c)) + "'";
    }
    if (v instanceof Optional<?> o) {
      return "Optional(" + o.map(CanonicalArgumentsPropertyTest::describe).orElse("") + ")";
    }
    if (v instanceof Record rec) {
      List<String> parts = new ArrayList<>();
      for (RecordComponent c : rec.getClass().getRecordComponents()) {
        try {
          parts.add(describe(c.getAccessor().invoke(rec)));
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
      return type + parts;
    }
    if (v instanceof Collection<?> c) {
      return type + c.stream().map(CanonicalArgumentsPropertyTest::describe).toList();
    }
    if (v.getClass().isArray()) {
      return type + IntStream.range(0, Array.getLength(v)).mapToObj(i -> describe(Array.get(v, i))).toList();
    }
    if (v instanceof Map<?, ?> m) {
      return type + m.entrySet().stream().map(e -> describe(e.getKey()) + "=" + describe(e.getValue())).toList();
    }
    return type + "(" + v + ")";
  }
}
