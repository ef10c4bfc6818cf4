package dev.jitguard.rule;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a request must carry and may ask for: justification and ticket rules, the default and maximum duration, the
 * largest budget of uses or amount, how far ahead a start may be scheduled, and when the holder is warned before a
 * grant expires. Immutable and thread-safe.
 */
public final class RequestLimits {
  private final Duration defaultDuration;
  private final Duration maxDuration;
  private final int minJustificationLength;
  private final boolean ticketRequired;
  private final Pattern ticketPattern;
  private final int maxUses;
  private final BigDecimal maxAmount;
  private final Duration maxStartDelay;
  private final Duration expiryWarning;

  RequestLimits(Duration defaultDuration, Duration maxDuration, int minJustificationLength, boolean ticketRequired,
      Pattern ticketPattern, int maxUses, BigDecimal maxAmount, Duration maxStartDelay, Duration expiryWarning) {
    this.defaultDuration = defaultDuration;
    this.maxDuration = maxDuration;
    this.minJustificationLength = minJustificationLength;
    this.ticketRequired = ticketRequired;
    this.ticketPattern = ticketPattern;
    this.maxUses = maxUses;
    this.maxAmount = maxAmount;
    this.maxStartDelay = maxStartDelay;
    this.expiryWarning = expiryWarning;
  }

  /** @return the duration granted when the request names none */
  public Duration defaultDuration() {
    return defaultDuration;
  }

  /** @return the longest grant, extensions included */
  public Duration maxDuration() {
    return maxDuration;
  }

  /** @return true if a justification is required */
  public boolean justificationRequired() {
    return minJustificationLength > 0;
  }

  /** @return the minimum justification length in characters, 0 when none is required */
  public int minJustificationLength() {
    return minJustificationLength;
  }

  /** @return true if a ticket reference is required */
  public boolean ticketRequired() {
    return ticketRequired;
  }

  /** @return the pattern a ticket must match entirely, if any */
  public Optional<Pattern> ticketPattern() {
    return Optional.ofNullable(ticketPattern);
  }

  /** @return the largest budget of uses a request may ask for */
  public int maxUses() {
    return maxUses;
  }

  /**
   * The largest total amount a grant of this privilege may spend, if the privilege is metered. Then every grant is
   * metered (a request without an amount limit gets this one) and every use must name its call's amount.
   *
   * @return the maximum amount, or empty for an unmetered privilege
   */
  public Optional<BigDecimal> maxAmount() {
    return Optional.ofNullable(maxAmount);
  }

  /** @return how far in the future a scheduled start may be */
  public Duration maxStartDelay() {
    return maxStartDelay;
  }

  /** @return how long before expiry a warning event is sent */
  public Optional<Duration> expiryWarning() {
    return Optional.ofNullable(expiryWarning);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RequestLimits r && defaultDuration.equals(r.defaultDuration)
        && maxDuration.equals(r.maxDuration) && minJustificationLength == r.minJustificationLength
        && ticketRequired == r.ticketRequired && Objects.equals(patternText(), r.patternText())
        && maxUses == r.maxUses && Objects.equals(maxAmount, r.maxAmount) && maxStartDelay.equals(r.maxStartDelay)
        && Objects.equals(expiryWarning, r.expiryWarning);
  }

  private String patternText() {
    return ticketPattern == null ? null : ticketPattern.pattern();
  }

  @Override
  public int hashCode() {
    return Objects.hash(defaultDuration, maxDuration, minJustificationLength, ticketRequired, patternText(), maxUses,
        maxAmount, maxStartDelay, expiryWarning);
  }

  @Override
  public String toString() {
    return "RequestLimits[defaultDuration=" + defaultDuration + ", maxDuration=" + maxDuration
        + ", minJustificationLength=" + minJustificationLength + ", ticketRequired=" + ticketRequired
        + ", ticketPattern=" + patternText() + ", maxUses=" + maxUses + ", maxAmount=" + maxAmount
        + ", maxStartDelay=" + maxStartDelay + ", expiryWarning=" + expiryWarning + "]";
  }
}
