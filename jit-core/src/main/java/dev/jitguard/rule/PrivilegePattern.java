package dev.jitguard.rule;

import dev.jitguard.InvalidInputException;
import dev.jitguard.Privilege;
import dev.jitguard.internal.util.Text;
import java.util.Objects;

/**
 * What a policy rule applies to: one exact privilege ({@code payments.refund}) or a declared prefix hierarchy
 * ({@code payments.*}: every privilege below {@code payments}, not {@code payments} itself). Patterns are matched by
 * segment prefix, never as regular expressions. When several rules match a privilege, the exact rule wins, then the
 * longest prefix; deny rules of every matching rule apply.
 *
 * @param value the pattern as written: a privilege name, optionally followed by {@code .*}
 */
public record PrivilegePattern(String value) implements Comparable<PrivilegePattern> {
  private static final String WILDCARD = ".*";

  /**
   * Validates the pattern.
   *
   * @param value see the record description
   * @throws InvalidInputException if it is not a privilege name or a privilege name followed by {@code .*}
   */
  public PrivilegePattern {
    Objects.requireNonNull(value, "pattern cannot be null");
    String base = value.endsWith(WILDCARD) ? value.substring(0, value.length() - WILDCARD.length()) : value;
    if (base.contains("*")) {
      throw new InvalidInputException("privilege", "privilege pattern " + Text.quote(value.length() > 140
          ? value.substring(0, 140) + "..." : value) + " has a '*' that is not a final '.*' segment; write an exact name such as \"payments.refund\" or a "
          + "prefix such as \"payments.*\"");
    }
    Privilege.of(base);
  }

  /**
   * Parses a pattern.
   *
   * @param value {@code a.b} or {@code a.b.*}
   * @return the pattern
   */
  public static PrivilegePattern of(String value) {
    return new PrivilegePattern(value);
  }

  /**
   * The pattern for exactly one privilege.
   *
   * @param privilege the privilege
   * @return the pattern
   */
  public static PrivilegePattern exactly(Privilege privilege) {
    Objects.requireNonNull(privilege, "privilege cannot be null");
    return new PrivilegePattern(privilege.name());
  }

  /** @return true for a {@code prefix.*} pattern */
  public boolean isWildcard() {
    return value.endsWith(WILDCARD);
  }

  /** @return the privilege name, or the prefix of a wildcard pattern */
  public String base() {
    return isWildcard() ? value.substring(0, value.length() - WILDCARD.length()) : value;
  }

  /**
   * Whether the pattern covers a privilege.
   *
   * @param privilege the privilege
   * @return true for the exact name, or any name strictly below the prefix
   */
  public boolean matches(Privilege privilege) {
    String name = privilege.name();
    if (!isWildcard()) {
      return name.equals(value);
    }
    String base = base();
    return name.length() > base.length() + 1 && name.startsWith(base) && name.charAt(base.length()) == '.';
  }

  /** @return how specific the pattern is: exact patterns beat every prefix, longer prefixes beat shorter ones */
  public int specificity() {
    return isWildcard() ? base().length() : Integer.MAX_VALUE;
  }

  @Override
  public int compareTo(PrivilegePattern o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
