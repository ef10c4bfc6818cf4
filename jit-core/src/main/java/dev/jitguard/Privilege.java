package dev.jitguard;

import dev.jitguard.internal.util.Text;
import java.util.Locale;
import java.util.Objects;

/**
 * A named capability, such as {@code payments.refund} or {@code db.prod.write}.
 *
 * <p>The grammar is strict so that one name has one spelling: one to {@value #MAX_SEGMENTS} segments joined by
 * {@code .}; each segment starts with a lowercase ASCII letter followed by lowercase ASCII letters, digits,
 * {@code _} or {@code -}; at most {@value #MAX_LENGTH} characters in all. Anything else (uppercase, spaces,
 * non-ASCII look-alikes, empty segments, wildcards) is rejected with a message that says why, never silently
 * normalised. Instances are immutable and cheap to compare; create them once (for example as constants) and reuse
 * them on hot paths.
 */
public final class Privilege implements Comparable<Privilege> {
  /** Longest accepted name. */
  public static final int MAX_LENGTH = 128;
  /** Most segments accepted. */
  public static final int MAX_SEGMENTS = 16;

  private final String name;

  private Privilege(String name) {
    this.name = name;
  }

  /**
   * Parses and validates a privilege name.
   *
   * @param name the name, for example {@code db.prod.write}
   * @return the privilege
   * @throws InvalidInputException if the name breaks the grammar; the message says where and how to fix it
   */
  public static Privilege of(String name) {
    Objects.requireNonNull(name, "privilege cannot be null");
    if (name.isEmpty()) {
      throw invalid(name, "is empty");
    }
    if (name.length() > MAX_LENGTH) {
      throw new InvalidInputException("privilege", String.format(Locale.ROOT,
          "privilege must be at most %d characters, but was %d", MAX_LENGTH, name.length()));
    }
    int segments = 1;
    boolean segmentStart = true;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '.') {
        if (segmentStart) {
          throw invalid(name, "has an empty segment at index " + i);
        }
        segments++;
        segmentStart = true;
        continue;
      }
      boolean lower = c >= 'a' && c <= 'z';
      if (segmentStart) {
        if (!lower) {
          throw invalid(name, describe(c) + " at index " + i + " cannot start a segment (segments start with a-z)");
        }
        segmentStart = false;
      } else if (!(lower || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
        throw invalid(name, describe(c) + " at index " + i + " is not allowed");
      }
    }
    if (segmentStart) {
      throw invalid(name, "ends with '.'");
    }
    if (segments > MAX_SEGMENTS) {
      throw invalid(name, "has " + segments + " segments, more than " + MAX_SEGMENTS);
    }
    return new Privilege(name);
  }

  private static String describe(char c) {
    if (c >= 'A' && c <= 'Z') {
      return "uppercase '" + c + "'";
    }
    if (c >= 0x20 && c < 0x7f) {
      return "'" + c + "'";
    }
    return String.format(Locale.ROOT, "character U+%04X", (int) c);
  }

  private static InvalidInputException invalid(String name, String problem) {
    String hint = "";
    String lower = name.toLowerCase(Locale.ROOT);
    if (!lower.equals(name) && lower.chars().allMatch(ch -> ch < 0x7f)) {
      hint = " (did you mean " + Text.quote(lower) + "?)";
    }
    return new InvalidInputException("privilege", "privilege " + Text.quote(name) + " " + problem + hint
        + "; use lowercase ASCII segments [a-z][a-z0-9_-]* joined by '.', for example \"db.prod.write\"");
  }

  /**
   * The canonical name.
   *
   * @return the name, for example {@code db.prod.write}
   */
  public String name() {
    return name;
  }

  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof Privilege p && name.equals(p.name));
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public int compareTo(Privilege other) {
    return name.compareTo(other.name);
  }

  /** Returns the canonical name. */
  @Override
  public String toString() {
    return name;
  }
}
