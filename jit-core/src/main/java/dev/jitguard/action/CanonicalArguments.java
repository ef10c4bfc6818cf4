package dev.jitguard.action;

import dev.jitguard.internal.util.Text;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The canonical encoding of action arguments, and its SHA-256 digest. Equal arguments give equal digests in every
 * JVM and release; different arguments give different digests, except for the deliberate equivalences listed below.
 *
 * <p><b>Encoding.</b> Each value is written as a one-byte type tag followed by its content; strings and other
 * variable-length parts are prefixed with their length, so no two different argument lists encode to the same bytes:
 * <ul>
 *   <li>{@code null}: tag {@code N}.</li>
 *   <li>{@code Boolean}: {@code Z} then {@code 1}/{@code 0}.</li>
 *   <li>{@code String}, {@code Character}: {@code S} then UTF-8 bytes (length-prefixed). Text must be valid UTF-16:
 *       an unpaired surrogate (a lone U+D800, say) has no UTF-8 form, so it is rejected with
 *       {@link UnsupportedArgumentException}, never replaced (a replacement would make it the same as {@code "?"}).
 *       </li>
 *   <li>Integral numbers ({@code Byte, Short, Integer, Long, BigInteger}): {@code I} then the decimal digits, so
 *       {@code 5}, {@code 5L} and {@code BigInteger.valueOf(5)} are the same value.</li>
 *   <li>{@code BigDecimal}: {@code D} then the plain string of the value with trailing zeros stripped, so
 *       {@code 1.50} and {@code 1.5} are the same amount. A value with more than 1000 digits before or after the
 *       point is rejected ({@code 1E+999999999} would otherwise expand to a billion digits). {@code Float}/{@code Double}
 *       are rejected (binary fractions are not exact amounts): use {@code BigDecimal}.</li>
 *   <li>Enums: {@code E} then the enum's class name and constant name.</li>
 *   <li>{@code UUID}: {@code U} then its canonical lowercase string.</li>
 *   <li>Dates and times ({@code Instant, LocalDate, LocalTime, LocalDateTime, OffsetDateTime, ZonedDateTime,
 *       Duration}): {@code T} then the type's simple name and its ISO-8601 string ({@code OffsetDateTime} and
 *       {@code ZonedDateTime} as the {@code Instant} they denote).</li>
 *   <li>Records: {@code R} then the record class name, the component count, and each component name and value in
 *       declaration order.</li>
 *   <li>Lists, arrays and other ordered collections: {@code L}, the number of elements, then each element in
 *       iteration order (the elements are counted as they are written, so a collection whose {@code size()}
 *       disagrees with its iterator still encodes unambiguously). Sets: {@code Q}, the size, then the elements'
 *       encodings sorted bytewise (so iteration order does not matter).</li>
 *   <li>Maps: {@code M}, the size, then (key, value) encodings sorted bytewise by key encoding. Two keys that are the
 *       same value once encoded (such as {@code 5} and {@code 5L}, {@code 1.5} and {@code 1.50}, {@code 'a'} and
 *       {@code "a"}, or {@code null} and {@code Optional.empty()}) are rejected: which of their values is meant is
 *       ambiguous, and swapping their values would not change the encoding.</li>
 *   <li>{@code Optional}: its value or {@code null}.</li>
 *   <li>A value of a type with a registered {@link ArgumentEncoder}: the encoding of the encoder's result (no tag of
 *       its own). Where several registered types match a value, its class or nearest superclass wins, else the
 *       interface registered first.</li>
 * </ul>
 * Any other type is rejected with {@link UnsupportedArgumentException}, unless an {@link ArgumentEncoder} was
 * registered for it. Nesting deeper than 32 levels is rejected (cycles cannot hang it). Every rejection happens before
 * a digest exists and names the argument by its path ({@code argument 0}, {@code argument 1[2]},
 * {@code argument 0.amount}, {@code argument 2{"key"}}), never quoting the offending text itself.
 *
 * <p><b>Deliberately the same value.</b> These, and only these, give the same encoding although they differ in Java:
 * <ul>
 *   <li>the same integer as {@code Byte}, {@code Short}, {@code Integer}, {@code Long} or {@code BigInteger};</li>
 *   <li>{@code BigDecimal}s that are numerically equal ({@code compareTo} is 0: {@code 1.5}, {@code 1.50},
 *       {@code 0.00} and {@code 0});</li>
 *   <li>a {@code Character} and the one-character {@code String} of it;</li>
 *   <li>{@code Optional.of(x)} and {@code x}; {@code Optional.empty()} and {@code null};</li>
 *   <li>an array and a list (or other non-set collection) with the same elements in the same order, whatever the
 *       array's component type or the collection's class;</li>
 *   <li>sets with the same elements, and maps with the same entries, whatever their class or iteration order (a set
 *       holding two elements that are the same value, such as {@code 5} and {@code 5L}, encodes both, so it is the
 *       same as another set holding two such elements, and differs from the set of one);</li>
 *   <li>an {@code OffsetDateTime} or {@code ZonedDateTime} and the {@code Instant} it denotes (the offset or zone is
 *       not part of the value);</li>
 *   <li>two types of the same fully qualified name (from two class loaders);</li>
 *   <li>a value with a registered {@link ArgumentEncoder} and the encoder's result (so two domain types whose
 *       encoders return the same number are the same value: return a record to keep them apart).</li>
 * </ul>
 * Applied element by element, component by component: {@code List.of(5, 'a')} and {@code new Object[] {5L, "a"}}
 * are the same. Anything else that differs gives different bytes.
 *
 * <p><b>Mutable arguments.</b> The digest is taken from the values as they are when it is computed (at the check,
 * just before the method runs); what was approved is what runs. A caller that changes an argument after approval gets
 * a different digest and is denied.
 *
 * <p>Immutable and thread-safe.
 */
