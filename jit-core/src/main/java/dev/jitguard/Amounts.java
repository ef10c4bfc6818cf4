package dev.jitguard;

import dev.jitguard.internal.util.Text;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * Validation of metered amounts (a grant's total amount, one call's amount). Amounts are exact decimals: at most
 * {@value #MAX_SCALE} decimal places and {@value #MAX_PRECISION} significant digits, so they store exactly as text in
 * every grant store and never round. Negative amounts are always rejected: a negative call amount would refill the
 * budget.
 */
public final class Amounts {
  /** Most decimal places an amount may have. */
  public static final int MAX_SCALE = 10;
  /** Most significant digits an amount may have. */
  public static final int MAX_PRECISION = 30;

  private Amounts() {}

  /**
   * Validates a total amount (a grant's or a policy's limit): positive.
   *
   * @param field the field name for the message
   * @param value the value
   * @return the value, with trailing zeros of its fraction kept as given
   * @throws InvalidInputException if null, not positive or out of range
   */
  public static BigDecimal limit(String field, BigDecimal value) {
    if (value != null && value.signum() <= 0) {
      throw new InvalidInputException(field, field + " must be positive, but was " + abbreviate(value.toPlainString())
          + "; give the total the grant may spend, for example 250.00");
    }
    return callAmount(field, value);
  }

  /**
   * Validates one call's amount: zero or positive.
   *
   * @param field the field name for the message
   * @param value the value
   * @return the value
   * @throws InvalidInputException if null, negative or out of range
   */
  public static BigDecimal callAmount(String field, BigDecimal value) {
    if (value == null) {
      throw new InvalidInputException(field, field + " must be given, but was null; pass the amount this call "
          + "spends (for example the refund amount)");
    }
    if (value.signum() < 0) {
      throw new InvalidInputException(field, field + " must not be negative, but was " + value.toPlainString()
          + "; a metered grant only counts amounts spent, so pass the absolute amount");
    }
    BigDecimal stripped = value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
    if (Math.max(stripped.scale(), 0) > MAX_SCALE || stripped.precision() - Math.min(stripped.scale(), 0)
        > MAX_PRECISION) {
      throw new InvalidInputException(field, field + " must have at most " + MAX_SCALE + " decimal places and "
          + MAX_PRECISION + " digits, but was " + abbreviate(value.toPlainString()) + "; round it to the currency's "
          + "minor unit");
    }
    return value;
  }

  /**
   * Parses an amount from text (a policy document, a JDBC column, a web form). Only the syntax is checked here (a
   * plain decimal, no exponent); the caller validates the value with {@link #limit} or {@link #callAmount}.
   *
   * @param field the field name for the message
   * @param text the text, a plain decimal such as {@code 250.00}
   * @return the amount, exactly as written (scale kept)
   * @throws InvalidInputException if it is not a plain decimal
   */
  public static BigDecimal parse(String field, String text) {
    Objects.requireNonNull(text, field + " cannot be null");
    if (text.length() > 64 || !text.matches("-?[0-9]{1,40}(\\.[0-9]{1,20})?")) {
      throw new InvalidInputException(field, field + " must be a plain decimal such as 250.00, but was "
          + Text.quote(abbreviate(text)));
    }
    return new BigDecimal(text);
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
