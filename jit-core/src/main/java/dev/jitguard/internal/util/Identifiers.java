package dev.jitguard.internal.util;

import dev.jitguard.InvalidInputException;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Objects;

/** Canonical form of subject ids and group names: NFKC, lowercase (ROOT), no whitespace or invisible characters. */
public final class Identifiers {
  /** Longest identifier accepted. */
  public static final int MAX_LENGTH = 256;
  /** Longest raw text looked at: canonical forms can be shorter than the raw text, but not by this much. */
  private static final int MAX_RAW_LENGTH = 8 * MAX_LENGTH;

  private Identifiers() {}

  /**
   * Canonicalises an identifier.
   *
   * @param field the field name for errors
   * @param raw the raw identifier
   * @return the canonical identifier
   * @throws InvalidInputException if it is empty, too long or contains whitespace or invisible characters
   */
  public static String canonical(String field, String raw) {
    Objects.requireNonNull(raw, field + " cannot be null");
    // Normalising and lowercasing take ever longer as the text grows (300,000 "İ" took 22 s): bound the raw length
    // first. Normal forms compose a few characters into one at most, so longer raw text is never a valid identifier.
    if (raw.length() > MAX_RAW_LENGTH) {
      throw new InvalidInputException(field, String.format(Locale.ROOT,
          "%s must be at most %d characters, but was %d", field, MAX_LENGTH, raw.length()));
    }
    String s = Normalizer.normalize(raw, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    s = Normalizer.normalize(s, Normalizer.Form.NFKC);
    if (s.isEmpty()) {
      throw new InvalidInputException(field, field + " must not be empty");
    }
    if (s.length() > MAX_LENGTH) {
      throw new InvalidInputException(field, String.format(Locale.ROOT,
          "%s must be at most %d characters, but was %d", field, MAX_LENGTH, s.length()));
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      int type = Character.getType(c);
      if (Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)
          || type == Character.FORMAT || type == Character.SURROGATE && !validSurrogate(s, i)
          || type == Character.UNASSIGNED) {
        throw new InvalidInputException(field, String.format(Locale.ROOT,
            "%s %s has whitespace, a control or an invisible character (U+%04X at index %d); identifiers are "
                + "single printable words such as \"alice\" or \"alice@example.com\"",
            field, Text.quote(raw), (int) c, i));
      }
    }
    return s;
  }

  private static boolean validSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }
}
