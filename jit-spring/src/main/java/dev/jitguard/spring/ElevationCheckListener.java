package dev.jitguard.spring;

import dev.jitguard.Decision;
import dev.jitguard.Privilege;

/**
 * Told of every check decision taken by the {@code @RequiresElevation} interceptor and by {@link ElevationChecks}
 * (metrics, tracing). Runs on the calling thread, on the hot path: it must be fast, must not block and should not
 * allocate on the allow path. An exception is logged and never changes the decision.
 */
@FunctionalInterface
public interface ElevationCheckListener {

  /** A listener that does nothing. */
  ElevationCheckListener NOOP = (privilege, decision) -> { };

  /**
   * A check was decided.
   *
   * @param privilege the privilege checked
   * @param decision granted or denied (with {@link dev.jitguard.ReasonCode#NO_SUBJECT} when nobody was authenticated)
   */
  void onCheck(Privilege privilege, Decision decision);
}
