package dev.jitguard.spring.aop;

import java.util.List;
import org.springframework.beans.factory.BeanInitializationException;

/**
 * A bean declares {@code @RequiresElevation} where it cannot be enforced (a private, static or final method, an
 * ambiguous or invalid declaration, a bean that is not proxied). Thrown at start-up, so the application fails rather
 * than run a method unguarded. The message names the bean, the class and every offending method.
 */
public final class ElevationDeclarationException extends BeanInitializationException {
  private static final long serialVersionUID = 1L;

  private final transient List<String> problems;

  /**
   * Creates the exception.
   *
   * @param beanName the bean
   * @param beanClass the bean's class
   * @param problems one message per offending method
   */
  public ElevationDeclarationException(String beanName, Class<?> beanClass, List<String> problems) {
    super("JIT Guard cannot enforce @RequiresElevation on bean '" + beanName + "' (" + beanClass.getName() + "):\n  - "
        + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  /** @return one message per offending method */
  public List<String> problems() {
    return problems;
  }
}
