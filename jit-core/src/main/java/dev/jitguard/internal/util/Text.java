package dev.jitguard.internal.util;

import dev.jitguard.InvalidInputException;
import java.util.Locale;

/**
 * Escaping and validation of user-supplied text. Every piece of user text that reaches a message, a log line or an
 * audit rendering goes through {@link #quote(String)}: the result is a single line of printable ASCII, so a
 * justification cannot forge a line, hide characters behind terminal escapes or bidi controls, or close a quote.
 */
public final class Text {
  /** Longest justification, comment or reason accepted; longer text is rejected, never truncated. */
  public static final int MAX_TEXT = 2000;

  private Text() {}

  /**
   * Quotes text for a single-line, ASCII-only rendering: {@code "} and {@code \} are backslash-escaped, common
   * control characters get their C escape, and everything outside printable ASCII becomes {@code \}{@code uXXXX}.
   *
   * @param text the text, possibly hostile
   * @return the text inside double quotes, safe to print on one line
   */
  public static String quote(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    escapeInto(text, out);
    return out.append('"').toString();
  }

  /**
   * Appends the escaped form of {@code text} (without quotes) to {@code out}.
   *
   * @param text the text
   * @param out where to append
   */
  public static void escapeInto(CharSequence text, StringBuilder out) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c >= 0x20 && c < 0x7f) {
            out.append(c);
          } else {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          }
        }
      }
    }
  }

  /**
   * Checks free text (a justification, a comment): at most {@link #MAX_TEXT} characters and no NUL or unpaired
   * surrogate. Line breaks and any other character are kept verbatim; they are escaped on output.
   *
   * @param field the field name for the error
   * @param text the text
   * @return the same text
   * @throws InvalidInputException if the text is too long or malformed
   */
  public static String freeText(String field, String text) {
    if (text.length() > MAX_TEXT) {
      throw new InvalidInputException(field, String.format(Locale.ROOT,
          "%s must be at most %d characters, but was %d; shorten it (long evidence belongs in the ticket)",
          field, MAX_TEXT, text.length()));
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        throw new InvalidInputException(field, field + " must not contain NUL characters (found at index " + i
            + "); remove them");
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          throw new InvalidInputException(field, field + " contains an unpaired surrogate at index " + i
              + "; send valid UTF-16 text");
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        throw new InvalidInputException(field, field + " contains an unpaired surrogate at index " + i
            + "; send valid UTF-16 text");
      }
    }
    return text;
  }

  /**
   * Checks a short single-line token (a ticket reference, an attribute value): length bounds and no control, format
   * (bidi) or whitespace-other-than-space characters.
   *
   * @param field the field name for the error
   * @param text the token
   * @param maxLength the maximum length
   * @return the same token
   * @throws InvalidInputException if the token is empty, too long or contains an invisible character
   */
  public static String token(String field, String text, int maxLength) {
    if (text.isEmpty()) {
      throw new InvalidInputException(field, field + " must not be empty; leave it unset instead");
    }
    if (text.length() > maxLength) {
      throw new InvalidInputException(field, String.format(Locale.ROOT,
          "%s must be at most %d characters, but was %d", field, maxLength, text.length()));
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int type = Character.getType(c);
      if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE || type == Character.UNASSIGNED) {
        throw new InvalidInputException(field, String.format(Locale.ROOT,
            "%s must be printable text, but has character U+%04X at index %d; remove control and invisible "
                + "characters", field, (int) c, i));
      }
    }
    return text;
  }
}
