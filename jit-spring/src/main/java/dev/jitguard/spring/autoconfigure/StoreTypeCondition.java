package dev.jitguard.spring.autoconfigure;

import java.util.Locale;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Chooses the grant store from {@code jit.store.type}: {@code memory} and {@code jdbc} are explicit; {@code auto}
 * (the default) means jdbc when a {@link DataSource} bean is defined (the auto-configuration runs after Boot's
 * {@code DataSourceAutoConfiguration}), memory otherwise.
 */
abstract class StoreTypeCondition extends SpringBootCondition implements ConfigurationCondition {
  private final JitGuardProperties.StoreType wanted;

  StoreTypeCondition(JitGuardProperties.StoreType wanted) {
    this.wanted = wanted;
  }

  /** Evaluated when beans are registered, so that every DataSource bean definition is known (like OnBeanCondition). */
  @Override
  public ConfigurationPhase getConfigurationPhase() {
    return ConfigurationPhase.REGISTER_BEAN;
  }

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    String raw = context.getEnvironment().getProperty("jit.store.type", "auto").trim();
    JitGuardProperties.StoreType type;
    try {
      type = JitGuardProperties.StoreType.valueOf(raw.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      // the properties binder reports the bad value with the allowed ones
      return ConditionOutcome.noMatch("jit.store.type=" + raw + " is not auto, memory or jdbc");
    }
    if (type == JitGuardProperties.StoreType.AUTO) {
      ConfigurableListableBeanFactory beans = context.getBeanFactory();
      boolean hasDataSource = beans != null && beans.getBeanNamesForType(DataSource.class, true, false).length > 0;
      type = hasDataSource ? JitGuardProperties.StoreType.JDBC : JitGuardProperties.StoreType.MEMORY;
      return type == wanted
          ? ConditionOutcome.match("jit.store.type=auto and " + (hasDataSource ? "a" : "no") + " DataSource bean")
          : ConditionOutcome.noMatch("jit.store.type=auto chose " + type.name().toLowerCase(Locale.ROOT));
    }
    return type == wanted ? ConditionOutcome.match("jit.store.type=" + raw)
        : ConditionOutcome.noMatch("jit.store.type=" + raw);
  }

  /** The in-memory store. */
  static final class Memory extends StoreTypeCondition {
    Memory() {
      super(JitGuardProperties.StoreType.MEMORY);
    }
  }

  /** The JDBC store. */
  static final class Jdbc extends StoreTypeCondition {
    Jdbc() {
      super(JitGuardProperties.StoreType.JDBC);
    }
  }
}