public final class CanonicalArguments {
  private static final CanonicalArguments DEFAULT = builder().build();
  private static final int MAX_DEPTH = 32;
  /** Most digits a BigDecimal argument may have before, and after, the point (its plain form is built). */
  private static final int MAX_DIGITS = 1000;

  private final Map<Class<?>, ArgumentEncoder<Object>> encoders;

  private CanonicalArguments(Map<Class<?>, ArgumentEncoder<Object>> encoders) {
    // Registration order is kept: it decides between two registered interfaces a value implements. Map.copyOf would
    // iterate in an order salted per JVM, so two instances could digest the same value differently.
    this.encoders = Collections.unmodifiableMap(new LinkedHashMap<>(encoders));
  }

  /**
   * The encoder for the built-in types only.
   *
   * @return the default instance
   */
  public static CanonicalArguments standard() {
    return DEFAULT;
  }

  /**
   * Starts a builder, to register encoders for domain types.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The SHA-256 digest of the canonical encoding, as 64 lowercase hex characters.
   *
   * @param arguments the arguments, in order
   * @return the digest
   * @throws UnsupportedArgumentException if an argument cannot be encoded
   */
  public String digest(Object... arguments) {
    return digest(Arrays.asList(arguments));
  }

  /**
   * The SHA-256 digest of the canonical encoding of a list of arguments.
   *
   * @param arguments the arguments, in order (nulls allowed)
   * @return 64 lowercase hex characters
   * @throws UnsupportedArgumentException if an argument cannot be encoded
   */
  public String digest(List<?> arguments) {
    return HexFormat.of().formatHex(sha256(encode(arguments)));
  }

