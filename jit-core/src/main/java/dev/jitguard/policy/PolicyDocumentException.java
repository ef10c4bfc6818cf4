package dev.jitguard.policy;

import dev.jitguard.internal.util.Text;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A policy document that could not be loaded: every problem found, each with where it is (source, line, column), the
 * field path ({@code policies.payments.refund.maxDuration}), what is wrong and how to fix it. Nothing was loaded; a
 * {@link ReloadingPolicy} keeps the rules it had.
 *
 * <pre>
 * Policy document policy.yaml has 2 problems; nothing was loaded:
 *   policy.yaml:12:18: policies.payments.refund.maxDuration: must be positive and at most PT8784H, but was PT-5S
 *   policy.yaml:14:5: policies.payments.refund.maxDuraton: unknown field "maxDuraton"; did you mean "maxDuration"? ...
 * </pre>
 *
 * <p>Text taken from the document (field names, values) is escaped, so a message is safe to log.
 */
public final class PolicyDocumentException extends IllegalArgumentException {
  /** Serialization version. */
  private static final long serialVersionUID = 1L;

  /** Longest source name shown in messages; longer ones keep their start and end. */
  static final int MAX_SOURCE = 300;

  /** Where the document came from (a file name or a description), for messages. */
  private final String source;
  /** Every problem found, in document order. */
  private final List<Problem> problems;

  /**
   * Creates the exception.
   *
   * @param source the file path, resource name or source name of the document
   * @param problems the problems, at least one
   */
  public PolicyDocumentException(String source, List<Problem> problems) {
    super(render(source, problems));
    this.source = source;
    this.problems = List.copyOf(problems);
  }

  private static String render(String source, List<Problem> problems) {
    Objects.requireNonNull(source, "source cannot be null");
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("problems cannot be empty");
    }
    StringBuilder sb = new StringBuilder();
    sb.append("Policy document ").append(printable(shorten(source)));
    sb.append(problems.size() == 1 ? " has 1 problem" : String.format(Locale.ROOT, " has %d problems",
        problems.size()));
    sb.append("; nothing was loaded:");
    for (Problem p : problems) {
      sb.append("\n  ").append(p);
    }
    return sb.toString();
  }

  /**
   * A source name for messages: at most {@value #MAX_SOURCE} characters, keeping its start and its end (a path's
   * file name), so that a message stays readable whatever name the caller passed.
   */
  static String shorten(String source) {
    if (source.length() <= MAX_SOURCE) {
      return source;
    }
    int head = MAX_SOURCE / 3;
    return source.substring(0, head) + "..." + source.substring(source.length() - (MAX_SOURCE - head - 3));
  }

  /**
   * Keeps printable ASCII as it is (user text inside was already quoted with {@link Text#quote}) and escapes
   * everything else, so a problem is always one printable line whatever reached it.
   */
  static String printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (int j = i; j < s.length(); j++) {
          char d = s.charAt(j);
          if (d < 0x20 || d >= 0x7f) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) d));
          } else {
            sb.append(d);
          }
        }
        return sb.toString();
      }
    }
    return s;
  }

  /** @return the file path, resource name or source name of the document */
  public String source() {
    return source;
  }

  /** @return every problem found, in document order */
  public List<Problem> problems() {
    return problems;
  }

  /**
   * One problem in a policy document.
   *
   * @param source the file path, resource name or source name (shortened to 300 characters, escaped)
   * @param line the 1-based line, or 0 when the problem concerns the whole document (for example its size)
   * @param column the 1-based column, or 0 with line 0
   * @param path the field path such as {@code policies.payments.refund.maxDuration}, empty for the whole document;
   *     list entries are written {@code autoApprove[1]}
   * @param message what is wrong and how to fix it
   */
  public record Problem(String source, int line, int column, String path, String message) implements Serializable {
    /**
     * Validates.
     *
     * @param source see the record description
     * @param line see the record description
     * @param column see the record description
     * @param path see the record description
     * @param message see the record description
     */
    public Problem {
      Objects.requireNonNull(source, "source cannot be null");
      Objects.requireNonNull(path, "path cannot be null");
      Objects.requireNonNull(message, "message cannot be null");
      source = printable(shorten(source));
      path = printable(path);
      message = printable(message);
    }

    /** @return {@code source:line:column: path: message}, leaving out what is unknown */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder(source);
      if (line > 0) {
        sb.append(':').append(line).append(':').append(column);
      }
      sb.append(": ");
      if (!path.isEmpty()) {
        sb.append(path).append(": ");
      }
      return sb.append(message).toString();
    }
  }
}
