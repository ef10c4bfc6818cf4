package dev.jitguard.spring.aop;

import dev.jitguard.ElevationRequiredException;
import dev.jitguard.Privilege;
import dev.jitguard.action.ActionBinding;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The call behind an {@link ElevationRequiredException} thrown for an {@code action = true} method: the interceptor
 * records the {@link ActionBinding} (action name, argument digest, server-computed preview) against the exception
 * instance, and the 403 problem response reads it back to tell the client how to request approval for exactly that
 * call. Weakly keyed by exception identity: nothing is kept once the exception is gone. Thread-safe.
 */
public final class ActionDenials {
  private static final Map<ElevationRequiredException, ActionBinding> DENIALS =
      Collections.synchronizedMap(new WeakHashMap<>());

  private ActionDenials() { }

  static ElevationRequiredException record(ElevationRequiredException denied, ActionBinding action) {
    DENIALS.put(denied, action);
    return denied;
  }

  /**
   * The call a denial was for.
   *
   * @param denied the exception
   * @return the action binding, or null when the denial was not for an action call
   */
  public static @Nullable ActionBinding of(ElevationRequiredException denied) {
    return DENIALS.get(denied);
  }

  /**
   * Convenience for handlers: the privilege and call of an action denial.
   *
   * @param denied the exception
   * @return a short description
   */
  public static String describe(ElevationRequiredException denied) {
    ActionBinding a = of(denied);
    Privilege p = denied.privilege();
    return a == null ? p.name() : p.name() + " " + a.action() + " " + a.argumentDigest();
  }
}