  /**
   * The canonical encoding itself (for tests and for stores that keep it).
   *
   * @param arguments the arguments
   * @return the bytes
   * @throws UnsupportedArgumentException if an argument cannot be encoded
   */
  public byte[] encode(List<?> arguments) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write('A');
    writeLength(out, arguments.size());
    for (int i = 0; i < arguments.size(); i++) {
      write(out, arguments.get(i), "argument " + i, 0);
    }
    return out.toByteArray();
  }

  /**
   * Whether a type can be encoded (checked at start-up for annotated methods' parameter types). Interfaces and
   * abstract types that are not collections or maps are not supported: their runtime class is unknown. Arrays are
   * supported when their component type is.
   *
   * @param type the declared type
   * @return true if supported
   */
  public boolean supports(Class<?> type) {
    Class<?> t = type.isPrimitive() ? boxed(type) : type;
    if (t == Float.class || t == Double.class) {
      return false;
    }
    return t == String.class || t == Character.class || t == Boolean.class || t == Byte.class || t == Short.class
        || t == Integer.class || t == Long.class || t == BigInteger.class || t == BigDecimal.class
        || t == UUID.class || t == Optional.class || t.isEnum() || t.isRecord()
        || (t.isArray() && supports(t.getComponentType())) // double[] or File[] can never be encoded
        || Collection.class.isAssignableFrom(t) || Map.class.isAssignableFrom(t) || isTime(t)
        || encoderFor(t) != null;
  }

  private static Class<?> boxed(Class<?> p) {
    if (p == int.class) {
      return Integer.class;
    }
    if (p == long.class) {
      return Long.class;
    }
    if (p == boolean.class) {
      return Boolean.class;
    }
    if (p == short.class) {
      return Short.class;
    }
    if (p == byte.class) {
      return Byte.class;
    }
    if (p == char.class) {
      return Character.class;
    }
    if (p == float.class) {
      return Float.class;
    }
    return Double.class;
  }

  private static boolean isTime(Class<?> t) {
    return t == Instant.class || t == LocalDate.class || t == LocalTime.class || t == LocalDateTime.class
        || t == OffsetDateTime.class || t == ZonedDateTime.class || t == Duration.class;
  }

  private ArgumentEncoder<Object> encoderFor(Class<?> t) {
    for (Class<?> c = t; c != null; c = c.getSuperclass()) {
      ArgumentEncoder<Object> e = encoders.get(c);
      if (e != null) {
        return e;
      }
    }
    for (Map.Entry<Class<?>, ArgumentEncoder<Object>> e : encoders.entrySet()) {
      if (e.getKey().isAssignableFrom(t)) {
        return e.getValue();
      }
    }
    return null;
  }

  private void write(ByteArrayOutputStream out, Object v, String path, int depth) {
    if (depth > MAX_DEPTH) {
      throw new UnsupportedArgumentException(path + " nests deeper than " + MAX_DEPTH
          + " levels (a cycle?); pass a flatter value");
    }
    if (v == null) {
      out.write('N');
      return;
    }
    ArgumentEncoder<Object> custom = encoderFor(v.getClass());
    if (custom != null) {
      write(out, Objects.requireNonNull(custom.encode(v), "an ArgumentEncoder returned null for " + path), path,
          depth + 1);
      return;
    }
    if (v instanceof Boolean b) {
      out.write('Z');
      out.write(b ? '1' : '0');
    } else if (v instanceof String || v instanceof Character) {
      out.write('S');
      writeBytes(out, utf8(v.toString(), path));
    } else if (v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long
        || v instanceof BigInteger) {
      out.write('I');
      writeBytes(out, v.toString().getBytes(StandardCharsets.US_ASCII));
    } else if (v instanceof BigDecimal d) {
      out.write('D');
      BigDecimal n = d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
      // The plain string of 1E+999999999 has a billion digits: bound it before building it.
      if (n.precision() - n.scale() > MAX_DIGITS || n.scale() > MAX_DIGITS) {
        throw new UnsupportedArgumentException(path + " is a BigDecimal with more than " + MAX_DIGITS + " digits "
            + "before or after the point, which is no amount; pass a value of at most " + MAX_DIGITS + " digits");
      }
      writeBytes(out, n.toPlainString().getBytes(StandardCharsets.US_ASCII));
    } else if (v instanceof Float || v instanceof Double) {
      throw new UnsupportedArgumentException(path + " is a " + v.getClass().getSimpleName()
          + ": binary floating point is not an exact value; use BigDecimal for amounts");
    } else if (v instanceof Enum<?> e) {
      out.write('E');
      writeBytes(out, utf8(e.getDeclaringClass().getName(), path));
      writeBytes(out, utf8(e.name(), path));
    } else if (v instanceof UUID u) {
      out.write('U');
      writeBytes(out, u.toString().getBytes(StandardCharsets.US_ASCII));
    } else if (v instanceof OffsetDateTime o) {
      time(out, "Instant", o.toInstant().toString());
    } else if (v instanceof ZonedDateTime z) {
      time(out, "Instant", z.toInstant().toString());
    } else if (v instanceof TemporalAccessor || v instanceof Duration) {
      if (!isTime(v.getClass())) {
        throw unsupported(v, path);
      }
      time(out, v.getClass().getSimpleName(), v.toString());
    } else if (v instanceof Optional<?> o) {
      write(out, o.orElse(null), path, depth + 1);
    } else if (v instanceof Record r) {
      out.write('R');
      writeBytes(out, utf8(r.getClass().getName(), path));
      RecordComponent[] components = r.getClass().getRecordComponents();
      writeLength(out, components.length);
      for (RecordComponent c : components) {
        writeBytes(out, utf8(c.getName(), path));
        Object value;
        try {
          c.getAccessor().setAccessible(true);
          value = c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException | RuntimeException e) {
          throw new UnsupportedArgumentException(path + "." + c.getName() + " of record " + r.getClass().getName()
              + " could not be read (" + e.getClass().getSimpleName() + "); make the record accessible or register "
              + "an ArgumentEncoder");
        }
        write(out, value, path + "." + c.getName(), depth + 1);
      }
    } else if (v instanceof Set<?> set) {
      List<byte[]> parts = new ArrayList<>();
      for (Object e : set) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        write(p, e, path + "[]", depth + 1);
        parts.add(p.toByteArray());
      }
      parts.sort(Arrays::compareUnsigned);
      out.write('Q');
      writeLength(out, parts.size());
      parts.forEach(out::writeBytes);
    } else if (v instanceof Collection<?> c) {
      // Count what is written, not c.size(): a concurrent or faulty collection may disagree with its iterator, and a
      // count that is not the element count would let the bytes be read as other values.
      ByteArrayOutputStream elements = new ByteArrayOutputStream();
      int i = 0;
      for (Object e : c) {
        write(elements, e, path + "[" + i++ + "]", depth + 1);
      }
      out.write('L');
      writeLength(out, i);
      out.writeBytes(elements.toByteArray());
    } else if (v.getClass().isArray()) {
      if (v instanceof float[] || v instanceof double[]) {
        throw unsupported(v, path);
      }
      int n = Array.getLength(v);
      out.write('L');
      writeLength(out, n);
      for (int i = 0; i < n; i++) {
        write(out, Array.get(v, i), path + "[" + i + "]", depth + 1);
      }
    } else if (v instanceof Map<?, ?> m) {
      List<byte[][]> entries = new ArrayList<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        ByteArrayOutputStream k = new ByteArrayOutputStream();
        write(k, e.getKey(), path + "{key}", depth + 1);
        ByteArrayOutputStream val = new ByteArrayOutputStream();
        write(val, e.getValue(), path + "{" + keyLabel(e.getKey()) + "}", depth + 1);
        entries.add(new byte[][] {k.toByteArray(), val.toByteArray()});
      }
      entries.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
      for (int i = 1; i < entries.size(); i++) {
        if (Arrays.equals(entries.get(i - 1)[0], entries.get(i)[0])) {
          throw new UnsupportedArgumentException(path + " has two keys that encode as the same value (such "
              + "as 5 and 5L, 1.5 and 1.50, 'a' and \"a\", or null and Optional.empty()), so which value each stands "
              + "for is ambiguous; pass a map whose keys are distinct values");
        }
      }
      out.write('M');
      writeLength(out, entries.size());
      for (byte[][] e : entries) {
        out.writeBytes(e[0]);
        out.writeBytes(e[1]);
      }
    } else {
      throw unsupported(v, path);
    }
  }

  private static UnsupportedArgumentException unsupported(Object v, String path) {
    return new UnsupportedArgumentException(path + " has type " + Text.quote(v.getClass().getName())
        + ", which has no canonical encoding; use a record, a String, a number, a UUID, an enum, a date/time, a "
        + "collection or a map of those, or register an ArgumentEncoder for the type");
  }

  /**
   * The UTF-8 bytes of text that must be valid UTF-16. {@code String.getBytes(UTF_8)} would replace an unpaired
   * surrogate with {@code ?}, so that the text U+D800 alone and {@code "?"} would share one digest (and one approval).
   */
  private static byte[] utf8(String text, String path) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new UnsupportedArgumentException(String.format(Locale.ROOT, "%s has an unpaired surrogate U+%04X at "
            + "index %d, which has no canonical (UTF-8) form; pass valid UTF-16 text", path, (int) c, i));
      }
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** How a map value's path names its key: quoted and cut short for scalar keys (never raw), else a placeholder. */
  private static String keyLabel(Object key) {
    if (key instanceof CharSequence || key instanceof Character || key instanceof Number || key instanceof Boolean
        || key instanceof Enum<?> || key instanceof UUID) {
      String text = key.toString();
      return Text.quote(text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }
    return "value";
  }

  private static void time(ByteArrayOutputStream out, String type, String iso) {
    out.write('T');
    writeBytes(out, type.getBytes(StandardCharsets.US_ASCII));
    writeBytes(out, iso.getBytes(StandardCharsets.US_ASCII));
  }

  private static void writeBytes(ByteArrayOutputStream out, byte[] b) {
    writeLength(out, b.length);
    out.writeBytes(b);
  }

  private static void writeLength(ByteArrayOutputStream out, int n) {
    out.write(n >>> 24);
    out.write(n >>> 16);
    out.write(n >>> 8);
    out.write(n);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** Builds a {@link CanonicalArguments} with encoders for domain types. Not thread-safe. */
  public static final class Builder {
    private final Map<Class<?>, ArgumentEncoder<Object>> encoders = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Registers the encoder for a type (and its subtypes).
     *
     * @param type the type
     * @param encoder turns a value into a supported one
     * @param <T> the type
     * @return this builder
     */
    @SuppressWarnings("unchecked")
    public <T> Builder encoder(Class<T> type, ArgumentEncoder<? super T> encoder) {
      Objects.requireNonNull(type, "type cannot be null");
      Objects.requireNonNull(encoder, "encoder cannot be null");
      encoders.put(type, (ArgumentEncoder<Object>) encoder);
      return this;
    }

    /**
     * Builds the encoder.
     *
     * @return the immutable encoder
     */
    public CanonicalArguments build() {
      return new CanonicalArguments(encoders);
    }
  }
}
