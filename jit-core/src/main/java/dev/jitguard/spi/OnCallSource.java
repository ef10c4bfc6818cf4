package dev.jitguard.spi;

import dev.jitguard.rule.OnCallLookup;
import java.time.Instant;
import java.util.List;

/**
 * Who is on call, per schedule (PagerDuty, Opsgenie, a rota in a database). Used by auto-approval conditions
 * ({@link dev.jitguard.rule.AutoApproveCondition#onCall}) and to suggest approvers.
 *
 * <p><b>Contract.</b> Thread-safe; called on requests, never on the check hot path; should answer from a local cache
 * (the guard does not cache). An exception means "unknown": the guard does not auto-approve (the request waits for
 * people instead) and suggests nobody.
 */
public interface OnCallSource extends OnCallLookup {

  /**
   * The canonical subject ids on call for a schedule at an instant.
   *
   * @param schedule the schedule name
   * @param at the instant
   * @return the ids, possibly empty
   */
  List<String> onCall(String schedule, Instant at);

  /**
   * Whether a subject is on call.
   *
   * @param subjectId canonical subject id
   * @param schedule the schedule name
   * @param at the instant
   * @return true if on call
   */
  @Override
  default boolean isOnCall(String subjectId, String schedule, Instant at) {
    return onCall(schedule, at).contains(subjectId);
  }

}
