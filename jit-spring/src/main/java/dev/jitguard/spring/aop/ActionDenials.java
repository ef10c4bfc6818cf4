package dev.jitguard.spring.aop;

import dev.jitguard.ElevationRequiredException;
import dev.jitguard.Privilege;
import dev.jitguard.action.ActionBinding;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The call behind an {@link ElevationRequiredException} thrown for an {@code action = true} or a metered
 * ({@code amount = "..."}) method: the interceptor records the {@link ActionBinding} (action name, argument digest,
 * server-computed preview) and the amount the call would have spent against the exception instance, and the 403
 * problem response reads them back to tell the client how to request approval for exactly that call, and how much it
 * needs. Weakly keyed by exception identity: nothing is kept once the exception is gone. Thread-safe.
 */
public final class ActionDenials {
  private static final Map<ElevationRequiredException, Call> DENIALS =
      Collections.synchronizedMap(new WeakHashMap<>());

  private ActionDenials() { }

  /** What a denied call was: its binding (action calls) and its amount (metered calls). */
  private record Call(@Nullable ActionBinding action, @Nullable BigDecimal amount) { }

  static ElevationRequiredException record(ElevationRequiredException denied, @Nullable ActionBinding action,
      @Nullable BigDecimal amount) {
    DENIALS.put(denied, new Call(action, amount));
    return denied;
  }

  /**
   * The call a denial was for.
   *
   * @param denied the exception
   * @return the action binding, or null when the denial was not for an action call
   */
  public static @Nullable ActionBinding of(ElevationRequiredException denied) {
    Call c = DENIALS.get(denied);
    return c == null ? null : c.action();
  }

  /**
   * The amount a denied metered call would have spent.
   *
   * @param denied the exception
   * @return the amount, or null when the denial was not for a metered call
   */
  public static @Nullable BigDecimal amountOf(ElevationRequiredException denied) {
    Call c = DENIALS.get(denied);
    return c == null ? null : c.amount();
  }

  /**
   * Convenience for handlers: the privilege and call of an action denial.
   *
   * @param denied the exception
   * @return a short description
   */
  public static String describe(ElevationRequiredException denied) {
    ActionBinding a = of(denied);
    BigDecimal amount = amountOf(denied);
    Privilege p = denied.privilege();
    return (a == null ? p.name() : p.name() + " " + a.action() + " " + a.argumentDigest())
        + (amount == null ? "" : " amount " + amount.toPlainString());
  }
}
