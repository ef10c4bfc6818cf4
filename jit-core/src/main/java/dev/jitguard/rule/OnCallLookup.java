package dev.jitguard.rule;

import java.time.Instant;

/**
 * Whether a subject is on call for a schedule: what an {@link AutoApproveCondition#onCall on-call condition} asks.
 * The plug-in that answers it is {@link dev.jitguard.spi.OnCallSource}, which extends this interface; this one lives
 * with the rule model so that rules do not depend on the SPI package.
 *
 * <p>Thread-safe; called on requests, never on the check hot path. An exception means "unknown": the condition does
 * not match.
 */
@FunctionalInterface
public interface OnCallLookup {

  /**
   * Whether a subject is on call.
   *
   * @param subjectId canonical subject id
   * @param schedule the schedule name
   * @param at the instant
   * @return true if on call
   */
  boolean isOnCall(String subjectId, String schedule, Instant at);
}
