package dev.jitguard.spring;

import java.lang.reflect.Method;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Renders what an approver sees for one call of an {@code @RequiresElevation(value = ..., action = true)} method
 * (for example "Erase customer 42 (Ada Lovelace) and all their orders"). Declare a bean of this type to replace the
 * default, which lists the action name and the arguments ({@code CustomerService.erase(42)}). The preview is
 * computed on the server, at the call, and only the server's preview ever reaches an approver.
 */
@FunctionalInterface
public interface ActionPreviewRenderer {

  /**
   * The preview of a call.
   *
   * @param action the action name, {@code <class simple name>.<method name>}
   * @param method the method (on the target class)
   * @param arguments the arguments, as they are at the check; for a metered action
   *     ({@code @RequiresElevation(amount = ...)}) without the amount, which the approval does not cover
   * @return printable text, at most 2000 characters; null for the default preview
   */
  @Nullable String preview(String action, Method method, List<@Nullable Object> arguments);

  /** The default: the action name and the arguments' {@code toString()}. */
  ActionPreviewRenderer DEFAULT = (action, method, arguments) -> null;
}
