package dev.jitguard.rule;

import dev.jitguard.InvalidInputException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Emergency self-elevation for a privilege: an eligible subject may grant it to themselves without approvers, with a
 * mandatory reason, for a short time. Each use is a distinct audit event, notifies the approvers that were skipped,
 * and opens a review that stays open until an approver reviews it.
 *
 * @param minReasonLength the reason must have at least this many characters (10 to 1000)
 * @param maxDuration the longest break-glass grant (at most 4 hours)
 */
public record BreakGlass(int minReasonLength, Duration maxDuration) {
  /** The longest break-glass grant any policy may allow. */
  public static final Duration LIMIT = Duration.ofHours(4);

  /**
   * Validates.
   *
   * @param minReasonLength see the record description
   * @param maxDuration see the record description
   * @throws InvalidInputException if out of range
   */
  public BreakGlass {
    Objects.requireNonNull(maxDuration, "maxDuration cannot be null");
    if (minReasonLength < 10 || minReasonLength > 1000) {
      String field = RuleField.BREAK_GLASS_MIN_REASON_LENGTH.path();
      throw new InvalidInputException(field, String.format(Locale.ROOT,
          "%s must be between 10 and 1000, but was %d; an emergency needs a real reason", field, minReasonLength));
    }
    if (maxDuration.isNegative() || maxDuration.isZero() || maxDuration.compareTo(LIMIT) > 0) {
      String field = RuleField.BREAK_GLASS_MAX_DURATION.path();
      throw new InvalidInputException(field, field + " must be positive and at most " + LIMIT + ", but was "
          + maxDuration + "; break-glass access is short by design");
    }
  }
}
